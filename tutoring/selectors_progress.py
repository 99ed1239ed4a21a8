"""Who progressed after tutoring: per member of a remedial group, the value before and after,
and progress rates per group, tutor, subject, grade block and for the school.

* **before**: the student's latest result in the subject known when they started in the group
  (last year's whole year, the start-of-year survey, semester I …), else the weak record's value.
* **after**: the first term result of the subject that ends after they started (semester I, then
  semester II, then the year). Until one exists, a before/after checkpoint pair in the group
  counts instead; such members are counted separately ("by checkpoints").
* **progressed**: ``tutoring.progress.progressed`` under the school's rule and margin.

``progress_summary`` is the one builder; the page, its drill-down and the reports (Phụ lục 1/2)
read the same object. Six queries, whatever the number of groups, members or tutors.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from lib.formatting import format_number, percent
from schools.models import SchoolSettings, SchoolYear, Subject
from students.models import Student

from .models import (
    Checkpoint,
    GroupKind,
    Membership,
    SubjectResult,
    Term,
    TutoringGroup,
    WeakRecord,
)
from .progress import progressed as is_progressed

RESULT = "result"
CHECKPOINT = "checkpoint"

# Terms whose results can be "after" tutoring, in the order they come.
_AFTER_TERMS = (Term.HK1, Term.HK2, Term.YEAR)


def term_end(year: SchoolYear, term: int) -> datetime.date:
    """When a term's result is known: the survey at the opening, semester I at its end, semester
    II and the year at the year's end."""
    if term == Term.SURVEY:
        return year.start_date
    if term == Term.HK1:
        return year.semester1_end
    return year.end_date


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "Đạt" if value == "D" else "Chưa đạt"
    return format_number(value, 1)


@dataclass
class MemberProgress:
    membership: Membership
    group: TutoringGroup
    student: Student
    subject: Subject
    grade: int
    tutor_ids: list[int]
    start: datetime.date
    before: Decimal | str | None = None
    before_label: str = ""
    after: Decimal | str | None = None
    after_label: str = ""
    source: str = ""  # RESULT, CHECKPOINT or "" (nothing after yet)
    progressed: bool | None = None

    @property
    def before_text(self) -> str:
        return _show(self.before)

    @property
    def after_text(self) -> str:
        return _show(self.after)


@dataclass
class ProgressRow:
    key: str
    label: str
    params: dict = field(default_factory=dict)  # the drill-down's filter
    detail: str = ""
    members: int = 0
    with_result: int = 0
    progressed_result: int = 0
    with_checkpoint: int = 0
    progressed_checkpoint: int = 0

    def add(self, member: MemberProgress) -> None:
        self.members += 1
        if member.source == RESULT:
            self.with_result += 1
            self.progressed_result += bool(member.progressed)
        elif member.source == CHECKPOINT:
            self.with_checkpoint += 1
            self.progressed_checkpoint += bool(member.progressed)

    @property
    def measured(self) -> int:
        return self.with_result + self.with_checkpoint

    @property
    def progressed(self) -> int:
        return self.progressed_result + self.progressed_checkpoint

    @property
    def rate(self) -> Decimal | None:
        """Progressed / members with an after value."""
        return percent(self.progressed, self.measured)

    @property
    def rate_all(self) -> Decimal | None:
        """Progressed / all members."""
        return percent(self.progressed, self.members)

    @property
    def rate_result(self) -> Decimal | None:
        return percent(self.progressed_result, self.with_result)


@dataclass
class ProgressSummary:
    school_year: SchoolYear
    until: int | None
    rule: str
    margin: Decimal
    threshold: Decimal
    members: list[MemberProgress]
    by_group: list[ProgressRow]
    by_tutor: list[ProgressRow]
    by_subject: list[ProgressRow]
    by_grade: list[ProgressRow]
    school: ProgressRow


def _after_terms(until: int | None) -> tuple[int, ...]:
    if until is None or until == Term.YEAR:
        return _AFTER_TERMS
    if until == Term.HK2:
        return (Term.HK1, Term.HK2)
    if until == Term.HK1:
        return (Term.HK1,)
    return ()


