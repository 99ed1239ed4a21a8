"""The demo district's attendance (``seed_demo``): roll calls, absences, lateness and skipped
periods, contacts with families and the monthly class-size confirmations, from the opening day
up to the story's "today".

Like ``schools.demo`` it comes in two halves:

* **Load and plan**: ``load_school`` reads one school (calendar, classes, homeroom teachers,
  students and their enrollment spans) in a handful of queries; ``plan_attendance`` turns it into
  rows without touching the database, from generators seeded with the demo seed and the school
  or student code, so the same database and the same day give the same attendance.
* **Write**: ``write_attendance`` bulk-inserts the rows (with their history rows, dated the day
  they would have been typed in and signed by the person who typed them, unless history is off).

The shape of it:

* a roll call for every class, school day and taught session from the opening day to the day
  before "today", and today's roll for most classes but not all (the homeroom teacher ``gvcn``
  has not taken it yet);
* about 3 % of student-sessions absent, in short spells (1–3 days), some students far more often
  than others (poorer families, children left with grandparents, long ways to school), a mix of
  excused absences (P) with the reason parents give and unexcused ones (K) mostly without;
* a few chronic absentees near the 30- and 40-session warnings (TT22: 45 sessions a year), most of
  them in the boarding school and the poorer schools;
* a few long absences (4–6 school days in a row) in the last two weeks, which raise alerts; the
  homeroom teacher has contacted some of the families (acknowledging the alerts) and not others;
* students about to drop out miss many days first; Khmer students go home for Sene Dolta;
* lateness (recorded at the gate by the youth union) and skipped periods;
* the monthly class-size confirmation of every class for each month whose window (15th–25th) has
  passed, and of most classes for the month whose window is open.

No absence is ever recorded for a student outside their enrollment span in that class.
"""

from __future__ import annotations

import bisect
import datetime
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from lib import demo_names as N
from lib.calendar import month_bounds
from retention.models import (
    Absence,
    AbsenceAlert,
    ClassSizeConfirmation,
    ConductEvent,
    FamilyContact,
    RollCall,
)
from schools.models import (
    Classroom,
    Role,
    RoleAssignment,
    School,
    SchoolSettings,
    SchoolYear,
    User,
)
from students.models import Enrollment, Guardian, Student

D = datetime.date
HISTORY_REASON = "seed_demo"
BATCH = 2000
P, K = Absence.Status.EXCUSED, Absence.Status.UNEXCUSED
KINDS_ANSWERED_BY_A_CONTACT = (
    AbsenceAlert.Kind.CONSECUTIVE,
    AbsenceAlert.Kind.WINDOW,
    AbsenceAlert.Kind.UNEXCUSED,
)

# Students' absence habits: (share of students, absent share of their sessions).
HABITS = [(0.47, 0.010), (0.38, 0.030), (0.12, 0.065), (0.03, 0.120)]
SPELL_LENGTHS = ([1, 2, 3], [62, 24, 14])  # school days; never more than 3 by chance
MEAN_SPELL = sum(n * w for n, w in zip(*SPELL_LENGTHS, strict=True)) / sum(SPELL_LENGTHS[1])
# Chronic absentees: official sessions missed after CHRONIC_REFERENCE_DAYS school days (about
# mid-November; scaled down before, growing past the 45-session limit by the year's end), in the
# boarding school, the poorer schools (POORER: poor or near-poor households) and the others.
POORER = 0.145
CHRONIC_TARGETS = {"boarding": [41, 32, 28], "poorer": [31, 28], "other": [31, 27]}
CHRONIC_REFERENCE_DAYS = 55
LONG_ABSENCE_WINDOW = 10  # school days: "the last two weeks"
# Khmer festivals many Khmer students go home for, by school year.
FESTIVALS = {2026: (D(2026, 10, 9), D(2026, 10, 10))}


# --- What is read from the database ------------------------------------------------------------
@dataclass
class StudentRow:
    id: int
    code: str
    name: str
    household: str
    lives_away: bool
    distance: float
    khmer: bool


@dataclass
class SpanRow:
    classroom_id: int
    start: datetime.date
    end: datetime.date | None
    start_kind: str
    end_kind: str
    start_note: str
    end_note: str


@dataclass
class SchoolData:
    """One school as the planner needs it (no model instances, so plans compare equal)."""

    school_id: int
    code: str
    boarding: bool
    khmer_festival: bool
    year_start: datetime.date
    days: list[datetime.date]  # school days from the opening day to the story's day
    sessions: list[str]
    official: str
    confirm_window: tuple[int, int]
    classrooms: list[tuple[int, str, int]]  # (id, name, grade), in class order
    homeroom: dict[int, tuple[int, str]]  # classroom id → (user id, username)
    youth_id: int | None
    leader_ids: list[int]
    students: list[StudentRow]
    spans: dict[int, list[SpanRow]]
    guardians: dict[int, tuple[str, str]]  # student id → (full name, relation)


def current_year(school: School) -> SchoolYear | None:
    return SchoolYear.objects.filter(school=school, is_current=True).first()


def has_attendance(year: SchoolYear) -> bool:
    return RollCall.objects.filter(classroom__school_year=year).exists()


