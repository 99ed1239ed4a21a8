"""The early-warning list (cảnh báo sớm): students at risk of dropping out, each with why.

Computed per school from what the app knows, with the thresholds of ``SchoolSettings``:

School signals (one is enough to list a student):
* **absences** in the last ``warning_window_days`` calendar days (today included): more than
  ``warning_absent_days`` distinct days absent, or at least ``warning_unexcused_sessions``
  unexcused (K) sessions;
* **conduct**: at least ``warning_conduct_events`` late arrivals and skipped periods in the window;
* **weak results**: still-weak register lines (not dismissed, not resolved) in at least
  ``warning_weak_subjects`` subjects, or weak overall;
* **falling results**: the mean of the scored subjects' averages of the latest semester with
  results fell by at least ``warning_result_drop`` from the semester before it (this year or last
  year). ``TermResult.average`` is the TT58 mean only (empty under TT22), so the mean is taken
  from the ``SubjectResult`` rows of each semester, rounded half up to one decimal like TT58's.

Family circumstances (poor or near-poor household, orphan, far from school, ethnic minority,
living away from parents) are common — most students of a mountain school are ethnic
minority — so one alone never lists a student; two or more do, leaving out the ones more than
half of the school's students share (``COMMON_SHARE``: the school's normal, not a warning).

Only students enrolled now in a class of the year are looked at. Every builder costs a fixed
number of queries: facts are grouped aggregates over all the students at once, thresholds are
applied in Python. ``scan`` works over several school years at once (the office summary).
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.formatting import format_number, round_half_up
from lib.vietnamese import unaccent
from schools.models import Classroom, SchoolSettings, SchoolYear, Subject
from students.models import Enrollment, Student

from .models import Absence, ConductEvent
from .models_cases import Mentorship, RiskCase, RiskFactor
from .selectors_cases import optional_url

SCHOOL_FACTORS = (
    RiskFactor.ABSENCES,
    RiskFactor.CONDUCT,
    RiskFactor.WEAK,
    RiskFactor.RESULT_DROP,
)
FAMILY_FACTORS = (
    RiskFactor.POOR,
    RiskFactor.ORPHAN,
    RiskFactor.FAR,
    RiskFactor.MINORITY,
    RiskFactor.AWAY_FROM_PARENTS,
)
FAMILY_NEEDED = 2  # family circumstances that list a student without a school signal
# A circumstance more than this share of the school's students have is the school's normal, not
# a warning: at an ethnic-minority boarding school nearly every student is a minority, lives far
# away and away from their parents. It is still shown on a listed student's row, but does not
# count toward FAMILY_NEEDED. None: every circumstance counts.
COMMON_SHARE: Decimal | None = Decimal("0.5")
COMMON_MIN_STUDENTS = 20  # a share of fewer students says nothing about the school
MIN_RESULT_SUBJECTS = 3  # a semester mean needs this many scored subjects to be compared

# URL names of the cases area (looked up, never required: built in parallel).
CASE_OPEN_URL = "case_open"  # GET ?student=<id>&source=warning
CASE_DETAIL_URL = "case_detail"  # pk


def today() -> datetime.date:
    """The school's today (tests replace this)."""
    return timezone.localdate()


def open_case_url(student_id: int, base: str | None) -> str | None:
    return f"{base}?student={student_id}&source={RiskCase.Source.WARNING}" if base else None


def case_url(case_id: int) -> str | None:
    return optional_url(CASE_DETAIL_URL, case_id)


def reference_day(year: SchoolYear, day: datetime.date | None = None) -> datetime.date:
    """``day`` (today) within the school year: after the year ends, its last day."""
    day = day or today()
    return min(max(day, year.start_date), year.end_date)


# --- data ------------------------------------------------------------------------------------


@dataclass
class Signal:
    code: str  # a RiskFactor value
    label: str
    detail: str = ""

    @property
    def is_school(self) -> bool:
        return self.code in SCHOOL_FACTORS


@dataclass
class CaseRef:
    id: int
    status: str
    status_label: str
    url: str | None


