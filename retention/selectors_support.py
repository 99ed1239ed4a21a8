"""Sponsors and support: the reads. The sponsors of a school with what they gave in a year and
the school's totals, one sponsor's history, a student's support history.

Each builder costs a fixed number of queries whatever the number of sponsors and support rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from lib.vietnamese import collation_key
from schools.models import Classroom, SchoolYear
from schools.scoping import scope_for
from students.models import Enrollment, Student

from . import scoping_cases as scoping
from .models_cases import RiskCase, Sponsor, Support


def years_of(school_id: int) -> list[SchoolYear]:
    """The school's years, newest first (the year selector). One query."""
    return list(SchoolYear.objects.filter(school_id=school_id).order_by("-start_year"))


def pick_year(user, raw: str | None) -> tuple[SchoolYear | None, list[SchoolYear]]:
    """The year asked for (?year=<id> among the school's years), else the current one."""
    scope = scope_for(user)
    years = years_of(scope.school.pk) if scope.school else []
    chosen = None
    raw = (raw or "").strip()
    if raw.isdigit():
        chosen = next((y for y in years if y.pk == int(raw)), None)
    return chosen or scope.year, years


def support_classes(supports) -> dict[int, Classroom]:
    """support id → the student's class when it was given (the class of that school year
    covering the date, else the last one of that year). One query."""
    supports = list(supports)
    if not supports:
        return {}
    spans = (
        Enrollment.objects.filter(
            student_id__in={s.student_id for s in supports},
            classroom__school_year_id__in={s.school_year_id for s in supports},
        )
        .select_related("classroom")
        .order_by("start_date", "pk")
    )
    by_key: dict[tuple[int, int], list[Enrollment]] = {}
    for span in spans:
        by_key.setdefault((span.student_id, span.classroom.school_year_id), []).append(span)
    out = {}
    for s in supports:
        options = by_key.get((s.student_id, s.school_year_id), [])
        covering = [
            e
            for e in options
            if e.start_date <= s.date and (e.end_date is None or e.end_date > s.date)
        ]
        chosen = covering[-1] if covering else (options[-1] if options else None)
        if chosen is not None:
            out[s.pk] = chosen.classroom
    return out


# --- the sponsors' page ---------------------------------------------------------------------------


@dataclass
class SponsorRow:
    sponsor: Sponsor | None  # None: the school itself
    students: int = 0
    count: int = 0
    value: Decimal = Decimal(0)


@dataclass
class KindTotal:
    kind: str
    label: str
    count: int
    value: Decimal
    students: int


@dataclass
class SponsorList:
    year: SchoolYear | None
    years: list[SchoolYear]
    rows: list[SponsorRow]
    school_row: SponsorRow  # support the school gave itself
    material: list[KindTotal] = field(default_factory=list)
    moral: list[KindTotal] = field(default_factory=list)
    material_value: Decimal = Decimal(0)
    material_count: int = 0
    moral_count: int = 0
    students: int = 0
    count: int = 0


def sponsor_list(user, year: SchoolYear | None, years: list[SchoolYear]) -> SponsorList:
    """The school's sponsors with, for ``year``, the students each helped, the number of
    supports and their value; and the school's totals for the year: material value by kind,
    moral support, students helped. Four queries."""
    scope = scope_for(user)
    sponsors = sorted(
        scoping.filter_sponsors(Sponsor.objects.all(), user),
        key=lambda s: (collation_key(s.name), s.pk),
    )
    supports = Support.objects.filter(student__school_id=scope.school.pk, school_year=year)
    per_sponsor = {
        r["sponsor_id"]: r
        for r in supports.order_by()
        .values("sponsor_id")
        .annotate(n=Count("pk"), students=Count("student_id", distinct=True), total=Sum("value"))
    }

    def row(sponsor: Sponsor | None) -> SponsorRow:
        r = per_sponsor.get(sponsor.pk if sponsor else None)
        if r is None:
            return SponsorRow(sponsor)
        return SponsorRow(sponsor, r["students"], r["n"], r["total"] or Decimal(0))

    data = SponsorList(
        year=year, years=years, rows=[row(s) for s in sponsors], school_row=row(None)
    )
    labels = dict(Support.Kind.choices)
    by_kind = {
        r["kind"]: r
        for r in supports.order_by()
        .values("kind")
        .annotate(n=Count("pk"), students=Count("student_id", distinct=True), total=Sum("value"))
    }
    for kind, label in labels.items():
        r = by_kind.get(kind)
        if r is None:
            continue
        total = KindTotal(kind, str(label), r["n"], r["total"] or Decimal(0), r["students"])
        (data.moral if kind in Support.MORAL else data.material).append(total)
    data.material_value = sum((k.value for k in data.material), Decimal(0))
    data.material_count = sum(k.count for k in data.material)
    data.moral_count = sum(k.count for k in data.moral)
    data.count = data.material_count + data.moral_count
    data.students = supports.order_by().values("student_id").distinct().count()
    return data