def load_school(school: School, year: SchoolYear, story_day: datetime.date) -> SchoolData:
    settings = SchoolSettings.for_school(school)
    days = year.school_days(year.start_date, story_day) if story_day >= year.start_date else []
    classrooms = list(year.classrooms.order_by("grade", "name").values_list("pk", "name", "grade"))
    roles = RoleAssignment.objects.filter(school_year=year).order_by("role", "user__username")
    homeroom, youth_id, leaders = {}, None, []
    for classroom_id, user_id, username, role in roles.values_list(
        "classroom_id", "user_id", "user__username", "role"
    ):
        if role == Role.HOMEROOM:
            homeroom[classroom_id] = (user_id, username)
        elif role == Role.YOUTH_UNION and youth_id is None:
            youth_id = user_id
        elif role in (Role.PRINCIPAL, Role.VICE_PRINCIPAL):
            leaders.append((role != Role.PRINCIPAL, user_id))
    students = [
        StudentRow(
            id=pk,
            code=code,
            name=f"{family} {given}",
            household=household,
            lives_away=away,
            distance=float(distance or 0),
            khmer=ethnicity == N.KHMER,
        )
        for pk, code, family, given, household, away, distance, ethnicity in Student.objects.filter(
            school=school
        )
        .order_by("code")
        .values_list(
            "pk",
            "code",
            "family_name",
            "given_name",
            "household",
            "lives_away_from_parents",
            "distance_km",
            "ethnicity",
        )
    ]
    spans: dict[int, list[SpanRow]] = defaultdict(list)
    for row in (
        Enrollment.objects.filter(classroom__school_year=year)
        .order_by("student_id", "start_date", "pk")
        .values_list(
            "student_id",
            "classroom_id",
            "start_date",
            "end_date",
            "start_kind",
            "end_kind",
            "start_note",
            "end_note",
        )
    ):
        spans[row[0]].append(SpanRow(*row[1:]))
    guardians = {
        student_id: (name, relation)
        for student_id, name, relation in Guardian.objects.filter(
            student__school=school, is_primary=True
        )
        .order_by("student_id", "pk")
        .values_list("student_id", "full_name", "relation")
    }
    return SchoolData(
        school_id=school.pk,
        code=school.code,
        boarding=school.kind == School.Kind.BOARDING,
        khmer_festival=year.holidays.filter(name__icontains="Khmer").exists(),
        year_start=year.start_date,
        days=days,
        sessions=settings.taught_sessions,
        official=settings.official_session,
        confirm_window=(settings.confirm_from_day, settings.confirm_to_day),
        classrooms=classrooms,
        homeroom=homeroom,
        youth_id=youth_id,
        leader_ids=[user_id for _, user_id in sorted(leaders)],
        students=[s for s in students if s.id in spans],
        spans=dict(spans),
        guardians=guardians,
    )


# --- The plan ----------------------------------------------------------------------------------
@dataclass
class ContactPlan:
    student_id: int
    when: datetime.datetime
    method: str
    person: str
    content: str
    recorded_by: int


@dataclass
class LongAbsence:
    student_id: int
    classroom_id: int
    days: list[datetime.date]
    status: str
    said: str  # what the family says when the GVCN calls
    answered: bool  # whether the GVCN contacts the family (acknowledging the alert) by today


@dataclass
class ConfirmationPlan:
    classroom_id: int
    month: datetime.date
    when: datetime.datetime
    confirmed_by: int
    explanation: str


@dataclass
class AttendancePlan:
    # (classroom id, date, session, taken by)
    roll_calls: list[tuple[int, datetime.date, str, int]] = field(default_factory=list)
    # (classroom id, date, session, student id, status, reason)
    absences: list[tuple[int, datetime.date, str, int, str, str]] = field(default_factory=list)
    # (student id, date, kind, periods, note, recorded by)
    conduct: list[tuple[int, datetime.date, str, str, str, int]] = field(default_factory=list)
    confirmations: list[ConfirmationPlan] = field(default_factory=list)
    contacts: list[ContactPlan] = field(default_factory=list)
    long_absences: list[LongAbsence] = field(default_factory=list)
    chronic: dict[int, int] = field(default_factory=dict)  # student id → official sessions
    student_sessions: int = 0  # sessions with a roll call the students were enrolled for
    not_taken_today: list[int] = field(default_factory=list)


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _gap(rng: random.Random, p: float) -> int:
    """School days until the next event of daily probability ``p`` (geometric)."""
    if p <= 0:
        return 10**9
    if p >= 1:
        return 0
    return int(math.log(1.0 - rng.random()) / math.log(1.0 - p))


