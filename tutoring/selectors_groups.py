"""Tutoring groups and sessions: the reads. Each builds plain data for one page in a fixed
number of queries, however many groups, members or sessions there are."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse

from lib.calendar import school_days
from lib.formatting import percent
from schools.models import Classroom, SchoolSettings, SchoolYear, Subject, User
from schools.scoping import scope_for
from students.models import Guardian, Student

from . import scoping
from .models import (
    Checkpoint,
    GroupKind,
    Membership,
    PeerPair,
    ScheduleSlot,
    SessionAttendance,
    TutoringGroup,
    TutoringSession,
    WeakRecord,
)
from .services_groups import (
    DEFAULT_REASON,
    _enrollments_on,
    eligibility_map,
    slot_warnings,
    today,
    weekly_periods,
)

# The name the progress area gives its page (a group's page links to it when it exists).
PROGRESS_URL_NAME = "progress"


def _count(qs, field_name: str = "pk"):
    """A correlated COUNT subquery (so several counts never multiply each other's rows)."""
    return Coalesce(
        Subquery(
            qs.order_by().values("group_id").annotate(n=Count(field_name)).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


# --- the list -------------------------------------------------------------------------------------


@dataclass
class GroupRow:
    group: TutoringGroup
    tutors: list[User]
    members: int
    sessions: int
    periods: int
    attendance_rate: Decimal | None
    weekly_periods: int


@dataclass
class GroupList:
    rows: list[GroupRow]
    total_members: int
    total_sessions: int


def groups_for_list(user, year: SchoolYear):
    return TutoringGroup.objects.for_user(user).filter(school_year=year)


def list_tutors(user, year: SchoolYear):
    """Tutors of the groups the user may read this year (for the list's filter)."""
    return (
        User.objects.filter(tutoring_groups__in=groups_for_list(user, year).values("pk"))
        .distinct()
        .order_by("sort_key")
    )


def group_list(
    user,
    year: SchoolYear,
    *,
    subject: Subject | None = None,
    grade: int | None = None,
    kind: str = "",
    tutor: User | None = None,
) -> GroupList:
    """The year's groups the user may read, with members, sessions held, periods taught and
    the attendance rate. Queries: the groups with their counts (1), tutors (1), slots (1)."""
    qs = groups_for_list(user, year).select_related("subject")
    if subject is not None:
        qs = qs.filter(subject=subject)
    if grade:
        qs = qs.filter(grade=grade)
    if kind:
        qs = qs.filter(kind=kind)
    if tutor is not None:
        qs = qs.filter(tutors=tutor)
    sessions = TutoringSession.objects.filter(group_id=OuterRef("pk"))
    attendance = SessionAttendance.objects.filter(session__group_id=OuterRef("pk"))
    qs = qs.annotate(
        n_members=_count(Membership.objects.filter(group_id=OuterRef("pk"), left_on__isnull=True)),
        n_sessions=_count(sessions),
        n_periods=Coalesce(
            Subquery(
                sessions.order_by().values("group_id").annotate(s=Sum("periods")).values("s")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        n_marks=Coalesce(
            Subquery(
                attendance.order_by()
                .values("session__group_id")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        n_present=Coalesce(
            Subquery(
                attendance.filter(present=True)
                .order_by()
                .values("session__group_id")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        ),
    ).prefetch_related("tutors", "slots")
    groups = list(qs.order_by("grade", "subject__order", "name"))
    rows = [
        GroupRow(
            group=g,
            tutors=sorted(g.tutors.all(), key=lambda u: u.sort_key),
            members=g.n_members,
            sessions=g.n_sessions,
            periods=g.n_periods,
            attendance_rate=percent(g.n_present, g.n_marks),
            weekly_periods=weekly_periods(g.slots.all()),
        )
        for g in groups
    ]
    return GroupList(
        rows=rows,
        total_members=sum(r.members for r in rows),
        total_sessions=sum(r.sessions for r in rows),
    )


# --- one group ------------------------------------------------------------------------------------


@dataclass
class MemberRow:
    membership: Membership
    classroom: Classroom | None
    present: int = 0
    marked: int = 0
    before: Checkpoint | None = None
    during: Checkpoint | None = None
    after: Checkpoint | None = None

    @property
    def rate(self) -> Decimal | None:
        return percent(self.present, self.marked)

    @property
    def active(self) -> bool:
        return self.membership.left_on is None


@dataclass
class SessionRow:
    session: TutoringSession
    present: int
    absent: int


@dataclass
class GroupDetail:
    group: TutoringGroup
    tutors: list[User]
    slots: list[ScheduleSlot]
    weekly_periods: int
    members: list[MemberRow]
    active_count: int
    sessions: list[SessionRow]
    periods_taught: int
    attendance_rate: Decimal | None
    warnings: list[str]
    settings: SchoolSettings
    progress_url: str | None
    due_count: int
    checkpoint_kinds: list = field(default_factory=list)


def progress_url(group: TutoringGroup) -> str | None:
    try:
        return f"{reverse(PROGRESS_URL_NAME)}?group={group.pk}"
    except NoReverseMatch:
        return None


def group_detail(group: TutoringGroup, *, day: datetime.date | None = None) -> GroupDetail:
    """Everything the group's page shows. Queries: settings, tutors, slots, members with
    students, their classes, attendance per student, checkpoints, sessions with counts,
    holidays (for the sessions still to record)."""
    day = day or today()
    settings = SchoolSettings.for_school(group.school_id)
    tutors = list(group.tutors.order_by("sort_key"))
    slots = list(group.slots.all())
    memberships = list(
        group.members.select_related("student").order_by(
            "left_on", "student__sort_key", "student__pk"
        )
    )
    # Active members first (left_on NULL sorts first on SQLite and last on PostgreSQL).
    memberships.sort(key=lambda m: (m.left_on is not None, m.student.sort_key, m.student.pk))
    ids = [m.student_id for m in memberships]
    on = min(max(day, group.school_year.start_date), group.school_year.end_date)
    classes = {
        e.student_id: e.classroom
        for e in _enrollments_on(group.school_year, on)
        .filter(student_id__in=ids)
        .select_related("classroom")
    }
    marks = {
        r["student_id"]: r
        for r in SessionAttendance.objects.filter(session__group=group)
        .values("student_id")
        .annotate(marked=Count("pk"), present=Count("pk", filter=Q(present=True)))
    }
    checkpoints: dict[int, dict[str, Checkpoint]] = defaultdict(dict)
    for c in group.checkpoints.order_by("date", "pk"):
        checkpoints[c.student_id][c.kind] = c  # the latest of each kind wins
    rows = []
    for m in memberships:
        mark = marks.get(m.student_id, {})
        cps = checkpoints.get(m.student_id, {})
        rows.append(
            MemberRow(
                membership=m,
                classroom=classes.get(m.student_id),
                present=mark.get("present", 0),
                marked=mark.get("marked", 0),
                before=cps.get(Checkpoint.Kind.BEFORE),
                during=cps.get(Checkpoint.Kind.DURING),
                after=cps.get(Checkpoint.Kind.AFTER),
            )
        )
    sessions = [
        SessionRow(session=s, present=s.n_present, absent=s.n_absent)
        for s in group.sessions.select_related("taught_by").annotate(
            n_present=Count("attendance", filter=Q(attendance__present=True)),
            n_absent=Count("attendance", filter=Q(attendance__present=False)),
        )
    ]
    present = sum(r.present for r in rows)
    marked = sum(r.marked for r in rows)
    recorded = {(s.session.date, s.session.first_period) for s in sessions}
    due = expected_sessions(group, slots, day=day, recorded=recorded)
    return GroupDetail(
        group=group,
        tutors=tutors,
        slots=slots,
        weekly_periods=weekly_periods(slots),
        members=rows,
        active_count=sum(1 for r in rows if r.active),
        sessions=sessions,
        periods_taught=sum(s.session.periods for s in sessions),
        attendance_rate=percent(present, marked),
        warnings=slot_warnings(slots, settings),
        settings=settings,
        progress_url=progress_url(group),
        due_count=len(due),
    )


# --- sessions to record ---------------------------------------------------------------------------


@dataclass
class DueSession:
    date: datetime.date
    slot: ScheduleSlot


def _holidays(year: SchoolYear) -> list[tuple[datetime.date, datetime.date]]:
    return list(year.holidays.values_list("start_date", "end_date"))


def expected_sessions(
    group: TutoringGroup,
    slots: list[ScheduleSlot],
    *,
    day: datetime.date,
    recorded: set[tuple[datetime.date, int]],
    holidays: list[tuple[datetime.date, datetime.date]] | None = None,
) -> list[DueSession]:
    """Sessions the schedule expected from the group's start to today (or its end) on school
    days, not recorded yet, newest first. Saturdays count even when the school has no Saturday
    classes (tutoring often happens then); Sundays and holidays never do."""
    end = min(day, group.end_date)
    if end < group.start_date or not slots:
        return []
    if holidays is None:
        holidays = _holidays(group.school_year)
    by_weekday: dict[int, list[ScheduleSlot]] = defaultdict(list)
    for slot in slots:
        by_weekday[slot.weekday].append(slot)
    out = []
    for d in school_days(group.start_date, end, saturday_classes=True, holidays=holidays):
        for slot in by_weekday.get(d.weekday(), []):
            if (d, slot.first_period) not in recorded:
                out.append(DueSession(date=d, slot=slot))
    out.sort(key=lambda s: (s.date, -s.slot.first_period), reverse=True)
    return out


@dataclass
class DuePage:
    group: TutoringGroup
    due: list[DueSession]
    recent: list[TutoringSession]
    today: datetime.date


def sessions_due(group: TutoringGroup, *, day: datetime.date | None = None) -> DuePage:
    """The tutor's "Buổi cần ghi" page. Queries: slots, recorded sessions, holidays."""
    day = day or today()
    slots = list(group.slots.all())
    recorded_sessions = list(group.sessions.order_by("-date", "first_period"))
    recorded = {(s.date, s.first_period) for s in recorded_sessions}
    due = expected_sessions(group, slots, day=day, recorded=recorded)
    return DuePage(group=group, due=due, recent=recorded_sessions[:5], today=day)


# --- candidates for a group --------------------------------------------------------------------


@dataclass
class Candidate:
    student: Student
    classroom: Classroom
    weak: WeakRecord | None
    reasons: list[str]
    covered_by: list[str]
    in_group: bool
    guardian_name: str
    default_reason: str

    @property
    def eligible(self) -> bool:
        return self.default_reason in self.reasons


def candidates(
    year: SchoolYear,
    *,
    subject: Subject,
    grade: int,
    kind: str,
    group: TutoringGroup | None = None,
    day: datetime.date | None = None,
) -> list[Candidate]:
    """Students who may be ticked into a group of ``subject`` and ``grade``, in Vietnamese order.

    Remedial: students of the grade with an active weak record for the subject (not dismissed,
    not resolved). Exam review and gifted training: every student of the grade (the weak ones
    marked). Each with their class, the weak record's score, the groups or peer pair already
    covering them for the subject, whether they are in this group, the main guardian's name.
    Queries: enrollments, weak records, eligibility (3–4), covering memberships, peer pairs,
    guardians, settings."""
    day = day or today()
    on = min(max(day, year.start_date), year.end_date)
    spans = list(
        _enrollments_on(year, on)
        .filter(classroom__grade=grade)
        .select_related("student", "classroom")
        .order_by("student__sort_key", "student__pk")
    )
    ids = [e.student_id for e in spans]
    weak = {
        w.student_id: w
        for w in WeakRecord.objects.filter(
            school_year=year, subject=subject, student_id__in=ids, resolved_term__isnull=True
        ).exclude(status=WeakRecord.Status.DISMISSED)
    }
    if kind == GroupKind.REMEDIAL:
        spans = [e for e in spans if e.student_id in weak]
        ids = [e.student_id for e in spans]
    if not ids:
        return []
    if group is not None:
        on = min(max(day, group.start_date), group.end_date)
    reasons = eligibility_map(ids, subject, year, on)
    covered: dict[int, list[str]] = defaultdict(list)
    in_group: set[int] = set()
    for sid, gid, gname in Membership.objects.filter(
        student_id__in=ids,
        left_on__isnull=True,
        group__school_year=year,
        group__subject=subject,
    ).values_list("student_id", "group_id", "group__name"):
        if group is not None and gid == group.pk:
            in_group.add(sid)
        else:
            covered[sid].append(gname)
    pair_label = str(PeerPair._meta.verbose_name)
    for sid in PeerPair.objects.filter(
        school_year=year, subject=subject, end_date__isnull=True, helped_id__in=ids
    ).values_list("helped_id", flat=True):
        covered[sid].append(pair_label)
    guardians: dict[int, str] = {}
    for sid, name in (
        Guardian.objects.filter(student_id__in=ids)
        .order_by("student_id", "-is_primary", "pk")
        .values_list("student_id", "full_name")
    ):
        guardians.setdefault(sid, name)
    default = DEFAULT_REASON.get(kind, "weak")
    return [
        Candidate(
            student=e.student,
            classroom=e.classroom,
            weak=weak.get(e.student_id),
            reasons=reasons.get(e.student_id, []),
            covered_by=covered.get(e.student_id, []),
            in_group=e.student_id in in_group,
            guardian_name=guardians.get(e.student_id, ""),
            default_reason=default,
        )
        for e in spans
    ]


# --- the home page and the student page ----------------------------------------------------------


@dataclass
class TutorGroup:
    group: TutoringGroup
    due: list[DueSession]

    @property
    def next_due(self) -> DueSession | None:
        return self.due[0] if self.due else None


def tutor_overview(user, *, day: datetime.date | None = None) -> list[TutorGroup]:
    """The user's groups this year that are running, with the sessions still to record.
    Queries: groups, slots, recorded sessions, holidays."""
    day = day or today()
    scope = scope_for(user)
    ids = scoping.tutored_group_ids(scope)
    if not ids or scope.year is None:
        return []
    groups = list(
        TutoringGroup.objects.filter(pk__in=ids, school_year=scope.year)
        .select_related("subject", "school_year")
        .order_by("grade", "subject__order", "name")
    )
    if not groups:
        return []
    slots: dict[int, list[ScheduleSlot]] = defaultdict(list)
    for slot in ScheduleSlot.objects.filter(group__in=groups):
        slots[slot.group_id].append(slot)
    recorded: dict[int, set] = defaultdict(set)
    for gid, d, first in TutoringSession.objects.filter(group__in=groups).values_list(
        "group_id", "date", "first_period"
    ):
        recorded[gid].add((d, first))
    holidays = _holidays(scope.year)
    out = []
    for g in groups:
        if g.start_date > day + datetime.timedelta(days=7):
            continue  # starts later: not yet on the home page
        due = expected_sessions(g, slots[g.pk], day=day, recorded=recorded[g.pk], holidays=holidays)
        if g.end_date < day and not due:
            continue  # finished and fully recorded
        out.append(TutorGroup(group=g, due=due))
    return out


@dataclass
class LeaderCounts:
    groups: int
    members: int
    students: int
    sessions_this_month: int


def leader_counts(user, *, day: datetime.date | None = None) -> LeaderCounts | None:
    """Groups, members and sessions this month for the school's leaders (3 queries)."""
    day = day or today()
    scope = scope_for(user)
    if scope.year is None:
        return None
    groups = TutoringGroup.objects.for_user(user).filter(school_year=scope.year)
    members = Membership.objects.filter(group__in=groups, left_on__isnull=True)
    agg = members.aggregate(n=Count("pk"), students=Count("student_id", distinct=True))
    return LeaderCounts(
        groups=groups.count(),
        members=agg["n"],
        students=agg["students"],
        sessions_this_month=TutoringSession.objects.filter(
            group__in=groups, date__year=day.year, date__month=day.month
        ).count(),
    )


@dataclass
class StudentGroupRow:
    membership: Membership
    present: int
    marked: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.present, self.marked)


def student_groups(user, student: Student) -> list[StudentGroupRow]:
    """The student's groups the user may read (any year, newest first) with their attendance
    in each. Queries: memberships with groups, attendance per group."""
    visible = TutoringGroup.objects.for_user(user)
    memberships = list(
        Membership.objects.filter(student=student, group__in=visible)
        .select_related("group__subject", "group__school_year")
        .order_by("-group__start_date", "group__name")
    )
    if not memberships:
        return []
    marks = {
        r["session__group_id"]: r
        for r in SessionAttendance.objects.filter(
            student=student, session__group_id__in=[m.group_id for m in memberships]
        )
        .values("session__group_id")
        .annotate(marked=Count("pk"), present=Count("pk", filter=Q(present=True)))
    }
    return [
        StudentGroupRow(
            membership=m,
            present=marks.get(m.group_id, {}).get("present", 0),
            marked=marks.get(m.group_id, {}).get("marked", 0),
        )
        for m in memberships
    ]


def session_members(session: TutoringSession):
    """The students of a recorded session: its attendance rows, in Vietnamese order."""
    return list(
        session.attendance.select_related("student").order_by("student__sort_key", "student__pk")
    )


def tutor_choices(school_id: int):
    """Staff of the school who can be tutors."""
    return User.objects.filter(school_id=school_id, is_active=True).order_by("sort_key")
