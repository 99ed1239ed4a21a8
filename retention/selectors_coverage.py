"""Coverage, "no student forgotten" (không để học sinh nào bị bỏ quên, seed 002), and the office's
counts per school.

The students who need someone are the **at-risk** ones (an active risk case, or listed by the
early-warning list) and the **weak** ones (a still-weak register line: not dismissed, not
resolved), enrolled now. A student is **covered** by any of: an active mentor, the owner of an
active case (an account still active), a tutoring group or a peer pair this year
(``tutoring.selectors_weak.covered_pairs``, any subject). The rest are the uncovered list, each
with what they need and links to act.

Every builder costs a fixed number of queries whatever the number of students, classes or
schools (see each docstring).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from lib.formatting import percent
from lib.vietnamese import collation_key
from schools.models import Classroom, School, SchoolYear
from students.models import Student

from .models_cases import HomeVisit, Mentorship, RiskCase
from .selectors_cases import optional_url
from .selectors_warning import (
    CaseRef,
    Scan,
    Signal,
    _with_classes,
    case_url,
    open_case_url,
    scan,
)

MENTOR_ASSIGN_URL = "mentor_assign"  # GET ?student=<id>
GROUP_CREATE_URL = "group_create"  # GET ?subject=<id>&grade=<n> (tutoring)
CASE_OPEN_URL = "case_open"


# --- data ------------------------------------------------------------------------------------


@dataclass
class Share:
    """Students of a class (or the school) who need someone, and how many have someone."""

    classroom: Classroom | None = None
    students: int = 0  # enrolled now
    at_risk: int = 0
    weak: int = 0
    needing: int = 0  # at risk or weak
    covered: int = 0

    @property
    def uncovered(self) -> int:
        return self.needing - self.covered

    @property
    def percent(self) -> Decimal | None:
        return percent(self.covered, self.needing)


@dataclass
class GroupLink:
    subject_id: int
    subject: str
    url: str


@dataclass
class Gap:
    """An uncovered student: what they need and what can be done."""

    student: Student
    classroom: Classroom
    signals: list[Signal]  # early-warning signals (empty: not listed)
    case: CaseRef | None  # an active case whose owner's account is disabled
    weak_subjects: list[tuple[int, str]]
    weak_overall: bool
    open_case_url: str | None = None
    mentor_url: str | None = None
    group_links: list[GroupLink] = field(default_factory=list)

    @property
    def at_risk(self) -> bool:
        return bool(self.signals) or self.case is not None

    @property
    def weak(self) -> bool:
        return bool(self.weak_subjects) or self.weak_overall

    @property
    def weak_subject_names(self) -> list[str]:
        return [name for _id, name in self.weak_subjects]


@dataclass
class Coverage:
    school_year: SchoolYear
    day: datetime.date
    classes: list[Share]
    total: Share
    uncovered: list[Gap]
    # Each covered student counted once, by the first that holds: a mentor, a case owner, a
    # tutoring group or peer pair (the three add up to ``total.covered``).
    by_mentor: int = 0
    by_case: int = 0
    by_group: int = 0
    listed: int = 0  # on the early-warning list
    listed_without_case: int = 0


# --- coverage of one school year --------------------------------------------------------------


def _needs(found: Scan, cases: dict) -> tuple[set[int], set[int]]:
    at_risk = found.listed | {sid for sid in cases if sid in found.enrolled}
    weak = {sid for sid, facts in found.weak.items() if facts.subjects or facts.overall}
    return at_risk, weak


def coverage(
    school_year: SchoolYear,
    *,
    classroom_ids=None,
    today: datetime.date | None = None,
) -> Coverage:
    """Coverage of a school year's classes (``classroom_ids``; None: the whole school): the share
    covered per class (grade, name) and for all of them, and the uncovered students by class in
    Vietnamese order with links to open a case, assign a mentor or set up a group (each only when
    that page exists).

    Queries: the seven of the early-warning scan, the active cases, the mentors, coverage by groups
    and pairs (``covered_pairs``: two, three with the mentors issue 6 adds there), the classes, the
    uncovered students: 13 or 14."""
    from tutoring.selectors_weak import covered_pairs

    found = scan([school_year], classroom_ids=classroom_ids, today=today)
    labels = dict(RiskCase.Status.choices)
    cases: dict[int, tuple] = {
        sid: (pk, status, owner_active)
        for pk, sid, status, owner_active in RiskCase.objects.active()
        .filter(student_id__in=found.enrolled_qs)
        .values_list("pk", "student_id", "status", "owner__is_active")
    }
    at_risk, weak = _needs(found, cases)
    needing = at_risk | weak
    mentored = set(
        Mentorship.objects.active()
        .filter(student_id__in=list(needing))
        .values_list("student_id", flat=True)
    )
    grouped = {sid for sid, _subject in covered_pairs(school_year, needing)}
    owned = {sid for sid, (_pk, _st, active) in cases.items() if active}
    helped = mentored | owned | grouped

    classrooms = Classroom.objects.filter(school_year=school_year)
    if classroom_ids is not None:
        classrooms = classrooms.filter(pk__in=list(classroom_ids))
    shares = {c.pk: Share(classroom=c) for c in classrooms.order_by("grade", "name")}
    total = Share()
    for sid, info in found.enrolled.items():
        share = shares.get(info.classroom_id)
        if share is None:
            continue
        for s in (share, total):
            s.students += 1
            s.at_risk += sid in at_risk
            s.weak += sid in weak
            if sid in needing:
                s.needing += 1
                s.covered += sid in helped
    uncovered_ids = [sid for sid in needing if sid not in helped]
    spans = _with_classes(found.enrolled[sid].enrollment_id for sid in uncovered_ids)
    open_base = optional_url(CASE_OPEN_URL)
    mentor_base = optional_url(MENTOR_ASSIGN_URL)
    group_base = optional_url(GROUP_CREATE_URL)
    gaps = []
    for sid in uncovered_ids:
        span = spans.get(sid)
        if span is None:
            continue
        case = None
        if sid in cases:
            pk, status, _active = cases[sid]
            case = CaseRef(pk, status, str(labels.get(status, status)), case_url(pk))
        facts = found.weak.get(sid)
        gap = Gap(
            student=span.student,
            classroom=span.classroom,
            signals=found.signals.get(sid, []),
            case=case,
            weak_subjects=list(facts.subjects) if facts else [],
            weak_overall=bool(facts and facts.overall),
        )
        if gap.at_risk and case is None:
            gap.open_case_url = open_case_url(sid, open_base)
        if mentor_base:
            gap.mentor_url = f"{mentor_base}?student={sid}"
        if group_base:
            gap.group_links = [
                GroupLink(
                    subject_id,
                    name,
                    f"{group_base}?subject={subject_id}&grade={span.classroom.grade}",
                )
                for subject_id, name in gap.weak_subjects
            ]
        gaps.append(gap)
    gaps.sort(
        key=lambda g: (
            g.classroom.grade,
            g.classroom.name,
            g.student.sort_key,
            g.student.pk,
        )
    )
    covered = needing & helped
    return Coverage(
        school_year=school_year,
        day=found.days[school_year.pk],
        classes=list(shares.values()),
        total=total,
        uncovered=gaps,
        by_mentor=len(covered & mentored),
        by_case=len((covered & owned) - mentored),
        by_group=len(covered - mentored - owned),
        listed=len(found.listed),
        listed_without_case=len(found.listed - set(cases)),
    )


# --- the office: counts per school --------------------------------------------------------------


@dataclass
class SchoolCounts:
    """One school's figures for the office: counts only, never a name."""

    school: School | None
    has_year: bool = True
    students: int = 0
    listed: int = 0  # on the early-warning list
    active_cases: int = 0
    escalated: int = 0  # active and escalated to the leadership
    visits: int = 0  # home visits this school year
    needing: int = 0
    covered: int = 0

    @property
    def uncovered(self) -> int:
        return self.needing - self.covered

    @property
    def percent(self) -> Decimal | None:
        return percent(self.covered, self.needing)