def _local(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def plan_attendance(
    data: SchoolData, *, seed: int, story_day: datetime.date, partial_today: bool
) -> AttendancePlan:
    """Every row of one school's attendance up to ``story_day`` (no queries).

    ``partial_today``: the story's day is the real today, so some classes have not taken today's
    roll yet and the afternoon has not happened."""
    plan = AttendancePlan()
    days = data.days
    if not days or not data.classrooms:
        return plan
    rng = random.Random(f"dong-hanh-attendance:{seed}:{data.code}")  # noqa: S311 - demo data
    n_days = len(days)
    sessions = data.sessions
    first_session = sessions[0]
    gvcn_class = next((c for c, (_, u) in data.homeroom.items() if u == "gvcn"), None)

    # Today's roll: most classes have taken it (first session only); a few have not.
    taken_today = {c for c, _, _ in data.classrooms}
    today_open = partial_today and days[-1] == story_day
    if today_open:
        missing = [c for c, _, _ in data.classrooms if c != gvcn_class]
        rng.shuffle(missing)
        count = max(1, round(0.15 * len(data.classrooms))) - (gvcn_class is not None)
        skipped = set(missing[: max(0, count)]) | ({gvcn_class} if gvcn_class else set())
        taken_today -= skipped
        plan.not_taken_today = [c for c, _, _ in data.classrooms if c in skipped]

    def sessions_on(day_index: int, classroom_id: int) -> list[str]:
        if today_open and day_index == n_days - 1:
            return [first_session] if classroom_id in taken_today else []
        return sessions

    fallback_taker = data.leader_ids[0] if data.leader_ids else None
    for classroom_id, _, _ in data.classrooms:
        taker = data.homeroom.get(classroom_id, (fallback_taker, ""))[0]
        for i, day in enumerate(days):
            for session in sessions_on(i, classroom_id):
                plan.roll_calls.append((classroom_id, day, session, taker))

    # Each student's school days in this year's classes, as (day index, classroom id).
    enrolled: dict[int, list[tuple[int, int]]] = {}
    for student in data.students:
        mine = []
        for span in data.spans[student.id]:
            lo = bisect.bisect_left(days, span.start)
            hi = bisect.bisect_left(days, span.end) if span.end else n_days
            mine += [(i, span.classroom_id) for i in range(lo, hi)]
        mine = [(i, c) for i, c in mine if sessions_on(i, c)]
        enrolled[student.id] = mine
        plan.student_sessions += sum(len(sessions_on(i, c)) for i, c in mine)

    # absent[student][day index] = (status, reason, sessions missed)
    absent: dict[int, dict[int, tuple[str, str, tuple[str, ...]]]] = {}
    two_sessions = len(sessions) > 1

    def day_sessions(r: random.Random) -> tuple[str, ...]:
        if not two_sessions:
            return tuple(sessions)
        roll = r.random()
        if roll < 0.8:
            return tuple(sessions)
        return (sessions[0],) if roll < 0.9 else (sessions[1],)

    def excused(r: random.Random) -> tuple[str, str]:
        return P, _weighted(r, N.ABSENCE_REASONS_EXCUSED)

    def unexcused(r: random.Random) -> tuple[str, str]:
        return K, _weighted(r, N.ABSENCE_REASONS_UNEXCUSED)

    # 1. Everyday absences: short spells, far more often for some students than for others.
    for student in data.students:
        r = random.Random(f"dong-hanh-absences:{seed}:{student.code}")  # noqa: S311
        shares, rates = zip(*HABITS, strict=True)
        rate = r.choices(rates, weights=shares)[0]
        rate *= {Student.Household.POOR: 1.4, Student.Household.NEAR_POOR: 1.2}.get(
            student.household, 1.0
        )
        rate *= 1.3 if student.lives_away else 1.0
        rate *= 1.2 if student.distance >= 8 else 1.0
        rate *= 0.85 if data.boarding else 1.0  # boarders live at school
        k_share = 0.08 + 0.15 * (rate >= 0.06) + 0.08 * bool(student.household)
        k_share += 0.06 * student.lives_away
        if data.boarding:  # boarders are ill in the dormitory, not truant: mostly excused
            k_share /= 2
        p_start = rate / MEAN_SPELL
        mine = enrolled[student.id]
        marks: dict[int, tuple[str, str, tuple[str, ...]]] = {}
        pos = _gap(r, p_start)
        while pos < len(mine):
            length = r.choices(*SPELL_LENGTHS)[0]
            status, reason = unexcused(r) if r.random() < k_share else excused(r)
            for j in range(pos, min(pos + length, len(mine))):
                marks[j] = (status, reason, day_sessions(r))
            pos += length + 1 + _gap(r, p_start)  # at least one day back at school in between
        absent[student.id] = marks

    # 2. Khmer students go home for Sene Dolta (boarding students above all).
    festival = FESTIVALS.get(data.year_start.year)
    if festival and (data.khmer_festival or data.boarding):
        share = 0.3 if data.boarding else 0.15
        for student in data.students:
            if not student.khmer:
                continue
            for j, (i, _) in enumerate(enrolled[student.id]):
                if festival[0] <= days[i] <= festival[1] and rng.random() < share:
                    absent[student.id].setdefault(j, (P, N.FESTIVAL_REASON, tuple(sessions)))

    # 3. Students who dropped out missed many days in their last weeks at school.
    for student in data.students:
        mine = enrolled[student.id]
        for span in data.spans[student.id]:
            if span.end_kind != Enrollment.EndKind.DROPPED_OUT:
                continue
            before = [j for j, (i, _) in enumerate(mine) if days[i] < span.end]
            for j in before[-10:]:
                if rng.random() < 0.55:
                    status, reason = unexcused(rng) if rng.random() < 0.85 else excused(rng)
                    absent[student.id][j] = (status, reason, tuple(sessions))

    # Students in one class all year so far (no movement): chronic and long-absence candidates.
    steady = [
        s
        for s in data.students
        if len(data.spans[s.id]) == 1
        and data.spans[s.id][0].end is None
        and data.spans[s.id][0].start <= data.year_start
        and enrolled[s.id]
    ]

    def risk(s: StudentRow) -> float:
        return 1 + 3 * bool(s.household) + 2 * s.lives_away + (s.distance >= 8)

    def pick(pool: list[StudentRow], count: int, weight=risk) -> list[StudentRow]:
        pool, out = list(pool), []
        while pool and len(out) < count:
            chosen = rng.choices(pool, weights=[weight(s) for s in pool])[0]
            pool.remove(chosen)
            out.append(chosen)
        return out

    # 4. Chronic absentees near the 30- and 40-session warnings.
    official_days = n_days  # every school day has the official session
    poor_share = sum(bool(s.household) for s in data.students) / max(1, len(data.students))
    per_student = 0.008 if data.boarding else (0.004 if poor_share >= POORER else 0.002)
    count = round(len(data.students) * per_student)
    if (data.boarding or poor_share >= POORER) and len(data.students) >= 150:
        count = max(1, count)  # (not in the tiny test districts: one would be a tenth of them)
    chronic = pick(steady, count)
    targets = CHRONIC_TARGETS[
        "boarding" if data.boarding else ("poorer" if poor_share >= POORER else "other")
    ]
    for n, student in enumerate(chronic):
        base = targets[n % len(targets)]
        if official_days <= CHRONIC_REFERENCE_DAYS:
            target = round(base * official_days / CHRONIC_REFERENCE_DAYS)
        else:  # later in the year they go over the limit
            target = round(base + 0.12 * (official_days - CHRONIC_REFERENCE_DAYS))
        mine = enrolled[student.id]
        target = min(target, int(0.8 * len(mine)))
        marks = {}
        counted = 0
        while counted < target:
            start = rng.randrange(len(mine))
            status, reason = (
                unexcused(rng) if rng.random() < 0.7 else (P, rng.choice(["Ốm", "Việc gia đình"]))
            )
            for j in range(start, min(len(mine), start + rng.randint(1, 4))):
                if j in marks or counted >= target:
                    continue
                marks[j] = (status, reason, tuple(sessions))
                counted += 1
        absent[student.id] = marks
        plan.chronic[student.id] = target

    # 5. Long absences in the last two weeks (4–6 school days in a row), which raise alerts.
    window_start = days[max(0, n_days - LONG_ABSENCE_WINDOW)]
    candidates = [
        s
        for s in steady
        if s.id not in plan.chronic
        and len(enrolled[s.id]) > LONG_ABSENCE_WINDOW
        and data.spans[s.id][0].start < window_start
    ]
    count = 1 if len(data.students) < 300 else (2 if len(data.students) < 500 else 3)
    long_ones = []
    if gvcn_class is not None:
        mine = [s for s in candidates if data.spans[s.id][0].classroom_id == gvcn_class]
        long_ones += pick(mine, 1)
    long_ones += pick([s for s in candidates if s not in long_ones], count - len(long_ones))
    for n, student in enumerate(long_ones):
        mine = enrolled[student.id]
        length = rng.randint(4, 6)
        in_gvcn_class = data.spans[student.id][0].classroom_id == gvcn_class
        # The first runs to today (still absent); the others ended a day or three ago.
        offset = 0 if n == 0 or in_gvcn_class else rng.randint(0, 3)
        if n == 2:
            length, offset = 6, 0  # started a week ago: the alert is overdue if unanswered
        end = len(mine) - offset
        run = list(range(max(0, end - length), end))
        status = K if in_gvcn_class or n % 2 == 0 else P
        reason, said = rng.choice(
            N.LONG_ABSENCES_UNEXCUSED if status == K else N.LONG_ABSENCES_EXCUSED
        )
        for j in run:
            absent[student.id][j] = (status, reason, tuple(sessions))
        # Around the run: back at school the day before and (if it ended) the day after.
        for j in (run[0] - 1, run[-1] + 1):
            absent[student.id].pop(j, None)
        # gvcn's student and the week-long one wait for a call: open, then overdue.
        answered = not in_gvcn_class and n != 2 and (n == 1 or rng.random() < 0.6)
        run_days = [days[mine[j][0]] for j in run]
        plan.long_absences.append(
            LongAbsence(student.id, mine[run[0]][1], run_days, status, said, answered)
        )

    # Chronic absentees: their GVCN called or met the family a few weeks ago (before any alert
    # of the last two weeks, which these contacts do not answer).
    for student in chronic:
        mine = enrolled[student.id]
        j = max(0, len(mine) - rng.randint(8, 20))
        classroom_id = mine[j][1]
        method, text = rng.choice(N.CONTACT_CHRONIC_NOTES)
        who = _who(data, student)
        recorded_by = data.homeroom.get(classroom_id, (fallback_taker, ""))[0]
        plan.contacts.append(
            ContactPlan(
                student.id,
                _local(days[mine[j][0]], 16, rng.randrange(0, 60)),
                method,
                _person(data, student),
                text.format(who=who, Who=who[:1].upper() + who[1:]),
                recorded_by,
            )
        )

    # Absences as rows, only for sessions whose roll was taken.
    for student in data.students:
        mine = enrolled[student.id]
        for j, (status, reason, missed) in sorted(absent[student.id].items()):
            i, classroom_id = mine[j]
            for session in sessions_on(i, classroom_id):
                if session in missed:
                    plan.absences.append(
                        (classroom_id, days[i], session, student.id, status, reason)
                    )

    _plan_conduct(plan, data, seed, enrolled, absent, sessions_on)
    _plan_confirmations(plan, data, rng, story_day, gvcn_class, fallback_taker)
    return plan


def _who(data: SchoolData, student: StudentRow) -> str:
    _, relation = data.guardians.get(student.id, ("", "mother"))
    return f"{N.RELATION_WORDS.get(relation, 'gia đình')} em"


def _person(data: SchoolData, student: StudentRow) -> str:
    name, relation = data.guardians.get(student.id, ("", ""))
    if not name:
        return "Gia đình"
    return f"{name} ({N.RELATION_WORDS.get(relation, 'người thân')})"


def _plan_conduct(plan, data, seed, enrolled, absent, sessions_on) -> None:
    """Lateness at the gate (youth union) and skipped periods (youth union, sometimes the GVCN)."""
    if data.youth_id is None:
        return
    days = data.days
    late_scale = 0.3 if data.boarding else 1.0
    for student in data.students:
        r = random.Random(f"dong-hanh-conduct:{seed}:{student.code}")  # noqa: S311
        often_late = r.random() < (0.12 if student.distance >= 5 else 0.04)
        late_rate = (0.035 if often_late else 0.0015) * late_scale
        skipper = r.random() < 0.02 + 0.03 * (student.id in plan.chronic)
        skip_rate = 0.012 if skipper else 0.0001
        mine = enrolled[student.id]
        marks = absent[student.id]
        for kind, rate in (
            (ConductEvent.Kind.LATE, late_rate),
            (ConductEvent.Kind.SKIPPED, skip_rate),
        ):
            pos = _gap(r, rate)
            while pos < len(mine):
                i, classroom_id = mine[pos]
                taught = sessions_on(i, classroom_id)
                missed = marks.get(pos, (None, None, ()))[2]
                if taught and not set(taught) & set(missed):
                    if kind == ConductEvent.Kind.LATE:
                        periods, note, by = "Tiết 1", _weighted(r, N.LATE_NOTES), data.youth_id
                    else:
                        periods = r.choice(N.SKIPPED_PERIODS)
                        note = _weighted(r, N.SKIPPED_NOTES)
                        by = data.youth_id
                        if r.random() < 0.25 and classroom_id in data.homeroom:
                            by = data.homeroom[classroom_id][0]
                    plan.conduct.append((student.id, days[i], kind, periods, note, by))
                pos += 1 + _gap(r, rate)
    # The youth union always has something to show: the farthest student was late once.
    if data.students and not any(e[2] == ConductEvent.Kind.LATE for e in plan.conduct):
        student = max(data.students, key=lambda s: (s.distance, s.code))
        mine = enrolled[student.id]
        for pos, (i, _) in enumerate(mine):
            if pos not in absent[student.id]:
                note = "Trễ 10 phút"
                plan.conduct.append(
                    (student.id, days[i], ConductEvent.Kind.LATE, "Tiết 1", note, data.youth_id)
                )
                break


def _plan_confirmations(plan, data, rng, story_day, gvcn_class, fallback) -> None:
    """Every class confirms each month whose window has passed; for the month whose window is
    open, the classes that confirmed before today (most of them, never ``gvcn``'s). The GVCNs of
    a school confirm on a few days of the window (the days the vice-principals remind them)."""
    first_day, last_day = data.confirm_window
    month = data.year_start.replace(day=1)
    previous: dict[int, datetime.date] = {}
    while month <= story_day:
        start, end = month_bounds(month.year, month.month)
        window = [
            D(month.year, month.month, d) for d in range(first_day, min(last_day, end.day) + 1)
        ]
        window = [d for d in window if d >= data.year_start]
        if window and window[0] < story_day:
            if story_day > window[-1]:  # the window has closed: everyone confirmed
                days = sorted(rng.sample(window, min(3, len(window))))
                weights = [40, 35, 25][: len(days)]
            else:  # still open: most have confirmed, the others will by the 25th
                before = [d for d in window if d < story_day]
                days = sorted(rng.sample(before, min(2, len(before)))) + [None]
                weights = [45, 35][: len(days) - 1] + [20]
            chosen = {c: rng.choices(days, weights=weights)[0] for c, _, _ in data.classrooms}
            if None in days:
                late = [c for c, day in chosen.items() if day is None]
                if not late:  # someone is always late
                    late = [data.classrooms[-1][0]]
                for c in late + ([gvcn_class] if gvcn_class else []):
                    chosen.pop(c, None)
            for classroom_id, _, _ in data.classrooms:
                if classroom_id not in chosen:
                    continue
                day = chosen[classroom_id]
                # The month's changes so far, and any since the last confirmation.
                since = min(previous.get(classroom_id, start), start - datetime.timedelta(days=1))
                plan.confirmations.append(
                    ConfirmationPlan(
                        classroom_id,
                        month,
                        _local(day, rng.randint(15, 21), rng.randrange(0, 60)),
                        data.homeroom.get(classroom_id, (fallback, ""))[0],
                        _explain(rng, data, classroom_id, since, day),
                    )
                )
                previous[classroom_id] = day
        month = end + datetime.timedelta(days=1)


def _explain(rng, data, classroom_id, since, until) -> str:
    """What the GVCN writes about the month's changes: who left, who came, and why."""
    moves: dict[str, list[str]] = defaultdict(list)
    names = {s.id: s.name for s in data.students}
    for student_id, spans in data.spans.items():
        for span in spans:
            if span.classroom_id != classroom_id:
                continue
            came = span.start_kind != Enrollment.StartKind.START_OF_YEAR
            if came and since < span.start <= until:
                key = {
                    Enrollment.StartKind.TRANSFER_IN: "transfer_in",
                    Enrollment.StartKind.CLASS_CHANGE: "class_in",
                    Enrollment.StartKind.RETURNED: "returned",
                }[span.start_kind]
                note = f" – {span.start_note}" if span.start_note else ""
                moves[key].append(f"{names[student_id]}{note}")
            if span.end and since < span.end <= until:
                key = {
                    Enrollment.EndKind.TRANSFER_OUT: "transfer_out",
                    Enrollment.EndKind.CLASS_CHANGE: "class_out",
                    Enrollment.EndKind.DROPPED_OUT: "dropped_out",
                }.get(span.end_kind)
                if key:
                    note = f" – {span.end_note}" if span.end_note else ""
                    moves[key].append(f"{names[student_id]}{note}")
    if not moves:
        return rng.choice(N.CONFIRM_NO_CHANGE)
    parts = [
        N.CONFIRM_MOVES[key].format(names="; ".join(moves[key]))
        for key in N.CONFIRM_MOVES
        if key in moves
    ]
    text = ". ".join(parts)
    return text[:1].upper() + text[1:] + "."


# --- Writing -----------------------------------------------------------------------------------
@dataclass
class AttendanceReport:
    schools: int = 0
    roll_calls: int = 0
    absences: int = 0
    student_sessions: int = 0
    conduct_events: int = 0
    confirmations: int = 0
    contacts: int = 0
    alerts: int = 0
    alerts_acknowledged: int = 0
    seconds: float = 0.0
    confirm_source: str = ""

    @property
    def absent_share(self) -> float:
        return self.absences / self.student_sessions if self.student_sessions else 0.0


def _bulk(model, objs: list, history: bool) -> list:
    """Bulk insert in batches; with history, each history row takes the object's
    ``_history_user`` and ``_history_date`` (who typed it in, and when)."""
    out = []
    for start in range(0, len(objs), BATCH):
        chunk = objs[start : start + BATCH]
        if history:
            out += bulk_create_with_history(
                chunk, model, batch_size=BATCH, default_change_reason=HISTORY_REASON
            )
        else:
            out += model.objects.bulk_create(chunk, batch_size=BATCH)
    return out


def _signed(obj, user: User | None, when: datetime.datetime):
    obj._history_user = user
    obj._history_date = when
    obj._change_reason = HISTORY_REASON
    return obj


def write_attendance(
    data: SchoolData, plan: AttendancePlan, users: dict[int, User], *, history: bool
) -> None:
    """Insert one school's roll calls, absences, lateness and earlier family contacts (the
    caller holds the transaction). History rows are dated when the row would have been typed in
    and signed by whoever typed it."""
    roll_calls = []
    for n, (classroom_id, day, session, taker) in enumerate(plan.roll_calls):
        when = _local(day, 7, 5 + n % 40) if session == "morning" else _local(day, 13, 35 + n % 20)
        roll_calls.append(
            _signed(
                RollCall(classroom_id=classroom_id, date=day, session=session, taken_by_id=taker),
                users.get(taker),
                when,
            )
        )
    roll_calls = _bulk(RollCall, roll_calls, history)
    by_key = {(rc.classroom_id, rc.date, rc.session): rc for rc in roll_calls}
    absences = []
    for classroom_id, day, session, student_id, status, reason in plan.absences:
        rc = by_key[(classroom_id, day, session)]
        absence = Absence(
            roll_call_id=rc.pk,
            student_id=student_id,
            date=day,
            session=session,
            status=status,
            reason=reason,
        )
        absences.append(_signed(absence, users.get(rc.taken_by_id), rc._history_date))
    del roll_calls, by_key
    _bulk(Absence, absences, history)
    del absences

    events = []
    for n, (student_id, day, kind, periods, note, by) in enumerate(plan.conduct):
        event = ConductEvent(
            student_id=student_id,
            date=day,
            kind=kind,
            periods=periods,
            note=note,
            recorded_by_id=by,
        )
        when = _local(day, 7, 10 + n % 20) if kind == "late" else _local(day, 9, n % 60)
        events.append(_signed(event, users.get(by), when))
    _bulk(ConductEvent, events, history)

    contacts = [
        _signed(
            FamilyContact(
                student_id=c.student_id,
                date=timezone.localtime(c.when).date(),
                method=c.method,
                contact_person=c.person,
                content=c.content,
                recorded_by_id=c.recorded_by,
            ),
            users.get(c.recorded_by),
            c.when,
        )
        for c in plan.contacts
    ]
    _bulk(FamilyContact, contacts, history)


# --- Monthly confirmations ---------------------------------------------------------------------
GENERIC_EXPLANATION = "Sĩ số thay đổi trong tháng, chi tiết ở danh sách biến động của lớp."


def _frozen_figures_function(settings: SchoolSettings):
    """(figures of classes for a month as of a day → {classroom id: (frozen figures, whether
    anyone came or went, size)}, source).

    With the retention app's ``class_size_figures``, the figures are frozen the way its
    confirmation service (``class_size_confirm``) freezes them: one grouped query for many
    classes instead of one service call per class (tests compare the two). Without it, the five
    numbers of ``students.services.class_sizes``."""
    try:
        from retention import services_classsize as service
    except ImportError:
        service = None
    needed = ("class_size_figures", "month_period", "confirmation_window", "FIGURES_VERSION")
    if service is not None and all(hasattr(service, name) for name in needed):

        def frozen(classrooms, month, day):
            start, end = service.month_period(month, today=day)
            window = service.confirmation_window(settings, month, on=day)
            figures = service.class_size_figures(classrooms, start=start, end=end)
            return {
                pk: (
                    {
                        "version": service.FIGURES_VERSION,
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                        "confirmed_on": day.isoformat(),
                        "late": window.is_late,
                        "counts": f.as_json(),
                    },
                    f.has_movements,
                    f.end_total,
                )
                for pk, f in figures.items()
            }

        return frozen, "retention.services_classsize.class_size_figures"

    from students.services import class_sizes

    keys = ("start_of_year", "now", "transferred_in", "transferred_out", "dropped_out")

    def five_numbers(classrooms, month, day):
        return {
            pk: ({k: getattr(size, k) for k in keys}, False, size.now)
            for pk, size in class_sizes(classrooms, on=day).items()
        }

    return five_numbers, "students.services.class_sizes"


def confirm_months(
    items: list[ConfirmationPlan],
    classrooms: dict[int, object],
    users: dict[int, User],
    last_size: dict[int, int],
    *,
    history: bool,
    report: AttendanceReport,
) -> None:
    """Each GVCN confirms their class's month on the planned day: the figures as of that day,
    frozen as the confirmation service freezes them, with an explanation whenever the class
    changed. Bulk-inserted (one figures query per school, month and day, not one per class)."""
    if not items:
        return
    some_class = next(iter(classrooms.values()))
    settings = SchoolSettings.for_school(some_class.school_year.school_id)
    frozen, report.confirm_source = _frozen_figures_function(settings)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for item in items:
        groups[(item.month, timezone.localtime(item.when).date())].append(item.classroom_id)
    computed = {}
    for (month, day), ids in groups.items():
        for pk, value in frozen([classrooms[i] for i in ids], month, day).items():
            computed[(pk, month)] = value
    rows = []
    for item in sorted(items, key=lambda i: (i.month, i.classroom_id)):
        figures, moved, size = computed[(item.classroom_id, item.month)]
        changed = moved or last_size.get(item.classroom_id, size) != size
        last_size[item.classroom_id] = size
        explanation = item.explanation or (GENERIC_EXPLANATION if changed else "")
        row = ClassSizeConfirmation(
            classroom_id=item.classroom_id,
            month=item.month,
            figures=figures,
            explanation=explanation,
            confirmed_by_id=item.confirmed_by,
            confirmed_at=item.when,
        )
        rows.append(_signed(row, users.get(item.confirmed_by), item.when))
    _bulk(ClassSizeConfirmation, rows, history)
    report.confirmations += len(rows)


# --- Alerts and the families' answers ----------------------------------------------------------
def _alerts_refresh():
    from retention.services_alerts import alerts_refresh

    return alerts_refresh


class Answers:
    """Which alerts the GVCN answers with a family contact, and when: most the same day or the
    next school day, a few later, some not yet (open; overdue after two school days)."""

    def __init__(self, data: SchoolData, plan: AttendancePlan, seed: int):
        self.data = data
        self.seed = seed
        self.codes = {s.id: s.code for s in data.students}
        self.students = {s.id: s for s in data.students}
        self.long = {la.student_id: la for la in plan.long_absences}
        self.absences: dict[int, list[tuple[datetime.date, str, str]]] = defaultdict(list)
        for _, day, session, student_id, status, reason in plan.absences:
            if session == data.official:
                self.absences[student_id].append((day, status, reason))

    def _rng(self, alert) -> random.Random:
        key = f"{self.seed}:{self.codes.get(alert.student_id)}:{alert.kind}:{alert.level}"
        return random.Random(f"dong-hanh-answers:{key}:{alert.opened_on}")  # noqa: S311

    def delay(self, alert) -> int | None:
        """School days between the alert and the contact; None: not answered yet."""
        rng = self._rng(alert)
        long = self.long.get(alert.student_id)
        if long is not None and alert.kind in KINDS_ANSWERED_BY_A_CONTACT:
            return rng.choice([0, 1]) if long.answered else None
        if rng.random() < 0.04:
            return None
        return rng.choices([0, 1, 2], weights=[40, 40, 20])[0]

    def contact(self, alert, day: datetime.date, rng_salt: int) -> ContactPlan:
        data = self.data
        student = self.students[alert.student_id]
        rng = self._rng(alert)
        rng.random()
        who = _who(data, student)
        Who = who[:1].upper() + who[1:]  # noqa: N806
        long = self.long.get(alert.student_id)
        recorded_by = data.homeroom.get(alert.classroom_id, (data.leader_ids[0], ""))[0]
        if alert.kind in (AbsenceAlert.Kind.SESSIONS_WARNING, AbsenceAlert.Kind.SESSIONS_OVER):
            method, text = rng.choice(N.CONTACT_CHRONIC_NOTES)
            if method == FamilyContact.Method.MEETING and len(data.leader_ids) > 1:
                recorded_by = data.leader_ids[1]
            text = text.format(who=who, Who=Who)
        else:
            recent = [a for a in self.absences[student.id] if alert.first_day <= a[0] <= day]
            unexcused = sum(1 for _, status, _ in recent if status == K)
            if long is not None:
                status, said = long.status, long.said
            elif unexcused * 2 >= len(recent):
                status, said = K, rng.choice(N.FAMILY_SAYS_UNEXCUSED)
            else:
                reasons = [r for _, s, r in recent if s == P and r in N.FAMILY_SAYS]
                said = N.FAMILY_SAYS[reasons[-1]] if reasons else N.FAMILY_SAYS["Ốm"]
                status = P
            if status == P:
                method = FamilyContact.Method.PHONE
                text = rng.choice(N.CONTACT_CALL_NOTES).format(who=who, what=said)
            elif alert.kind == AbsenceAlert.Kind.UNEXCUSED or long is None:
                method = rng.choice([FamilyContact.Method.MESSAGE, FamilyContact.Method.PHONE])
                text = rng.choice(N.CONTACT_UNEXCUSED_NOTES).format(
                    who=who, Who=Who, what=said, count=max(unexcused, 2)
                )
            elif rng.random() < 0.5:
                method = FamilyContact.Method.MESSAGE
                text = rng.choice(N.CONTACT_MESSAGE_NOTES).format(who=who, Who=Who, what=said)
            else:
                method = FamilyContact.Method.VISIT_PLANNED
                text = rng.choice(N.CONTACT_VISIT_NOTES).format(who_short=who.split()[0], what=said)
        when = _local(day, 11 + (rng_salt + student.id) % 7, rng.randrange(0, 60))
        return ContactPlan(student.id, when, method, _person(data, student), text, recorded_by)


def _answer(alerts: list, contact: ContactPlan, users: dict[int, User]) -> None:
    """Record the contact and let it acknowledge these alerts (as the contact service does:
    the student's open alerts begun by the contact's date), dated when it happened."""
    user = users.get(contact.recorded_by)
    row = _signed(
        FamilyContact(
            student_id=contact.student_id,
            date=timezone.localtime(contact.when).date(),
            method=contact.method,
            contact_person=contact.person,
            content=contact.content,
            recorded_by_id=contact.recorded_by,
        ),
        user,
        contact.when,
    )
    row.save()
    row.alerts.add(*alerts)
    for alert in alerts:
        alert.acknowledged_at = contact.when
        alert.acknowledged_by_id = contact.recorded_by
        _signed(alert, user, contact.when)
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])