@dataclass
class WarningRow:
    student: Student
    classroom: Classroom
    signals: list[Signal]
    case: CaseRef | None
    mentor: str  # the active mentor's name, or ""
    in_group: bool  # in a tutoring group this year
    open_case_url: str | None  # "Open a case" (when there is none and the page exists)

    @property
    def school_signals(self) -> list[Signal]:
        return [s for s in self.signals if s.is_school]

    @property
    def family_signals(self) -> list[Signal]:
        return [s for s in self.signals if not s.is_school]

    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.signals]


@dataclass
class Thresholds:
    window_days: int
    absent_days: int
    unexcused_sessions: int
    conduct_events: int
    weak_subjects: int
    distance_km: Decimal
    result_drop: Decimal


@dataclass
class WarningList:
    school_year: SchoolYear
    day: datetime.date
    since: datetime.date  # first day of the window
    thresholds: Thresholds
    rows: list[WarningRow]
    student_count: int  # students enrolled now in the classes looked at
    common_share: Decimal | None = COMMON_SHARE  # see COMMON_SHARE

    @property
    def without_case(self) -> int:
        return sum(1 for r in self.rows if r.case is None)

    @property
    def student_ids(self) -> set[int]:
        return {r.student.pk for r in self.rows}


# --- the facts of many students at once -------------------------------------------------------


@dataclass
class Enrolled:
    student_id: int
    school_id: int
    classroom_id: int
    year_id: int
    enrollment_id: int


@dataclass
class WeakFacts:
    subjects: list[tuple[int, str]] = field(default_factory=list)  # (subject id, name), in order
    overall: bool = False


@dataclass
class Scan:
    """What ``scan`` found: the students enrolled now, the listed ones with their signals, and
    every enrolled student's still-weak lines (coverage reuses them)."""

    years: list[SchoolYear]
    days: dict[int, datetime.date]  # year id → reference day
    thresholds: dict[int, Thresholds]  # school id → thresholds
    enrolled: dict[int, Enrolled]
    enrolled_qs: QuerySet  # the enrolled students as a subquery (values "student_id")
    signals: dict[int, list[Signal]]  # listed students only
    weak: dict[int, WeakFacts]

    @functools.cached_property
    def listed(self) -> set[int]:
        return set(self.signals)


def thresholds_of(settings: SchoolSettings) -> Thresholds:
    return Thresholds(
        window_days=max(1, settings.warning_window_days or 1),
        absent_days=settings.warning_absent_days or 0,
        unexcused_sessions=max(1, settings.warning_unexcused_sessions or 1),
        conduct_events=max(1, settings.warning_conduct_events or 1),
        weak_subjects=max(1, settings.warning_weak_subjects or 1),
        distance_km=settings.warning_distance_km,
        result_drop=settings.warning_result_drop,
    )


def _thresholds(school_ids) -> dict[int, Thresholds]:
    """One query; a school without a settings row gets the defaults (no row is written)."""
    found = {s.school_id: s for s in SchoolSettings.objects.filter(school_id__in=list(school_ids))}
    return {
        sid: thresholds_of(found.get(sid) or SchoolSettings(school_id=sid)) for sid in school_ids
    }


def _by_day(years, days) -> dict[datetime.date, list[int]]:
    groups: dict[datetime.date, list[int]] = defaultdict(list)
    for y in years:
        groups[days[y.pk]].append(y.pk)
    return groups


def _enrolled_q(years, days) -> Q:
    """Spans of a class of these years covering each year's reference day."""
    q = Q(pk__in=[])
    for day, year_ids in _by_day(years, days).items():
        q |= Q(classroom__school_year_id__in=year_ids, start_date__lte=day) & (
            Q(end_date__isnull=True) | Q(end_date__gt=day)
        )
    return q