@dataclass
class OfficeSummary:
    rows: list[SchoolCounts]
    total: SchoolCounts


def _helped_across_years(years, enrolled_qs) -> set[int]:
    """Students in a tutoring group or helped by a peer this year, for many schools' years at
    once: ``covered_pairs`` answers for one year; the office needs every school in two queries,
    so this asks the same two questions (membership not ended, pair not ended) over all years."""
    from tutoring.models import Membership, PeerPair

    year_ids = [y.pk for y in years]
    helped = set(
        Membership.objects.filter(
            student_id__in=enrolled_qs, left_on__isnull=True, group__school_year_id__in=year_ids
        )
        .order_by()
        .values_list("student_id", flat=True)
        .distinct()
    )
    helped |= set(
        PeerPair.objects.filter(
            helped_id__in=enrolled_qs, end_date__isnull=True, school_year_id__in=year_ids
        )
        .order_by()
        .values_list("helped_id", flat=True)
        .distinct()
    )
    return helped


def office_summary(school_ids, *, today: datetime.date | None = None) -> OfficeSummary:
    """One row per school (Vietnamese order of names) with its current year's counts: students
    enrolled now, on the early-warning list, active cases, escalated ones, home visits this school
    year, and the share of the students needing someone who have someone. Counts only.

    Queries, whatever the number of schools: schools, current years, the seven of the scan, active
    cases, visits, mentors, groups and pairs (two): 14."""
    schools = sorted(
        School.objects.filter(pk__in=list(school_ids)), key=lambda s: (collation_key(s.name), s.pk)
    )
    years = list(SchoolYear.objects.filter(school_id__in=[s.pk for s in schools], is_current=True))
    year_of = {y.school_id: y for y in years}
    rows = {s.pk: SchoolCounts(school=s, has_year=s.pk in year_of) for s in schools}
    total = SchoolCounts(school=None)
    if not years:
        return OfficeSummary(rows=list(rows.values()), total=total)

    found = scan(years, today=today, words=False)
    cases: dict[int, bool] = {}  # student → the owner's account is active
    for sid, school_id, escalated_at, owner_active in (
        RiskCase.objects.active()
        .filter(student__school_id__in=list(year_of))
        .values_list("student_id", "student__school_id", "escalated_at", "owner__is_active")
    ):
        row = rows[school_id]
        row.active_cases += 1
        row.escalated += escalated_at is not None
        cases[sid] = owner_active

    ranges: dict[tuple, list[int]] = {}
    for y in years:
        ranges.setdefault((y.start_date, y.end_date), []).append(y.school_id)
    in_year = Q(pk__in=[])
    for (start, end), ids in ranges.items():
        in_year |= Q(
            case__student__school_id__in=ids,
            started_at__date__gte=start,
            started_at__date__lte=end,
        )
    for r in (
        HomeVisit.objects.filter(in_year)
        .values("case__student__school_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[r["case__student__school_id"]].visits = r["n"]

    at_risk, weak = _needs(found, cases)
    mentored = set(
        Mentorship.objects.active()
        .filter(student_id__in=found.enrolled_qs)
        .values_list("student_id", flat=True)
    )
    helped = _helped_across_years(years, found.enrolled_qs)
    owned = {sid for sid, active in cases.items() if active}
    for sid, info in found.enrolled.items():
        row = rows[info.school_id]
        row.students += 1
        row.listed += sid in found.listed
        if sid in at_risk or sid in weak:
            row.needing += 1
            row.covered += sid in mentored or sid in owned or sid in helped
    for row in rows.values():
        for name in ("students", "listed", "active_cases", "escalated", "visits"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.needing += row.needing
        total.covered += row.covered
    return OfficeSummary(rows=list(rows.values()), total=total)