REPLAY_DAYS = 10  # school days: alerts raised as if the rolls of the last two weeks came in


def replay_last_days(
    data: SchoolData,
    plan: AttendancePlan,
    users: dict[int, User],
    *,
    seed: int,
    story_day: datetime.date,
    replay_days: int,
    history: bool,
    report: AttendanceReport,
) -> None:
    """The school's last ``replay_days`` school days as they happened: each day the alerts are
    refreshed (``retention.services_alerts.alerts_refresh``), the GVCNs answer some of them with
    a family contact, and the classes due to confirm their month do so. Earlier months'
    confirmations come first."""
    year_classrooms = {
        c.pk: c
        for c in Classroom.objects.filter(pk__in=[c for c, _, _ in data.classrooms]).select_related(
            "school_year"
        )
    }
    classrooms = list(year_classrooms.values())
    days = [d for d in data.days if d <= story_day][-replay_days:] if replay_days else []
    if not days or days[-1] < story_day:
        days.append(story_day)  # the final refresh, on today itself
    pending = sorted(plan.confirmations, key=lambda c: c.when)
    last_size: dict[int, int] = {}

    def confirm_until(day: datetime.date) -> None:
        nonlocal pending
        due = [c for c in pending if timezone.localtime(c.when).date() <= day]
        pending = pending[len(due) :]
        confirm_months(due, year_classrooms, users, last_size, history=history, report=report)

    confirm_until(days[0] - datetime.timedelta(days=1))
    answers = Answers(data, plan, seed)
    refresh = _alerts_refresh()
    index = {d: i for i, d in enumerate(data.days)}
    for n, day in enumerate(days):
        with transaction.atomic():
            refresh(classrooms=classrooms, today=day)
            open_alerts = list(
                AbsenceAlert.objects.filter(
                    classroom_id__in=year_classrooms, acknowledged_at__isnull=True
                ).order_by("student_id", "kind", "level", "pk")
            )
            by_student: dict[int, list] = defaultdict(list)
            for alert in open_alerts:
                by_student[alert.student_id].append(alert)
            for student_id, alerts in by_student.items():
                if student_id not in answers.students:
                    continue
                due = []
                for alert in alerts:
                    delay = answers.delay(alert)
                    opened = index.get(alert.opened_on)
                    if delay is None or opened is None:
                        continue
                    if opened + delay <= index.get(day, opened + delay - 1):
                        due.append(alert)
                if not due:
                    continue
                contact = answers.contact(due[0], day, n)
                answered = [a for a in alerts if a.first_day <= day]
                _answer(answered, contact, users)
                report.contacts += 1
            confirm_until(day)
    confirm_until(story_day + datetime.timedelta(days=366))
    alerts = AbsenceAlert.objects.filter(classroom_id__in=year_classrooms)
    report.alerts += alerts.count()
    report.alerts_acknowledged += alerts.filter(acknowledged_at__isnull=False).count()


