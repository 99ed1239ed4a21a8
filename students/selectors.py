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


def _describe(record, model) -> list[tuple[str, str, str]]:
    prev = record.prev_record
    if prev is None:
        return []
    delta = record.diff_against(prev)
    out = []
    for change in delta.changes:
        try:
            label = str(model._meta.get_field(change.field).verbose_name)
        except Exception:  # noqa: BLE001 - a removed field still shows by name
            label = change.field
        out.append(
            (
                label,
                "" if change.old is None else str(change.old),
                "" if change.new is None else str(change.new),
            )
        )
    return out


def student_audit_trail(student: Student, limit: int = 100) -> list[AuditEntry]:
    """Who changed what on a student, their guardians and their enrollment, newest first."""
    entries: list[AuditEntry] = []
    kinds = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    sources = [
        (student.history.select_related("history_user"), Student, _("Student record")),
        (
            Guardian.history.filter(student_id=student.pk).select_related("history_user"),
            Guardian,
            _("Guardian"),
        ),
        (
            Enrollment.history.filter(student_id=student.pk).select_related("history_user"),
            Enrollment,
            _("Enrollment"),
        ),
    ]
    for qs, model, label in sources:
        for record in qs.order_by("-history_date")[:limit]:
            who = record.history_user.full_name if record.history_user else _("system")
            entries.append(
                AuditEntry(
                    when=record.history_date,
                    who=who,
                    what=f"{label}: {kinds.get(record.history_type, '')}",
                    changes=_describe(record, model) if record.history_type == "~" else [],
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