# --- one sponsor ----------------------------------------------------------------------------------


@dataclass
class SupportLine:
    support: Support
    classroom: Classroom | None


@dataclass
class SponsorHistory:
    sponsor: Sponsor
    lines: list[SupportLine]
    value: Decimal
    students: int


def sponsor_history(sponsor: Sponsor) -> SponsorHistory:
    """Every support the sponsor gave, newest first, with the student's class then. Two
    queries."""
    supports = list(
        Support.objects.filter(sponsor=sponsor)
        .select_related("student", "school_year")
        .order_by("-date", "-pk")
    )
    classes = support_classes(supports)
    return SponsorHistory(
        sponsor=sponsor,
        lines=[SupportLine(s, classes.get(s.pk)) for s in supports],
        value=sum((s.value or Decimal(0) for s in supports), Decimal(0)),
        students=len({s.student_id for s in supports}),
    )


# --- one student (the panel) ----------------------------------------------------------------------


@dataclass
class StudentSupport:
    student: Student
    supports: list[Support]
    year: SchoolYear | None
    year_value: Decimal = Decimal(0)
    total_value: Decimal = Decimal(0)
    year_count: int = 0
    can_record: bool = False
    editable: set = field(default_factory=set)  # ids of the rows the user may change


def student_support(user, student: Student) -> StudentSupport | None:
    """The student page's support history (every year), with this year's and all-time totals.
    None for those who may not read it (``can_read_student_support``). Two queries (plus the
    scope checks)."""
    if not scoping.can_read_student_support(user, student):
        return None
    scope = scope_for(user)
    supports = list(
        Support.objects.filter(student=student)
        .select_related("sponsor", "school_year", "recorded_by")
        .order_by("-date", "-pk")
    )
    data = StudentSupport(student=student, supports=supports, year=scope.year)
    manager = scope.is_leader or scoping.is_clerk(scope)
    for s in supports:
        if s.value is not None:
            data.total_value += s.value
        if scope.year and s.school_year_id == scope.year.pk:
            data.year_count += 1
            data.year_value += s.value or 0
        if manager or s.recorded_by_id == user.pk:
            data.editable.add(s.pk)
    data.can_record = scoping.can_record_support(user, student)
    return data


def cases_of(user, student: Student):
    """The student's cases the user may read (the support form's case choice). One query."""
    return RiskCase.objects.for_user(user).filter(student=student).order_by("-opened_on", "-pk")


def students_to_support(user) -> list[tuple[Classroom, Student]]:
    """Students in a class now the user may record support for (leaders and the clerk: the
    school; a GVCN: their class; a case owner: the students of their active cases), by class
    then in Vietnamese order. One query."""
    scope = scope_for(user)
    if not scoping.in_school(scope) or scope.year is None:
        return []
    spans = Enrollment.objects.filter(
        end_date__isnull=True, classroom__school_year=scope.year
    ).select_related("student", "classroom")
    if not (scope.is_leader or scoping.is_clerk(scope)):
        owned = RiskCase.objects.active().filter(owner=user).values("student_id")
        spans = spans.filter(Q(classroom_id__in=scope.homeroom_class_ids) | Q(student_id__in=owned))
    spans = spans.order_by("classroom__grade", "classroom__name", "student__sort_key")
    return [(s.classroom, s.student) for s in spans]