def _window_q(years, days, thresholds, *, school_path: str) -> Q:
    """Each school's window, ``date`` from the first day to the reference day. With one window
    (one school, or schools sharing the setting) no join to the student is needed."""
    windows: dict[tuple, list[int]] = defaultdict(list)
    for y in years:
        day = days[y.pk]
        since = day - datetime.timedelta(days=thresholds[y.school_id].window_days - 1)
        windows[since, day].append(y.school_id)
    if len(windows) == 1:
        ((since, day),) = windows
        return Q(date__gte=since, date__lte=day)
    q = Q(pk__in=[])
    for (since, day), school_ids in windows.items():
        q |= Q(**{f"{school_path}__in": school_ids}, date__gte=since, date__lte=day)
    return q


def _unaccented_minority(ethnicity: str) -> bool:
    return bool(ethnicity) and unaccent(ethnicity) != "kinh"


def _family_codes(row: tuple, t: Thresholds) -> list[str]:
    """The family circumstances of one student (cheap: no labels, for every student)."""
    household, orphan, distance, ethnicity, away = row
    codes = []
    if household:
        codes.append(RiskFactor.POOR)
    if orphan:
        codes.append(RiskFactor.ORPHAN)
    if distance is not None and distance >= t.distance_km:
        codes.append(RiskFactor.FAR)
    if _unaccented_minority(ethnicity):
        codes.append(RiskFactor.MINORITY)
    if away:
        codes.append(RiskFactor.AWAY_FROM_PARENTS)
    return codes


def _family_signals(row: tuple, codes: list[str], labels: dict) -> list[Signal]:
    """The family circumstances of a listed student, in words."""
    household, orphan, distance, ethnicity, _away = row
    details = {
        RiskFactor.POOR: lambda: str(Student.Household(household).label),
        RiskFactor.ORPHAN: lambda: str(Student.Orphan(orphan).label),
        RiskFactor.FAR: lambda: _("%(km)s km from school") % {"km": format_number(distance, 1)},
        RiskFactor.MINORITY: lambda: _("Ethnicity: %(name)s") % {"name": ethnicity},
        RiskFactor.AWAY_FROM_PARENTS: lambda: "",
    }
    return [Signal(code, labels[code], details[code]()) for code in codes]


def _absence_signal(days: int, unexcused: int, t: Thresholds, words: bool) -> Signal | None:
    if not (days > t.absent_days or unexcused >= t.unexcused_sessions):
        return None
    if not words:
        return Signal(RiskFactor.ABSENCES, "")
    detail = _("%(days)s day(s) absent, %(unexcused)s unexcused session(s) in %(window)s days") % {
        "days": days,
        "unexcused": unexcused,
        "window": t.window_days,
    }
    return Signal(RiskFactor.ABSENCES, str(RiskFactor.ABSENCES.label), detail)


def _conduct_signal(late: int, skipped: int, t: Thresholds, words: bool) -> Signal | None:
    if late + skipped < t.conduct_events:
        return None
    if not words:
        return Signal(RiskFactor.CONDUCT, "")
    detail = _("%(late)s late arrival(s), %(skipped)s skipped period(s) in %(window)s days") % {
        "late": late,
        "skipped": skipped,
        "window": t.window_days,
    }
    return Signal(RiskFactor.CONDUCT, str(RiskFactor.CONDUCT.label), detail)


def _weak_signal(facts: WeakFacts, t: Thresholds, words: bool) -> Signal | None:
    many = len(facts.subjects) >= t.weak_subjects
    if not (many or facts.overall):
        return None
    if not words:
        return Signal(RiskFactor.WEAK, "")
    parts = []
    if facts.overall:
        parts.append(_("Weak overall"))
    if facts.subjects:
        parts.append(
            _("Weak in %(n)s subject(s): %(names)s")
            % {"n": len(facts.subjects), "names": ", ".join(name for _id, name in facts.subjects)}
        )
    return Signal(RiskFactor.WEAK, str(RiskFactor.WEAK.label), "; ".join(parts))