def seed_school_attendance(
    school: School,
    *,
    seed: int,
    story_day: datetime.date,
    partial_today: bool,
    history: bool,
    report: AttendanceReport,
    replay_days: int = REPLAY_DAYS,
) -> bool:
    """One school's attendance, in one transaction, unless its current year already has roll
    calls (idempotent). Returns whether anything was written."""
    year = current_year(school)
    if year is None or has_attendance(year):
        return False
    story_day = min(story_day, year.end_date)
    data = load_school(school, year, story_day)
    plan = plan_attendance(data, seed=seed, story_day=story_day, partial_today=partial_today)
    if not plan.roll_calls:
        return False
    user_ids = {taker for *_, taker in plan.roll_calls} | {e[5] for e in plan.conduct}
    user_ids |= {c.confirmed_by for c in plan.confirmations}
    user_ids |= {c.recorded_by for c in plan.contacts} | set(data.leader_ids)
    user_ids |= {u for u, _ in data.homeroom.values()}
    users = User.objects.in_bulk(user_ids - {None})
    with transaction.atomic():
        write_attendance(data, plan, users, history=history)
        replay_last_days(
            data,
            plan,
            users,
            seed=seed,
            story_day=story_day,
            replay_days=replay_days,
            history=history,
            report=report,
        )
    report.roll_calls += len(plan.roll_calls)
    report.absences += len(plan.absences)
    report.student_sessions += plan.student_sessions
    report.conduct_events += len(plan.conduct)
    report.contacts += len(plan.contacts)
    report.schools += 1
    return True
