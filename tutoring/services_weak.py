"""The weak-student register (sổ theo dõi học sinh yếu kém): every write.

* ``sync_from_results`` proposes and updates records from the results (contract 2 of issue 5):
  the results service calls it after every change, for the students it touched.
* ``weak_record_refer``: a teacher refers a student (e.g. after the start-of-year survey).
* ``weak_record_update`` / ``weak_record_dismiss`` / ``weak_record_reopen``: the homeroom teacher
  (GVCN) records causes, confirms, or dismisses with a reason (kept in ``evidence``).
* ``weak_class_save``: causes and confirmation for a whole class in one all-or-nothing save.

A form that loaded an older version of a record is refused (``STALE``), never silently applied:
the pages carry the record's ``updated_at`` in a hidden field (``record_version``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from schools.models import SchoolSettings, SchoolYear
from students.models import Student

from . import rules
from .models import Comment, SubjectResult, Term, TermResult, WeakCause, WeakRecord

Origin = WeakRecord.Origin
Status = WeakRecord.Status

# Messages (module constants so tests can assert them).
STALE = gettext_lazy(
    "Someone changed this record after you opened it. Your changes were not saved: "
    "the current values are shown below."
)
STALE_STUDENT = gettext_lazy(
    "Someone changed the records of this student after you opened the page. "
    "Nothing was saved: the current values are shown."
)
CAUSE_NEEDED = gettext_lazy("Tick at least one cause, or describe it, before confirming.")
REASON_NEEDED = gettext_lazy("Say why this student is not weak.")
EVIDENCE_NEEDED = gettext_lazy("Describe what you saw (a survey score, tests, classwork).")
UNKNOWN_CAUSE = gettext_lazy("Unknown cause: %(code)s.")
OTHER_SCHOOL = gettext_lazy("This student is not a student of this school.")

# Which result is the most recent: this year's YEAR, HK2, HK1, SURVEY, then last year's YEAR.
_THIS_YEAR_RANK = {Term.YEAR: 4, Term.HK2: 3, Term.HK1: 2, Term.SURVEY: 1}
_LAST_YEAR_RANK = 0

# Fields the results own on a record; causes, evidence and status belong to people.
_RESULT_FIELDS = ["term", "score", "comment", "gap", "weak_subject_count", "resolved_term"]


def record_version(record: WeakRecord) -> str:
    """What a form carries to notice a concurrent change."""
    return record.updated_at.isoformat() if record.updated_at else ""


# --- from results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Result:
    rank: int
    year_id: int
    term: int
    score: Decimal | None
    comment: str
    weak: bool


def subject_is_weak(score: Decimal | None, comment: str, threshold: Decimal) -> bool:
    if score is None:
        return rules.is_weak_in_subject(Comment(comment).label, threshold)
    return rules.is_weak_in_subject(score, threshold)


def _term_end(year: SchoolYear, term: int) -> datetime.date:
    """The day a term's result is known at the latest (to compare with a referral's date)."""
    if term == Term.SURVEY:
        return year.start_date
    if term == Term.HK1:
        return year.semester1_end
    return year.end_date


def sync_from_results(school_year: SchoolYear, student_ids, user=None) -> None:
    """Propose and update the weak records of these students from their results. Idempotent.

    Per subject, the results considered are this year's YEAR, HK2, HK1, SURVEY and last year's
    (same school) YEAR, most recent first. A record exists while one of them is weak (score below
    ``SchoolSettings.weak_threshold``, or Chưa đạt): its term, score and gap are those of the most
    recent weak result, ``resolved_term`` the term of a more recent result that is no longer weak
    (cleared when weak again). The overall record (subject empty) follows ``TermResult.is_weak``;
    ``weak_subject_count`` counts the weak subjects of the basis term.

    Never changes causes, notes, evidence, status or who confirmed; never deletes a referral. A
    proposal nobody touched whose every weak result was corrected away is deleted (history keeps
    it). A fixed number of queries for any number of students (plus the bulk writes' batches).
    """
    ids = sorted({int(pk) for pk in student_ids})
    if ids:
        with transaction.atomic():
            _sync(school_year, ids, user)


def _sync(school_year: SchoolYear, ids: list[int], user) -> None:
    threshold = SchoolSettings.for_school(school_year.school_id).weak_threshold
    last_year = Q(
        school_year__school_id=school_year.school_id,
        school_year__start_year=school_year.start_year - 1,
        term=Term.YEAR,
    )
    in_scope = Q(student_id__in=ids) & (Q(school_year=school_year) | last_year)

    def rank(year_id: int, term: int) -> int:
        return _THIS_YEAR_RANK[term] if year_id == school_year.pk else _LAST_YEAR_RANK

    # subject results: {(student, subject): [results]} and weak counts per (student, year, term)
    by_subject: dict[tuple[int, int], list[_Result]] = {}
    weak_count: dict[tuple[int, int, int], int] = {}
    rows = SubjectResult.objects.filter(in_scope).values_list(
        "student_id", "subject_id", "school_year_id", "term", "score", "comment"
    )
    for student_id, subject_id, year_id, term, score, comment in rows:
        weak = subject_is_weak(score, comment, threshold)
        item = _Result(rank(year_id, term), year_id, term, score, comment, weak)
        by_subject.setdefault((student_id, subject_id), []).append(item)
        if weak:
            key = (student_id, year_id, term)
            weak_count[key] = weak_count.get(key, 0) + 1
    overall: dict[int, list[_Result]] = {}
    for student_id, year_id, term, is_weak in TermResult.objects.filter(in_scope).values_list(
        "student_id", "school_year_id", "term", "is_weak"
    ):
        if term in _THIS_YEAR_RANK:
            item = _Result(rank(year_id, term), year_id, term, None, "", is_weak)
            overall.setdefault(student_id, []).append(item)

    wanted: dict[tuple[int, int | None], list[_Result]] = dict(by_subject)
    wanted.update({(student_id, None): items for student_id, items in overall.items()})
    existing = {
        (r.student_id, r.subject_id): r
        for r in WeakRecord.objects.select_for_update(of=("self",)).filter(
            school_year=school_year, student_id__in=ids
        )
    }

    now, today = timezone.now(), timezone.localdate()
    to_create, to_update, doomed = [], [], []
    for key in set(wanted) | set(existing):
        student_id, subject_id = key
        results = sorted(wanted.get(key, []), key=lambda r: r.rank, reverse=True)
        record = existing.get(key)
        weak_results = [r for r in results if r.weak]
        if not weak_results:
            if record is not None and results:
                _no_weak_result_left(record, results[0], school_year, doomed, to_update, now)
            continue
        basis, latest = weak_results[0], results[0]
        values = {
            "term": basis.term,
            "score": basis.score,
            "comment": basis.comment,
            "gap": rules.round1(threshold - basis.score) if basis.score is not None else None,
            "weak_subject_count": weak_count.get((student_id, basis.year_id, basis.term), 0),
            "resolved_term": None if latest.weak else latest.term,
        }
        if record is None:
            origin = Origin.SURVEY if basis.term == Term.SURVEY else Origin.RESULTS
            to_create.append(
                WeakRecord(
                    school_id=school_year.school_id,
                    school_year=school_year,
                    student_id=student_id,
                    subject_id=subject_id,
                    origin=origin,
                    identified_by=user,
                    identified_on=today,
                    **values,
                )
            )
        elif any(getattr(record, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(record, name, value)
            record.updated_at = now
            to_update.append(record)

    if doomed:
        untouched = set(
            WeakRecord.objects.filter(
                pk__in=[r.pk for r in doomed], memberships__isnull=True, peer_pairs__isnull=True
            ).values_list("pk", flat=True)
        )
        for record in doomed:
            if record.pk in untouched:
                record._history_user = user
                record.delete()
            else:  # someone already put the student in a group or a pair: keep it, resolved
                record.updated_at = now
                to_update.append(record)
    if to_create:
        bulk_create_with_history(to_create, WeakRecord, default_user=user)
    if to_update:
        bulk_update_with_history(
            to_update, WeakRecord, [*_RESULT_FIELDS, "updated_at"], default_user=user
        )


def _no_weak_result_left(record, latest, school_year, doomed, to_update, now) -> None:
    """A record none of whose results is weak (any more): corrected results, or a referral the
    later results contradict."""
    if record.origin == Origin.REFERRAL:
        # A result known only before the referral does not contradict the teacher.
        year_end = _term_end(school_year, latest.term)
        if latest.rank == _LAST_YEAR_RANK or year_end <= record.identified_on:
            return
        if record.resolved_term != latest.term:
            record.resolved_term = latest.term
            record.updated_at = now
            to_update.append(record)
        return
    untouched = (
        record.status == Status.PROPOSED
        and not record.causes
        and not record.cause_note.strip()
        and not record.evidence.strip()
    )
    if untouched:
        doomed.append(record)
    elif record.resolved_term != latest.term:
        record.resolved_term = latest.term
        record.updated_at = now
        to_update.append(record)


# --- people's writes --------------------------------------------------------------------------


def clean_causes(causes) -> str:
    """Cause codes in the order of ``WeakCause``, comma separated; unknown codes refused."""
    chosen = [str(c) for c in causes or [] if str(c)]
    for code in chosen:
        if code not in WeakCause.values:
            raise ValidationError({"causes": str(UNKNOWN_CAUSE) % {"code": code}})
    return ",".join(c for c in WeakCause.values if c in chosen)


def _stamp(user, text: str) -> str:
    """One dated, signed entry of the evidence log."""
    who = getattr(user, "full_name", "") or getattr(user, "username", "")
    return f"[{timezone.localdate().strftime('%d/%m/%Y')}, {who}] {text.strip()}"


def _append(existing: str, entry: str) -> str:
    return f"{existing.rstrip()}\n{entry}" if existing.strip() else entry


def _locked(record: WeakRecord, version: str) -> WeakRecord:
    fresh = WeakRecord.objects.select_for_update(of=("self",)).get(pk=record.pk)
    if version != record_version(fresh):
        raise ValidationError(str(STALE), code="stale")
    return fresh


@transaction.atomic
def weak_record_refer(
    *, student: Student, subject, school_year: SchoolYear, evidence: str, causes=(), user
) -> tuple[WeakRecord, bool]:
    """A teacher refers a student as weak in a subject (``subject`` None: overall), with what
    they saw. When the register already has that student and subject this year, the evidence and
    causes are added to it (a dismissed record is proposed again) and ``created`` is False.
    Refuses an empty evidence and a student of another school."""
    if not (evidence or "").strip():
        raise ValidationError({"evidence": str(EVIDENCE_NEEDED)})
    if student.school_id != school_year.school_id:
        raise ValidationError(str(OTHER_SCHOOL))
    codes = clean_causes(causes)
    entry = _stamp(user, evidence)
    subject_id = getattr(subject, "pk", subject)
    record = (
        WeakRecord.objects.select_for_update(of=("self",))
        .filter(school_year=school_year, student=student, subject_id=subject_id)
        .first()
    )
    created = record is None
    if created:
        record = WeakRecord(
            school_id=school_year.school_id,
            school_year=school_year,
            student=student,
            subject_id=subject_id,
            origin=Origin.REFERRAL,
            causes=codes,
            evidence=entry,
            identified_by=user,
            identified_on=timezone.localdate(),
        )
    else:
        record.evidence = _append(record.evidence, entry)
        record.causes = clean_causes([*record.cause_list, *codes.split(",")])
        if record.status == Status.DISMISSED:
            record.status = Status.PROPOSED
    record._history_user = user
    record.full_clean(validate_unique=False, validate_constraints=False)
    record.save()
    # The degree (term, score, gap) comes from the results, when there are any.
    sync_from_results(school_year, [student.pk], user)
    record.refresh_from_db()
    return record, created


@transaction.atomic
def weak_record_update(
    *,
    record: WeakRecord,
    version: str,
    causes,
    cause_note: str,
    evidence: str,
    user,
    confirm: bool = False,
) -> WeakRecord:
    """The GVCN records causes (codes and their own words) and the evidence, and may confirm.
    Refuses a form loaded before someone else's change, and a confirmation without any cause."""
    fresh = _locked(record, version)
    codes = clean_causes(causes)
    note = (cause_note or "").strip()
    if confirm and not codes and not note:
        raise ValidationError({"causes": str(CAUSE_NEEDED)})
    fresh.causes, fresh.cause_note, fresh.evidence = codes, note, (evidence or "").strip()
    if confirm:
        fresh.status = Status.CONFIRMED
        fresh.confirmed_by = user
        fresh.confirmed_at = timezone.now()
    fresh._history_user = user
    fresh.save()
    return fresh


@transaction.atomic
def weak_record_dismiss(*, record: WeakRecord, version: str, reason: str, user) -> WeakRecord:
    """The GVCN says the student is not weak: status dismissed, the reason added (dated and
    signed) to the record's ``evidence``. Results never bring a dismissed record back; a new
    referral or the GVCN (``weak_record_reopen``) does."""
    fresh = _locked(record, version)
    if not (reason or "").strip():
        raise ValidationError({"reason": str(REASON_NEEDED)})
    entry = _stamp(user, _("Dismissed: %(reason)s") % {"reason": reason.strip()})
    fresh.evidence = _append(fresh.evidence, entry)
    fresh.status = Status.DISMISSED
    fresh.confirmed_by, fresh.confirmed_at = None, None
    fresh._history_user = user
    fresh.save()
    return fresh


@transaction.atomic
def weak_record_reopen(*, record: WeakRecord, version: str, user) -> WeakRecord:
    """Back to "proposed" (a dismissal or a confirmation made by mistake)."""
    fresh = _locked(record, version)
    fresh.status = Status.PROPOSED
    fresh.confirmed_by, fresh.confirmed_at = None, None
    fresh._history_user = user
    fresh.save()
    return fresh


# --- a whole class at once ------------------------------------------------------------------------


@dataclass
class ClassEntry:
    """What the class page sends for one student. ``None``: the field was not changed."""

    student_id: int
    version: str
    causes: list[str] | None = None
    cause_note: str | None = None
    confirm: bool = False


def student_version(records) -> str:
    """A student's version on the class page: the latest change of any of their records."""
    stamps = [r.updated_at for r in records if r.updated_at]
    return max(stamps).isoformat() if stamps else ""


@transaction.atomic
def weak_class_save(*, school_year: SchoolYear, entries: list[ClassEntry], user) -> int:
    """Causes, notes and confirmations for many students at once, all or nothing.

    The causes and the note of a student apply to each of their records that is not dismissed;
    "confirm" confirms those still proposed. Refuses the whole save (``ValidationError`` keyed
    by student id) when one student's records changed since the page was loaded or a
    confirmation has no cause. Returns how many records changed. Fixed number of queries.
    """
    by_student: dict[int, list[WeakRecord]] = {}
    for record in (
        WeakRecord.objects.select_for_update(of=("self",))
        .filter(school_year=school_year, student_id__in=[e.student_id for e in entries])
        .exclude(status=Status.DISMISSED)
        .order_by("pk")
    ):
        by_student.setdefault(record.student_id, []).append(record)
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, tuple[str | None, str | None]] = {}
    for entry in entries:
        records = by_student.get(entry.student_id, [])
        if entry.version != student_version(records):
            errors[str(entry.student_id)] = [str(STALE_STUDENT)]
            continue
        try:
            codes = clean_causes(entry.causes) if entry.causes is not None else None
        except ValidationError as error:
            errors[str(entry.student_id)] = error.messages
            continue
        note = entry.cause_note.strip() if entry.cause_note is not None else None
        if entry.confirm and any(r.status == Status.PROPOSED for r in records):
            has_cause = all(
                (codes if codes is not None else r.causes)
                or (note if note is not None else r.cause_note)
                for r in records
            )
            if not has_cause:
                errors[str(entry.student_id)] = [str(CAUSE_NEEDED)]
                continue
        cleaned[entry.student_id] = (codes, note)
    if errors:
        raise ValidationError(errors)
    now, changed = timezone.now(), []
    for entry in entries:
        codes, note = cleaned[entry.student_id]
        for record in by_student.get(entry.student_id, []):
            before = (record.causes, record.cause_note, record.status)
            if codes is not None:
                record.causes = codes
            if note is not None:
                record.cause_note = note
            if entry.confirm and record.status == Status.PROPOSED:
                record.status = Status.CONFIRMED
                record.confirmed_by, record.confirmed_at = user, now
            if (record.causes, record.cause_note, record.status) != before:
                record.updated_at = now
                changed.append(record)
    if changed:
        fields = ["causes", "cause_note", "status", "confirmed_by", "confirmed_at", "updated_at"]
        bulk_update_with_history(changed, WeakRecord, fields, default_user=user)
    return len(changed)