def _drop_signal(periods: dict, t: Thresholds, words: bool) -> Signal | None:
    """``periods``: (start year, term) → (sum, count) of the scored subjects' averages."""
    usable = sorted(k for k, (_total, n) in periods.items() if n >= MIN_RESULT_SUBJECTS)
    if len(usable) < 2:
        return None
    before_key, after_key = usable[-2], usable[-1]
    before = round_half_up(periods[before_key][0] / periods[before_key][1], 1)
    after = round_half_up(periods[after_key][0] / periods[after_key][1], 1)
    drop = before - after
    if drop <= 0 or drop < t.result_drop:
        return None
    if not words:
        return Signal(RiskFactor.RESULT_DROP, "")
    detail = _("Average fell by %(drop)s (%(before)s → %(after)s)") % {
        "drop": format_number(drop, 1),
        "before": format_number(before, 1),
        "after": format_number(after, 1),
    }
    return Signal(RiskFactor.RESULT_DROP, str(RiskFactor.RESULT_DROP.label), detail)


def _common_codes(years, days, thresholds) -> dict[int, set[str]]:
    """School id → the family circumstances more than ``COMMON_SHARE`` of the school's students
    enrolled now share, for schools of at least ``COMMON_MIN_STUDENTS`` (one grouped query over
    whole schools, whatever classes are looked at)."""
    if COMMON_SHARE is None or not years:
        return {}
    far = Q(pk__in=[])
    by_threshold: dict[Decimal, list[int]] = defaultdict(list)
    for y in years:
        by_threshold[thresholds[y.school_id].distance_km].append(y.pk)
    for km, year_ids in by_threshold.items():
        far |= Q(classroom__school_year_id__in=year_ids, student__distance_km__gte=km)
    rows = (
        Enrollment.objects.filter(_enrolled_q(years, days))
        .values("classroom__school_year_id")
        .annotate(
            total=Count("pk"),
            poor=Count("pk", filter=~Q(student__household="")),
            orphan=Count("pk", filter=~Q(student__orphan="")),
            far=Count("pk", filter=far),
            minority=Count(
                "pk", filter=~Q(student__ethnicity="") & ~Q(student__ethnicity__iexact="kinh")
            ),
            away=Count("pk", filter=Q(student__lives_away_from_parents=True)),
        )
        .order_by()
    )
    school_of = {y.pk: y.school_id for y in years}
    names = {
        "poor": RiskFactor.POOR,
        "orphan": RiskFactor.ORPHAN,
        "far": RiskFactor.FAR,
        "minority": RiskFactor.MINORITY,
        "away": RiskFactor.AWAY_FROM_PARENTS,
    }
    common: dict[int, set[str]] = {}
    for r in rows:
        if r["total"] < COMMON_MIN_STUDENTS:
            continue
        limit = COMMON_SHARE * r["total"]
        common[school_of[r["classroom__school_year_id"]]] = {
            code for name, code in names.items() if r[name] > limit
        }
    return common


