"""Reading absence alerts: who sees which, the alert lists, the 45-session section, the
dashboards and the student panel. Each builder costs a fixed number of queries.

Who sees what:
* the principal and the vice-principals (VPs: their grade blocks first): the whole school;
* the clerk and the youth union read the whole school's alerts, subject teachers their classes';
* a homeroom teacher (GVCN) their class's (and the classes they teach, read only);
* office staff: no children's records (403 on the pages).
Who may record a contact with the family (which acknowledges alerts): leaders, and the GVCN of
the student's class now.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Classroom, Role, RoleAssignment, SchoolSettings, SchoolYear
from schools.scoping import scope_for
from students.models import Enrollment, Guardian, Student
from students.services import class_sizes

from .models import Absence, AbsenceAlert, FamilyContact, RollCall

Kind = AbsenceAlert.Kind
PAGE_SIZE = 50

# The name issue 6 gives its "open a risk case from this alert" page (kwargs: the alert's pk).
RISK_CASE_URL_NAME = "risk_case_open_from_alert"


def today() -> datetime.date:
    """The school's today (tests replace this)."""
    return timezone.localdate()


# --- scoping ----------------------------------------------------------------------------------


def alerts_for_user(user) -> QuerySet:
    """The current year's alerts the user may read (see the module docstring)."""
    scope = scope_for(user)
    if scope.school is None or scope.year is None or not (scope.roles - {Role.OFFICE}):
        return AbsenceAlert.objects.none()
    qs = AbsenceAlert.objects.filter(school_year=scope.year)
    if scope.is_school_wide:
        return qs
    return qs.filter(classroom_id__in=scope.homeroom_class_ids | scope.taught_class_ids)


def can_read_alerts(user) -> bool:
    scope = scope_for(user)
    return scope.school is not None and bool(scope.roles - {Role.OFFICE})


def can_record_for_classes(user, classroom_ids) -> bool:
    """Leaders of the school, or the GVCN of one of these classes."""
    scope = scope_for(user)
    if scope.school is None:
        return False
    return scope.is_leader or bool(set(classroom_ids) & scope.homeroom_class_ids)


def current_classroom_ids(student: Student, on: datetime.date | None = None) -> set[int]:
    return set(
        Enrollment.objects.active_on(on or today())
        .filter(student=student)
        .values_list("classroom_id", flat=True)
    )


def can_record_contact(user, student: Student) -> bool:
    scope = scope_for(user)
    if scope.school is None or student.school_id != scope.school.pk:
        return False
    return scope.is_leader or can_record_for_classes(user, current_classroom_ids(student))


def get_alert_for_user(user, pk: int, *, write: bool = False) -> AbsenceAlert:
    """An alert the user may read, else 404 (another school's answers exactly like none);
    ``write``: one they may answer with a contact, else 403."""
    alert = (
        alerts_for_user(user)
        .filter(pk=pk)
        .select_related("student", "classroom", "acknowledged_by", "school_year")
        .first()
    )
    if alert is None:
        raise Http404
    if write:
        scope_for(user).require(can_record_contact(user, alert.student))
    return alert


def risk_case_url(alert: AbsenceAlert) -> str | None:
    """Where "Open a risk case" leads for this alert; None until the risk-case feature (issue 6)
    names its URL ``risk_case_open_from_alert`` (the page reads the alert: student, why, days)."""
    try:
        return reverse(RISK_CASE_URL_NAME, kwargs={"pk": alert.pk})
    except NoReverseMatch:
        return None


# --- school days ----------------------------------------------------------------------------


class SchoolCalendar:
    """The year's school days (one query for the holidays), to count days waiting."""

    def __init__(self, year: SchoolYear):
        self.year = year
        self.days = year.school_days(year.start_date, year.end_date)
        self._set = set(self.days)

    def is_school_day(self, day: datetime.date) -> bool:
        return day in self._set

    def between(self, after: datetime.date, until: datetime.date) -> int:
        """School days d with after < d <= until."""
        return max(0, bisect.bisect_right(self.days, until) - bisect.bisect_right(self.days, after))

    def up_to(self, day: datetime.date) -> list[datetime.date]:
        return self.days[: bisect.bisect_right(self.days, day)]

    def overdue_before(self, day: datetime.date, escalation_days: int) -> datetime.date:
        """Open alerts raised before this date have waited ``escalation_days`` school days or
        more by ``day`` (raised Monday, 2 days: overdue on Wednesday)."""
        if escalation_days <= 0:
            return day + datetime.timedelta(days=1)
        passed = self.up_to(day)
        if len(passed) < escalation_days:
            return datetime.date.min
        return passed[-escalation_days]