def progress_summary(
    school, school_year: SchoolYear, *, until: int | None = None, group_ids=None
) -> ProgressSummary:
    """Progress of every member (current or past) of the year's remedial groups of ``school``.

    ``until``: the last term counted (Term.HK1 for a semester I report; None: the whole year);
    results of later terms and checkpoints after that term's end are ignored. ``group_ids``:
    only these groups (a tổ trưởng's or a tutor's); None: all of them. Six queries."""
    school_id = getattr(school, "pk", school)
    settings = SchoolSettings.for_school(school_id)
    threshold, rule, margin = (
        settings.weak_threshold,
        settings.progress_rule,
        settings.progress_margin,
    )
    after_terms = _after_terms(until)
    limit = term_end(school_year, until) if until is not None else school_year.end_date

    memberships = Membership.objects.filter(
        group__school_id=school_id, group__school_year=school_year, group__kind=GroupKind.REMEDIAL
    )
    if group_ids is not None:
        memberships = memberships.filter(group_id__in=list(group_ids))
    memberships = list(
        memberships.select_related("group__subject", "student").order_by(
            "group__grade", "group__subject__order", "group__name", "student__sort_key", "pk"
        )
    )
    groups = {m.group_id: m.group for m in memberships}
    student_ids = {m.student_id for m in memberships}
    subject_ids = {g.subject_id for g in groups.values()}

    tutors: dict[int, list[int]] = {}
    tutor_names: dict[int, tuple[str, str]] = {}
    through = TutoringGroup.tutors.through
    for group_id, user_id, name, sort_key in (
        through.objects.filter(tutoringgroup_id__in=list(groups))
        .values_list("tutoringgroup_id", "user_id", "user__full_name", "user__sort_key")
        .order_by("user__sort_key", "user_id")
        if groups
        else []
    ):
        tutors.setdefault(group_id, []).append(user_id)
        tutor_names[user_id] = (name, sort_key)

    # results: {(student, subject): {(is_this_year, term): value}}
    results: dict[tuple[int, int], dict[tuple[bool, int], object]] = {}
    if student_ids:
        rows = SubjectResult.objects.filter(
            Q(student_id__in=student_ids, subject_id__in=subject_ids)
            & (
                Q(school_year=school_year)
                | Q(
                    school_year__school_id=school_year.school_id,
                    school_year__start_year=school_year.start_year - 1,
                    term=Term.YEAR,
                )
            )
        ).values_list("student_id", "subject_id", "school_year_id", "term", "score", "comment")
        for student_id, subject_id, year_id, term, score, comment in rows:
            value = score if score is not None else comment
            results.setdefault((student_id, subject_id), {})[(year_id == school_year.pk, term)] = (
                value
            )
    records: dict[tuple[int, int], tuple] = {}
    if student_ids:
        for student_id, subject_id, term, score, comment in (
            WeakRecord.objects.filter(
                school_year=school_year, student_id__in=student_ids, subject_id__in=subject_ids
            )
            .exclude(status=WeakRecord.Status.DISMISSED)
            .values_list("student_id", "subject_id", "term", "score", "comment")
        ):
            records[(student_id, subject_id)] = (term, score if score is not None else comment)
    checkpoints: dict[tuple[int, int], list] = {}
    if groups:
        for group_id, student_id, kind, day, score in (
            Checkpoint.objects.filter(group_id__in=list(groups), date__lte=limit)
            .values_list("group_id", "student_id", "kind", "date", "score")
            .order_by("date", "pk")
        ):
            checkpoints.setdefault((group_id, student_id), []).append((kind, day, score))

    members = []
    for m in memberships:
        group = m.group
        start = max(group.start_date, m.joined_on)
        member = MemberProgress(
            membership=m,
            group=group,
            student=m.student,
            subject=group.subject,
            grade=group.grade,
            tutor_ids=tutors.get(group.pk, []),
            start=start,
        )
        found = results.get((m.student_id, group.subject_id), {})
        _set_before(member, found, records.get((m.student_id, group.subject_id)), school_year)
        for term in after_terms:
            if (True, term) in found and term_end(school_year, term) > start:
                member.after = found[(True, term)]
                member.after_label = str(Term(term).label)
                member.source = RESULT
                break
        if not member.source:
            _use_checkpoints(member, checkpoints.get((group.pk, m.student_id), []))
        if member.source:
            member.progressed = is_progressed(
                member.before, member.after, threshold=threshold, rule=rule, margin=margin
            )
        members.append(member)

    return _aggregate(members, school_year, until, rule, margin, threshold, tutor_names)


def _set_before(member: MemberProgress, found: dict, record, year: SchoolYear) -> None:
    """The latest result known when the student started, else the weak record's value."""
    known = [
        (term_end(year, term), term)
        for (this_year, term) in found
        if this_year and term_end(year, term) <= member.start
    ]
    if known:
        _day, term = max(known, key=lambda k: (k[0], k[1]))
        member.before, member.before_label = found[(True, term)], str(Term(term).label)
        return
    if (False, Term.YEAR) in found:
        member.before = found[(False, Term.YEAR)]
        member.before_label = _("Whole year %(year)s") % {
            "year": f"{year.start_year - 1}-{year.start_year}"
        }
        return
    if record is not None:
        term, value = record
        if value not in (None, "") and (term is None or term_end(year, term) <= member.start):
            member.before, member.before_label = value, _("Weak-student record")