def scan(
    years: list[SchoolYear],
    *,
    classroom_ids=None,
    today: datetime.date | None = None,
    words: bool = True,
) -> Scan:
    """The early-warning facts of every student enrolled now in a class of ``years`` (only
    ``classroom_ids`` when given; an empty set: nobody). Seven queries whatever the number of
    schools, classes or students: the settings, the enrollments with the family circumstances,
    the circumstances common in each school, then one grouped query each for absences, conduct
    events, weak lines and results.
    ``words=False``: the signals' codes only, no labels or details (for counts)."""
    years = list(years)
    days = {y.pk: reference_day(y, today) for y in years}
    thresholds = _thresholds({y.school_id for y in years})
    by_id = {y.pk: y for y in years}
    spans = Enrollment.objects.filter(_enrolled_q(years, days))
    if classroom_ids is not None:
        spans = spans.filter(classroom_id__in=list(classroom_ids))
    enrolled_qs = spans.values("student_id")

    enrolled: dict[int, Enrolled] = {}
    family: dict[int, tuple] = {}  # student → (their row's circumstances, codes)
    for row in spans.values_list(
        "pk",
        "student_id",
        "classroom_id",
        "classroom__school_year_id",
        "student__household",
        "student__orphan",
        "student__distance_km",
        "student__ethnicity",
        "student__lives_away_from_parents",
    ).order_by():
        pk, sid, classroom_id, year_id = row[:4]
        school_id = by_id[year_id].school_id
        enrolled[sid] = Enrolled(sid, school_id, classroom_id, year_id, pk)
        codes = _family_codes(row[4:], thresholds[school_id])
        if codes:
            family[sid] = (row[4:], codes)

    common = _common_codes(years, days, thresholds)
    school_signals: dict[int, list[Signal]] = defaultdict(list)

    absences = (
        Absence.objects.filter(student_id__in=enrolled_qs)
        .filter(_window_q(years, days, thresholds, school_path="student__school_id"))
        .values("student_id")
        .annotate(
            days=Count("date", distinct=True),
            unexcused=Count("pk", filter=Q(status=Absence.Status.UNEXCUSED)),
        )
        .order_by()
    )
    for r in absences:
        info = enrolled.get(r["student_id"])
        if info is None:
            continue
        signal = _absence_signal(r["days"], r["unexcused"], thresholds[info.school_id], words)
        if signal:
            school_signals[info.student_id].append(signal)

    conduct = (
        ConductEvent.objects.filter(student_id__in=enrolled_qs)
        .filter(_window_q(years, days, thresholds, school_path="student__school_id"))
        .values("student_id")
        .annotate(
            late=Count("pk", filter=Q(kind=ConductEvent.Kind.LATE)),
            skipped=Count("pk", filter=Q(kind=ConductEvent.Kind.SKIPPED)),
        )
        .order_by()
    )
    for r in conduct:
        info = enrolled.get(r["student_id"])
        if info is None:
            continue
        signal = _conduct_signal(r["late"], r["skipped"], thresholds[info.school_id], words)
        if signal:
            school_signals[info.student_id].append(signal)

    from tutoring.models import SubjectResult, Term, WeakRecord

    weak: dict[int, WeakFacts] = defaultdict(WeakFacts)
    lines = (
        WeakRecord.objects.filter(
            school_year_id__in=list(by_id),
            student_id__in=enrolled_qs,
            resolved_term__isnull=True,
        )
        .exclude(status=WeakRecord.Status.DISMISSED)
        .values_list("student_id", "subject_id", "subject__name", "subject__order")
        .order_by("student_id", "subject__order", "subject_id")
    )
    for sid, subject_id, name, _order in lines:
        if sid not in enrolled:
            continue
        if subject_id is None:
            weak[sid].overall = True
        else:
            weak[sid].subjects.append((subject_id, name))
    for sid, facts in weak.items():
        signal = _weak_signal(facts, thresholds[enrolled[sid].school_id], words)
        if signal:
            school_signals[sid].append(signal)

    starts = [y.start_year for y in years]
    results = (
        SubjectResult.objects.filter(
            student_id__in=enrolled_qs,
            term__in=(Term.HK1, Term.HK2),
            score__isnull=False,
            subject__assessment=Subject.Assessment.SCORE,
            school_year__start_year__gte=min(starts, default=0) - 1,
            school_year__start_year__lte=max(starts, default=0),
        )
        .values("student_id", "school_year__start_year", "term")
        .annotate(total=Sum("score"), n=Count("pk"))
        .order_by()
    )
    periods: dict[int, dict] = defaultdict(dict)
    for r in results:
        sid = r["student_id"]
        info = enrolled.get(sid)
        if info is None or r["school_year__start_year"] > by_id[info.year_id].start_year:
            continue
        periods[sid][r["school_year__start_year"], r["term"]] = (Decimal(str(r["total"])), r["n"])
    for sid, found in periods.items():
        signal = _drop_signal(found, thresholds[enrolled[sid].school_id], words)
        if signal:
            school_signals[sid].append(signal)

    signals: dict[int, list[Signal]] = {}
    order = {code: i for i, code in enumerate(SCHOOL_FACTORS + FAMILY_FACTORS)}
    labels = {code: str(label) for code, label in RiskFactor.choices}
    for sid, info in enrolled.items():
        mine = school_signals.get(sid, [])
        row, codes = family.get(sid, ((), []))
        usual = common.get(info.school_id, set())
        if mine or sum(1 for c in codes if c not in usual) >= FAMILY_NEEDED:
            if not words:
                theirs = [Signal(code, "") for code in codes]
            else:
                theirs = _family_signals(row, codes, labels) if codes else []
            signals[sid] = sorted(mine, key=lambda s: order[s.code]) + theirs
    return Scan(
        years=years,
        days=days,
        thresholds=thresholds,
        enrolled=enrolled,
        enrolled_qs=enrolled_qs,
        signals=signals,
        weak=dict(weak),
    )


