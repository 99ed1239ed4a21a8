"""Read-side helpers for student pages (a fixed number of queries, whatever the number of rows)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from .models import Enrollment, Guardian, Student


@dataclass
class AuditEntry:
    when: datetime
    who: str
    what: str
    changes: list[tuple[str, str, str]]


def _describe(record, prev, model) -> list[tuple[str, str, str]]:
    if prev is None:
        return []
    out = []
    for change in record.diff_against(prev).changes:
        try:
            label = str(model._meta.get_field(change.field).verbose_name)
        except Exception:  # noqa: BLE001 - a removed field still shows by name
            label = change.field
        old = "" if change.old is None else str(change.old)
        new = "" if change.new is None else str(change.new)
        out.append((label, old, new))
    return out


def student_audit_trail(student: Student, limit: int = 200) -> list[AuditEntry]:
    """Who changed what on a student, their guardians and their enrollment, newest first.

    Three queries in all: each history table once, diffs computed between consecutive records.
    """
    entries: list[AuditEntry] = []
    kinds = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    sources = [
        (student.history.all(), Student, _("Student record")),
        (Guardian.history.filter(student_id=student.pk), Guardian, _("Guardian")),
        (Enrollment.history.filter(student_id=student.pk), Enrollment, _("Enrollment")),
    ]
    for qs, model, label in sources:
        last_seen = {}
        newest = qs.select_related("history_user").order_by("-history_date", "-history_id")
        for record in reversed(list(newest[:limit])):
            prev = last_seen.get(record.id)
            last_seen[record.id] = record
            changes = _describe(record, prev, model) if record.history_type == "~" else []
            if record.history_type == "~" and prev is not None and not changes:
                continue  # saved without a difference: nothing to tell
            who = record.history_user.full_name if record.history_user else _("system")
            entries.append(
                AuditEntry(
                    when=record.history_date,
                    who=who,
                    what=f"{label}: {kinds.get(record.history_type, '')}",
                    changes=changes,
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


@dataclass
class MovementEvent:
    date: object
    label: str
    classroom: object
    note: str
    causes: list[str]


def movement_events(enrollments) -> list[MovementEvent]:
    """Turn enrollment spans into the movements people recorded, oldest first."""
    events = []
    for span in enrollments:
        if span.start_kind != Enrollment.StartKind.CLASS_CHANGE:
            events.append(
                MovementEvent(
                    span.start_date,
                    span.get_start_kind_display(),
                    span.classroom,
                    span.start_note,
                    [],
                )
            )
        else:
            events.append(
                MovementEvent(
                    span.start_date,
                    _("Moved to class %(c)s") % {"c": span.classroom},
                    span.classroom,
                    span.start_note,
                    [],
                )
            )
        if span.end_date and span.end_kind not in (Enrollment.EndKind.CLASS_CHANGE,):
            events.append(
                MovementEvent(
                    span.end_date,
                    span.get_end_kind_display(),
                    span.classroom,
                    span.end_note,
                    span.get_cause_labels(),
                )
            )
    events.sort(key=lambda e: e.date)
    return events