def waiting_days(alert: AbsenceAlert, calendar: SchoolCalendar, day: datetime.date) -> int:
    """School days an alert has waited (an acknowledged one: waited until acknowledged)."""
    until = day
    if alert.acknowledged_at is not None:
        until = timezone.localdate(alert.acknowledged_at)
    return calendar.between(alert.opened_on, until)


# --- the alert list ---------------------------------------------------------------------------


class State:
    OPEN = "open"
    OVERDUE = "overdue"
    ACKNOWLEDGED = "acknowledged"
    ALL = "all"


@dataclass
class AlertRow:
    alert: AbsenceAlert
    waiting: int
    overdue: bool
    mine: bool
    can_record: bool
    risk_url: str | None


@dataclass
class SessionsBand:
    label: str
    low: int
    high: int | None  # None: no upper bound (over the limit)
    over: bool
    rows: list = field(default_factory=list)  # (student, classroom, count)


@dataclass
class AlertList:
    rows: list
    page: object
    open_count: int
    overdue_count: int
    acknowledged_count: int
    escalation_days: int
    vp_grades: list
    sessions: list  # SessionsBand, highest first
    limit: int
    risk_case_available: bool


def _mine_first(qs: QuerySet, grades: list[int], grade_path: str) -> QuerySet:
    if not grades:
        return qs.annotate(_mine=Value(1, output_field=IntegerField()))
    return qs.annotate(
        _mine=Case(
            When(**{f"{grade_path}__in": grades}, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )


def alert_list(
    user,
    *,
    classroom: Classroom | None = None,
    kind: str = "",
    state: str = State.OPEN,
    page: int | str | None = 1,
    day: datetime.date | None = None,
) -> AlertList:
    """The alert list page. Queries: settings, holidays, counts, page count, page rows, can-record
    classes (GVCN only: none), the 45-session counts and their students: about 8, whatever the
    number of alerts or students."""
    from django.core.paginator import Paginator

    day = day or today()
    scope = scope_for(user)
    year = scope.year
    school_settings = SchoolSettings.for_school(scope.school)
    calendar = SchoolCalendar(year)
    cutoff = calendar.overdue_before(day, school_settings.alert_escalation_days)

    base = alerts_for_user(user)
    if classroom is not None:
        base = base.filter(classroom=classroom)
    if kind:
        base = base.filter(kind=kind)
    open_q = Q(acknowledged_at__isnull=True)
    counts = base.aggregate(
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=open_q & Q(opened_on__lt=cutoff)),
        acknowledged=Count("pk", filter=~open_q),
    )
    qs = base
    if state == State.OPEN:
        qs = qs.filter(open_q)
    elif state == State.OVERDUE:
        qs = qs.filter(open_q, opened_on__lt=cutoff)
    elif state == State.ACKNOWLEDGED:
        qs = qs.filter(acknowledged_at__isnull=False)
    qs = (
        _mine_first(qs, scope.vp_grades, "classroom__grade")
        .select_related("student", "classroom", "acknowledged_by")
        .order_by(
            "_mine",
            "classroom__grade",
            "classroom__name",
            "student__sort_key",
            "student_id",
            "kind",
            "level",
        )
    )
    paginator = Paginator(qs, PAGE_SIZE)
    page_obj = paginator.get_page(page)
    risk_available = risk_case_url(AbsenceAlert(pk=0)) is not None
    rows = []
    for alert in page_obj:
        is_open = alert.acknowledged_at is None
        # Leaders and the class's GVCN act on an alert (a contact, a risk case); others read it.
        acts = scope.is_leader or alert.classroom_id in scope.homeroom_class_ids
        rows.append(
            AlertRow(
                alert=alert,
                waiting=waiting_days(alert, calendar, day),
                overdue=is_open and alert.opened_on < cutoff,
                mine=alert.classroom.grade in scope.vp_grades,
                can_record=is_open and acts,
                risk_url=risk_case_url(alert) if risk_available and acts else None,
            )
        )
    return AlertList(
        rows=rows,
        page=page_obj,
        open_count=counts["open"],
        overdue_count=counts["overdue"],
        acknowledged_count=counts["acknowledged"],
        escalation_days=school_settings.alert_escalation_days,
        vp_grades=sorted(set(scope.vp_grades)),
        sessions=sessions_bands(
            user, year, school_settings, classroom=classroom, day=day, grades=scope.vp_grades
        ),
        limit=school_settings.session_limit,
        risk_case_available=risk_available,
    )


def yearly_absent_sessions(students, year: SchoolYear, official_session: str) -> dict[int, int]:
    """Absent sessions on the official plan this year per student (one grouped query)."""
    rows = (
        Absence.objects.filter(
            student_id__in=students,
            session=official_session,
            date__gte=year.start_date,
            date__lte=year.end_date,
        )
        .values("student_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["student_id"]: r["n"] for r in rows}


def sessions_bands(
    user,
    year: SchoolYear,
    school_settings: SchoolSettings,
    *,
    classroom: Classroom | None = None,
    day: datetime.date | None = None,
    grades: list[int] = (),
) -> list[SessionsBand]:
    """Students of the user's classes at each warning level of the 45-session rule and over
    the limit, counted live from the absences (two queries)."""
    day = day or today()
    limit = school_settings.session_limit
    levels = [lv for lv in school_settings.warning_levels if 0 < lv < limit]
    bands: list[SessionsBand] = [
        SessionsBand(
            label=_("Over %(limit)s sessions") % {"limit": limit},
            low=limit + 1,
            high=None,
            over=True,
        )
    ]
    bounds = [*levels, limit + 1]
    for low, nxt in reversed(list(zip(levels, bounds[1:], strict=True))):
        bands.append(
            SessionsBand(
                label=_("%(low)s to %(high)s sessions") % {"low": low, "high": nxt - 1},
                low=low,
                high=nxt - 1,
                over=False,
            )
        )
    lowest = levels[0] if levels else limit + 1
    classrooms = Classroom.objects.for_user(user).filter(school_year=year)
    if classroom is not None:
        classrooms = classrooms.filter(pk=classroom.pk)
    current = Enrollment.objects.active_on(day).filter(classroom__in=classrooms)
    counts = (
        Absence.objects.filter(
            student_id__in=current.values("student_id"),
            session=school_settings.official_session,
            date__gte=year.start_date,
            date__lte=year.end_date,
        )
        .values("student_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=lowest)
        .order_by()
    )
    found = {r["student_id"]: r["n"] for r in counts}
    if not found:
        return bands
    enrollments = (
        current.filter(student_id__in=list(found))
        .select_related("student", "classroom")
        .order_by("classroom__grade", "classroom__name", "student__sort_key", "student_id")
    )
    grades = set(grades)
    rows = sorted(
        ((e.student, e.classroom, found[e.student_id]) for e in enrollments),
        key=lambda r: r[1].grade not in grades,
    )
    for student, room, n in rows:
        for band in bands:
            if n >= band.low and (band.high is None or n <= band.high):
                band.rows.append((student, room, n))
                break
    return bands


# --- the family-contact form's side information ---------------------------------------------


def main_guardian(student: Student) -> Guardian | None:
    """The main contact, else the first guardian (one query)."""
    return student.guardians.order_by("-is_primary", "pk").first()


def open_alerts_of(student: Student) -> list[AbsenceAlert]:
    return list(
        AbsenceAlert.objects.filter(student=student, acknowledged_at__isnull=True)
        .select_related("classroom")
        .order_by("first_day", "pk")
    )


# --- the student page -------------------------------------------------------------------------


@dataclass
class StudentAlerts:
    student: Student
    open_alerts: list
    contacts: list
    can_record: bool
    contacts_shown: bool = True


def may_read_family_contacts(user, student: Student) -> bool:
    """What a family said is for the leadership, the student's GVCN (this year) and their mentor;
    a subject teacher sees the student's alerts, not the contacts."""
    from .scoping_cases import is_gvcn_of, is_mentor_of

    scope = scope_for(user)
    if scope.school is None or student.school_id != scope.school.pk:
        return False
    return scope.is_leader or is_gvcn_of(user, student) or is_mentor_of(user, student)


def student_alerts(user, student: Student) -> StudentAlerts:
    """The student page's panel: open alerts and contacts with the family (the yearly absence
    count is the attendance panel's). Queries: alerts, contacts, and for a GVCN the student's
    class now (to know who may record): 2 or 3."""
    alerts = list(
        AbsenceAlert.objects.filter(student=student, acknowledged_at__isnull=True).order_by(
            "first_day", "pk"
        )
    )
    shown = may_read_family_contacts(user, student)
    contacts = (
        list(FamilyContact.objects.filter(student=student).select_related("recorded_by")[:20])
        if shown
        else []
    )
    return StudentAlerts(
        student=student,
        open_alerts=alerts,
        contacts=contacts,
        can_record=can_record_contact(user, student),
        contacts_shown=shown,
    )


# --- dashboards -------------------------------------------------------------------------------


@dataclass
class ClassToday:
    classroom: Classroom
    excused: int = 0
    unexcused: int = 0
    taken: list = field(default_factory=list)  # sessions whose roll was taken
    missing: list = field(default_factory=list)  # taught sessions not taken yet
    mine: bool = False
    teacher: str = ""  # the GVCN to ask, for a class whose roll is not taken


@dataclass
class Trend:
    labels: list  # dd/mm of each week's point
    dates: list
    series: list  # (label, [values]) per grade block, the VP's first
    total: list

    def chart_data(self) -> dict:
        return {
            "labels": self.labels,
            "series": [{"label": label, "values": values} for label, values in self.series],
            "total": {"label": str(_("Whole school")), "values": self.total},
        }

    @property
    def table(self) -> list:
        return [
            (label, [values[i] for _l, values in self.series], self.total[i])
            for i, label in enumerate(self.dates)
        ]


@dataclass
class Dropouts:
    dropped_out: int
    start_of_year: int
    target: Decimal

    @property
    def rate(self) -> Decimal:
        if not self.start_of_year:
            return Decimal("0.00")
        value = Decimal(self.dropped_out * 100) / Decimal(self.start_of_year)
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def within_target(self) -> bool:
        return self.rate <= self.target


@dataclass
class LeaderDashboard:
    day: datetime.date
    is_school_day: bool
    sessions: list  # taught sessions (labels)
    classes: list  # ClassToday, the VP's blocks first
    absent_classes: list  # the ones with absences
    missing_classes: list  # the ones with a roll not taken
    excused: int
    unexcused: int
    open_alerts: int
    overdue_alerts: int
    my_open_alerts: int | None  # a VP's grade blocks
    my_overdue_alerts: int | None
    escalation_days: int
    trend: Trend
    dropouts: Dropouts
    my_dropouts: Dropouts | None
    vp_grades: list


SESSION_LABELS = dict(RollCall._meta.get_field("session").choices)


def _week_points(year: SchoolYear, day: datetime.date) -> list[datetime.date]:
    """One date a week from the opening day: each week's Saturday, the last one ``day``."""
    end = min(day, year.end_date)
    if end < year.start_date:
        return []
    points = []
    point = year.start_date + datetime.timedelta(days=5 - year.start_date.weekday())
    if point < year.start_date:
        point += datetime.timedelta(days=7)
    while point < end:
        points.append(point)
        point += datetime.timedelta(days=7)
    points.append(end)
    return points


def class_size_trend(year: SchoolYear, grades_first: list[int], day: datetime.date) -> Trend:
    """Students in class each week of the year per grade block, in ONE grouped query (a
    conditional count per week, the same "span covers the date" rule as ``class_sizes``)."""
    points = _week_points(year, day)
    if not points:
        return Trend(labels=[], dates=[], series=[], total=[])
    counts = {
        f"w{i}": Count(
            "pk", filter=Q(start_date__lte=d) & (Q(end_date__isnull=True) | Q(end_date__gt=d))
        )
        for i, d in enumerate(points)
    }
    rows = (
        Enrollment.objects.filter(classroom__school_year=year)
        .values("classroom__grade")
        .annotate(**counts)
        .order_by()
    )
    by_grade = {r["classroom__grade"]: [r[f"w{i}"] for i in range(len(points))] for r in rows}
    grades = sorted(by_grade, key=lambda g: (g not in grades_first, g))
    series = [(_("Grade %(grade)s") % {"grade": g}, by_grade[g]) for g in grades]
    total = [sum(values[i] for _l, values in series) for i in range(len(points))]
    return Trend(labels=[f"{d:%d/%m}" for d in points], dates=points, series=series, total=total)


def leader_dashboard(user, *, day: datetime.date | None = None) -> LeaderDashboard:
    """Principal and VPs. Queries: settings, classes, holidays, today's roll calls, today's
    absences by class, alert counts, the weekly trend (one query for all weeks), class sizes."""
    day = day or today()
    scope = scope_for(user)
    year = scope.year
    school_settings = SchoolSettings.for_school(scope.school)
    grades = scope.vp_grades
    classrooms = list(Classroom.objects.filter(school_year=year).order_by("grade", "name"))
    calendar = SchoolCalendar(year)
    is_school_day = calendar.is_school_day(day)
    taught = school_settings.taught_sessions
    by_class = {c.pk: ClassToday(classroom=c, mine=c.grade in grades) for c in classrooms}
    for classroom_id, session in RollCall.objects.filter(
        classroom__school_year=year, date=day
    ).values_list("classroom_id", "session"):
        if classroom_id in by_class:
            by_class[classroom_id].taken.append(session)
    for row in (
        Absence.objects.filter(roll_call__classroom__school_year=year, date=day)
        .values("roll_call__classroom_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        entry = by_class.get(row["roll_call__classroom_id"])
        if entry is None:
            continue
        if row["status"] == Absence.Status.EXCUSED:
            entry.excused += row["n"]
        else:
            entry.unexcused += row["n"]
    for entry in by_class.values():
        if is_school_day:
            entry.missing = [str(SESSION_LABELS[s]) for s in taught if s not in entry.taken]
        entry.taken = [str(SESSION_LABELS[s]) for s in entry.taken]
    classes = sorted(
        by_class.values(), key=lambda e: (not e.mine, e.classroom.grade, e.classroom.name)
    )
    missing = [e for e in classes if e.missing]
    if missing:
        names = homeroom_teacher_names(e.classroom.pk for e in missing)
        for e in missing:
            e.teacher = names.get(e.classroom.pk, "")
    cutoff = calendar.overdue_before(day, school_settings.alert_escalation_days)
    overdue = Q(opened_on__lt=cutoff)
    mine = Q(classroom__grade__in=grades or [0])
    counts = AbsenceAlert.objects.filter(school_year=year, acknowledged_at__isnull=True).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=overdue),
        my_open=Count("pk", filter=mine),
        my_overdue=Count("pk", filter=mine & overdue),
    )
    sizes = class_sizes(classrooms, on=min(day, year.end_date))
    target = school_settings.dropout_target_percent
    dropouts = Dropouts(
        dropped_out=sum(s.dropped_out for s in sizes.values()),
        start_of_year=sum(s.start_of_year for s in sizes.values()),
        target=target,
    )
    my_dropouts = None
    if grades and not scope.is_principal:
        mine = [sizes[c.pk] for c in classrooms if c.grade in grades and c.pk in sizes]
        my_dropouts = Dropouts(
            dropped_out=sum(s.dropped_out for s in mine),
            start_of_year=sum(s.start_of_year for s in mine),
            target=target,
        )
    return LeaderDashboard(
        day=day,
        is_school_day=is_school_day,
        sessions=[str(SESSION_LABELS[s]) for s in taught],
        classes=classes,
        absent_classes=[e for e in classes if e.excused or e.unexcused],
        missing_classes=missing,
        excused=sum(e.excused for e in classes),
        unexcused=sum(e.unexcused for e in classes),
        open_alerts=counts["open"],
        overdue_alerts=counts["overdue"],
        my_open_alerts=counts["my_open"] if grades and not scope.is_principal else None,
        my_overdue_alerts=counts["my_overdue"] if grades and not scope.is_principal else None,
        escalation_days=school_settings.alert_escalation_days,
        trend=class_size_trend(year, grades, day),
        dropouts=dropouts,
        my_dropouts=my_dropouts,
        vp_grades=sorted(set(grades)),
    )


@dataclass
class WeekRow:
    student: Student
    cells: list  # per school day of the week: "" or "P", "K", "P·K" …
    excused: int = 0
    unexcused: int = 0


@dataclass
class HomeroomDashboard:
    day: datetime.date
    classrooms: list
    alert_rows: list  # AlertRow
    week_days: list
    week_rows: list  # WeekRow
    not_taken: list  # school days of the week (up to today) with a taught session not taken
    escalation_days: int
    risk_case_available: bool


def homeroom_dashboard(user, *, day: datetime.date | None = None) -> HomeroomDashboard:
    """A GVCN's class: open alerts and this week's absences. Queries: settings, classes,
    holidays, open alerts, this week's absences, this week's roll calls."""
    from lib.calendar import week_bounds

    day = day or today()
    scope = scope_for(user)
    year = scope.year
    school_settings = SchoolSettings.for_school(scope.school)
    classrooms = list(
        Classroom.objects.filter(school_year=year, pk__in=scope.homeroom_class_ids).order_by(
            "grade", "name"
        )
    )
    ids = [c.pk for c in classrooms]
    calendar = SchoolCalendar(year)
    cutoff = calendar.overdue_before(day, school_settings.alert_escalation_days)
    risk_available = risk_case_url(AbsenceAlert(pk=0)) is not None
    alert_rows = [
        AlertRow(
            alert=a,
            waiting=waiting_days(a, calendar, day),
            overdue=a.opened_on < cutoff,
            mine=True,
            can_record=True,
            risk_url=risk_case_url(a) if risk_available else None,
        )
        for a in AbsenceAlert.objects.filter(
            school_year=year, classroom_id__in=ids, acknowledged_at__isnull=True
        )
        .select_related("student", "classroom")
        .order_by("student__sort_key", "student_id", "kind", "level")
    ]
    monday, sunday = week_bounds(day)
    week_days = [d for d in calendar.up_to(min(sunday, day)) if d >= monday]
    marks: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    students: dict[int, Student] = {}
    for absence in (
        Absence.objects.filter(roll_call__classroom_id__in=ids, date__gte=monday, date__lte=day)
        .select_related("student")
        .order_by("date", "session")
    ):
        students[absence.student_id] = absence.student
        marks[absence.student_id][absence.date].append(absence.status)
    week_rows = []
    for sid, student in sorted(students.items(), key=lambda kv: (kv[1].sort_key, kv[0])):
        statuses = marks[sid]
        row = WeekRow(student=student, cells=["·".join(statuses.get(d, [])) for d in week_days])
        for values in statuses.values():
            row.excused += values.count(Absence.Status.EXCUSED)
            row.unexcused += values.count(Absence.Status.UNEXCUSED)
        week_rows.append(row)
    taken: dict[datetime.date, set] = defaultdict(set)
    for classroom_id, d, session in RollCall.objects.filter(
        classroom_id__in=ids, date__gte=monday, date__lte=day
    ).values_list("classroom_id", "date", "session"):
        taken[d].add((classroom_id, session))
    taught = school_settings.taught_sessions
    not_taken = [d for d in week_days if any((c, s) not in taken[d] for c in ids for s in taught)]
    return HomeroomDashboard(
        day=day,
        classrooms=classrooms,
        alert_rows=alert_rows,
        week_days=week_days,
        week_rows=week_rows,
        not_taken=not_taken,
        escalation_days=school_settings.alert_escalation_days,
        risk_case_available=risk_available,
    )


def homeroom_teacher_names(classroom_ids) -> dict[int, str]:
    """GVCN of each class (one query), for the leader's missing-roll list."""
    return {
        a.classroom_id: a.user.full_name
        for a in RoleAssignment.objects.filter(
            role=Role.HOMEROOM, classroom_id__in=list(classroom_ids)
        ).select_related("user")
    }