# --- the list --------------------------------------------------------------------------------


def active_cases(student_ids) -> dict[int, CaseRef]:
    """The active case of each student (one query)."""
    labels = dict(RiskCase.Status.choices)
    return {
        sid: CaseRef(pk, status, str(labels.get(status, status)), case_url(pk))
        for pk, sid, status in RiskCase.objects.active()
        .filter(student_id__in=list(student_ids))
        .values_list("pk", "student_id", "status")
    }


def active_mentor_names(student_ids) -> dict[int, str]:
    """The active mentor of each student (one query)."""
    return dict(
        Mentorship.objects.active()
        .filter(student_id__in=list(student_ids))
        .values_list("student_id", "teacher__full_name")
    )


def in_tutoring_group(years, student_ids) -> set[int]:
    """Students in a tutoring group of these years (membership not ended; one query)."""
    from tutoring.models import Membership

    return set(
        Membership.objects.filter(
            student_id__in=list(student_ids),
            left_on__isnull=True,
            group__school_year__in=list(years),
        )
        .order_by()
        .values_list("student_id", flat=True)
        .distinct()
    )


def _with_classes(enrollment_ids) -> dict[int, Enrollment]:
    """Student id → the enrollment with its student and class (one query)."""
    return {
        e.student_id: e
        for e in Enrollment.objects.filter(pk__in=list(enrollment_ids)).select_related(
            "student", "classroom"
        )
    }


def early_warning(
    school_year: SchoolYear,
    *,
    classroom_ids=None,
    today: datetime.date | None = None,
) -> WarningList:
    """The early-warning list of a school year's classes (``classroom_ids``; None: the whole
    school), sorted by the number of school signals (most first), then in Vietnamese name order.

    Queries: the seven of ``scan``, then the listed students with their classes, their active
    cases, mentors and tutoring groups: 11, whatever the number of students."""
    found = scan([school_year], classroom_ids=classroom_ids, today=today)
    listed = found.listed
    spans = _with_classes(found.enrolled[sid].enrollment_id for sid in listed)
    cases = active_cases(listed)
    mentors = active_mentor_names(listed)
    groups = in_tutoring_group([school_year], listed)
    open_base = optional_url(CASE_OPEN_URL)
    rows = []
    for sid, signals in found.signals.items():
        span = spans.get(sid)
        if span is None:  # moved on between the two queries
            continue
        case = cases.get(sid)
        rows.append(
            WarningRow(
                student=span.student,
                classroom=span.classroom,
                signals=signals,
                case=case,
                mentor=mentors.get(sid, ""),
                in_group=sid in groups,
                open_case_url=None if case else open_case_url(sid, open_base),
            )
        )
    rows.sort(key=lambda r: (-len(r.school_signals), r.student.sort_key, r.student.pk))
    day = found.days[school_year.pk]
    t = found.thresholds[school_year.school_id]
    return WarningList(
        school_year=school_year,
        day=day,
        since=day - datetime.timedelta(days=t.window_days - 1),
        thresholds=t,
        rows=rows,
        student_count=len(found.enrolled),
    )


def at_risk_student_ids(
    school_year: SchoolYear,
    *,
    classroom_ids=None,
    today: datetime.date | None = None,
) -> set[int]:
    """The ids of the students the early-warning list shows (seven queries)."""
    return scan([school_year], classroom_ids=classroom_ids, today=today, words=False).listed