def _use_checkpoints(member: MemberProgress, rows: list) -> None:
    befores = [(day, score) for kind, day, score in rows if kind == Checkpoint.Kind.BEFORE]
    afters = [(day, score) for kind, day, score in rows if kind == Checkpoint.Kind.AFTER]
    if befores and afters:
        (b_day, b_score), (a_day, a_score) = befores[0], afters[-1]
        member.before = b_score
        member.before_label = _("Test before (%(date)s)") % {"date": b_day.strftime("%d/%m/%Y")}
        member.after = a_score
        member.after_label = _("Test after (%(date)s)") % {"date": a_day.strftime("%d/%m/%Y")}
        member.source = CHECKPOINT


def _aggregate(members, year, until, rule, margin, threshold, tutor_names) -> ProgressSummary:
    by_group: dict[int, ProgressRow] = {}
    by_tutor: dict[int, ProgressRow] = {}
    by_subject: dict[int, ProgressRow] = {}
    by_grade: dict[int, ProgressRow] = {}
    school = ProgressRow("school", _("Whole school"))
    subject_order: dict[int, tuple] = {}
    group_order: dict[int, tuple] = {}
    for member in members:
        group, subject = member.group, member.subject
        group_order[group.pk] = (group.grade, subject.order, group.name)
        subject_order[subject.pk] = (subject.order, subject.name)
        by_group.setdefault(
            group.pk,
            ProgressRow(
                str(group.pk),
                group.name,
                {"group": group.pk},
                f"{subject.short_name} · {_('grade %(grade)s') % {'grade': group.grade}}",
            ),
        ).add(member)
        for tutor_id in member.tutor_ids:
            by_tutor.setdefault(
                tutor_id,
                ProgressRow(str(tutor_id), tutor_names[tutor_id][0], {"tutor": tutor_id}),
            ).add(member)
        by_subject.setdefault(
            subject.pk, ProgressRow(str(subject.pk), subject.name, {"subject": subject.pk})
        ).add(member)
        by_grade.setdefault(
            group.grade,
            ProgressRow(
                str(group.grade),
                _("Grade %(grade)s") % {"grade": group.grade},
                {"grade": group.grade},
            ),
        ).add(member)
        school.add(member)
    return ProgressSummary(
        school_year=year,
        until=until,
        rule=rule,
        margin=margin,
        threshold=threshold,
        members=members,
        by_group=[by_group[k] for k in sorted(by_group, key=group_order.__getitem__)],
        by_tutor=[by_tutor[k] for k in sorted(by_tutor, key=lambda k: (tutor_names[k][1], k))],
        by_subject=[by_subject[k] for k in sorted(by_subject, key=subject_order.__getitem__)],
        by_grade=[by_grade[k] for k in sorted(by_grade)],
        school=school,
    )


# --- the page's scope and drill-down -------------------------------------------------------------


def progress_group_ids(user) -> set[int] | None:
    """The groups whose progress the user reads: None for leaders (the whole school), else the
    groups of their subjects (tổ trưởng) and the groups they tutor; empty: none."""
    from schools.scoping import scope_for

    from . import scoping

    scope = scope_for(user)
    if not scoping.in_school(scope) or scope.year is None:
        return set()
    if scope.is_leader:
        return None
    heads = scoping.head_subject_ids(scope)
    tutored = scoping.tutored_group_ids(scope)
    if not heads and not tutored:
        return set()
    return set(
        TutoringGroup.objects.filter(school=scope.school, school_year=scope.year)
        .filter(Q(subject_id__in=heads) | Q(pk__in=tutored))
        .order_by()
        .values_list("pk", flat=True)
    )


@dataclass
class StudentFilter:
    group: int | None = None
    tutor: int | None = None
    subject: int | None = None
    grade: int | None = None
    source: str = ""  # RESULT, CHECKPOINT, "none" (nothing after yet) or "" (all)
    progressed: str = ""  # "yes", "no" or ""


def filter_members(summary: ProgressSummary, f: StudentFilter) -> list[MemberProgress]:
    out = []
    for m in summary.members:
        if f.group and m.group.pk != f.group:
            continue
        if f.tutor and f.tutor not in m.tutor_ids:
            continue
        if f.subject and m.subject.pk != f.subject:
            continue
        if f.grade and m.grade != f.grade:
            continue
        if f.source == "none" and m.source:
            continue
        if f.source in (RESULT, CHECKPOINT) and m.source != f.source:
            continue
        if f.progressed == "yes" and not m.progressed:
            continue
        if f.progressed == "no" and m.progressed is not False:
            continue
        out.append(m)
    return out
