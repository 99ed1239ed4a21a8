"""Reading attendance: the roll sheet of a class-day, the week and month grids, today's overview
of the school and a student's totals. Each builds plain data in a fixed number of queries,
whatever the number of students (the query-count tests pin them)."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from lib.calendar import month_bounds, week_bounds
from schools.models import Classroom, Role, RoleAssignment, SchoolSettings, SchoolYear
from students.models import Enrollment, Student

from .models import Absence, ConductEvent, RollCall
from .services_attendance import PRESENT, Mark

ONE_DAY = datetime.timedelta(days=1)


def _student_order(student: Student) -> tuple:
    return (student.sort_key, student.date_of_birth, student.pk)


# --- the roll sheet -----------------------------------------------------------------------------


@dataclass
class RollRow:
    number: int
    student: Student
    status: str = PRESENT
    reason: str = ""

    @property
    def is_absent(self) -> bool:
        return self.status != PRESENT


@dataclass
class RollSheet:
    """Everyone enrolled in the class on the day, in Vietnamese order, with the stored marks."""

    classroom: Classroom
    day: datetime.date
    session: str
    roll: RollCall | None
    rows: list[RollRow]
    base: dict[int, Mark] = field(default_factory=dict)

    @property
    def taken(self) -> bool:
        return self.roll is not None

    @property
    def version(self) -> int | None:
        return self.roll.version if self.roll else None

    @property
    def saved_at(self) -> datetime.datetime | None:
        return timezone.localtime(self.roll.updated_at) if self.roll else None

    @property
    def excused(self) -> int:
        return sum(1 for r in self.rows if r.status == "P")

    @property
    def unexcused(self) -> int:
        return sum(1 for r in self.rows if r.status == "K")

    @property
    def present(self) -> int:
        return len(self.rows) - self.excused - self.unexcused

    @property
    def base_json(self) -> str:
        """The absences as loaded: the save merges against them (see roll_call_save)."""
        return json.dumps({str(k): list(v) for k, v in sorted(self.base.items())})

    def show_marks(self, marks: dict[int, Mark]) -> None:
        """Show what the user posted (after a refused save nothing they typed is lost)."""
        for row in self.rows:
            if row.student.pk in marks:
                row.status, row.reason = marks[row.student.pk]


def roll_sheet(classroom: Classroom, day: datetime.date, session: str) -> RollSheet:
    """Three queries: the enrolled students, the roll (with who saved it), its absences."""
    spans = (
        Enrollment.objects.active_on(day)
        .filter(classroom=classroom)
        .select_related("student")
        .order_by("student__sort_key", "student__date_of_birth", "student__pk")
    )
    rows = [RollRow(number=i, student=span.student) for i, span in enumerate(spans, start=1)]
    roll = (
        RollCall.objects.filter(classroom=classroom, date=day, session=session)
        .select_related("taken_by")
        .first()
    )
    base: dict[int, Mark] = {}
    if roll is not None:
        base = {
            a.student_id: (a.status, a.reason)
            for a in Absence.objects.filter(roll_call=roll).only("student_id", "status", "reason")
        }
        for row in rows:
            row.status, row.reason = base.get(row.student.pk, (PRESENT, ""))
    return RollSheet(classroom, day, session, roll, rows, base)


def nearby_school_days(
    year: SchoolYear, day: datetime.date, today: datetime.date
) -> tuple[datetime.date | None, datetime.date | None]:
    """The school day before ``day`` and the one after it (never after today), one query."""
    anchor = min(max(day, year.start_date), year.end_date)  # no arithmetic near year 1 or 9999
    days = year.school_days(anchor - 21 * ONE_DAY, min(anchor + 21 * ONE_DAY, today))
    before = [d for d in days if d < day]
    after = [d for d in days if d > day]
    return (before[-1] if before else None), (after[0] if after else None)


def latest_school_day(year: SchoolYear, today: datetime.date) -> datetime.date | None:
    days = year.school_days(today - datetime.timedelta(days=21), today)
    return days[-1] if days else None


# --- week and month grids -----------------------------------------------------------------------


@dataclass
class SessionMark:
    """One session of one student-day: ``P``, ``K``, ``ok`` (present), ``none`` (not recorded)."""

    session: str
    value: str
    reason: str = ""


@dataclass
class Cell:
    day: datetime.date
    kind: str  # "day", "off" (no school), "out" (not in the class that day), "future"
    marks: list[SessionMark] = field(default_factory=list)
    events: list[ConductEvent] = field(default_factory=list)


@dataclass
class GridRow:
    number: int
    student: Student
    cells: list[Cell]
    excused: int = 0
    unexcused: int = 0
    late: int = 0
    skipped: int = 0

    @property
    def absent(self) -> int:
        return self.excused + self.unexcused


@dataclass
class DayColumn:
    day: datetime.date
    school_day: bool
    label: str = ""  # a holiday's name
    future: bool = False
    recorded: list[tuple[str, bool]] = field(default_factory=list)  # (session, roll taken)
    excused: int = 0
    unexcused: int = 0

    @property
    def missing(self) -> bool:
        return self.school_day and not self.future and not all(t for _, t in self.recorded)


@dataclass
class Grid:
    classroom: Classroom
    start: datetime.date
    end: datetime.date
    sessions: list[str]
    columns: list[DayColumn]
    rows: list[GridRow]
    holidays: list = field(default_factory=list)

    @property
    def sessions_recorded(self) -> int:
        return sum(1 for c in self.columns for _, taken in c.recorded if taken)

    @property
    def sessions_expected(self) -> int:
        return sum(len(c.recorded) for c in self.columns if c.school_day and not c.future)

    @property
    def excused(self) -> int:
        return sum(r.excused for r in self.rows)

    @property
    def unexcused(self) -> int:
        return sum(r.unexcused for r in self.rows)


def _grid(
    classroom: Classroom,
    days: list[datetime.date],
    today: datetime.date,
    settings: SchoolSettings,
) -> Grid:
    """Students of the class during ``days`` × those days. Six queries: teaching days, holidays,
    enrollment spans with students, rolls, absences, lateness and skipped periods."""
    year = classroom.school_year
    start, end = days[0], days[-1]
    teaching = set(year.school_days(start, end)) if year.start_date <= end else set()
    holidays = list(year.holidays.filter(start_date__lte=end, end_date__gte=start))
    sessions = settings.taught_sessions

    spans_by_student: dict[int, list[Enrollment]] = defaultdict(list)
    students: dict[int, Student] = {}
    for span in (
        Enrollment.objects.filter(classroom=classroom, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
        .select_related("student")
    ):
        spans_by_student[span.student_id].append(span)
        students[span.student_id] = span.student

    rolls = {
        (r.date, r.session)
        for r in RollCall.objects.filter(classroom=classroom, date__range=(start, end)).only(
            "date", "session"
        )
    }
    absences = {
        (a.student_id, a.date, a.session): a
        for a in Absence.objects.filter(
            roll_call__classroom=classroom, date__range=(start, end)
        ).only("student_id", "date", "session", "status", "reason")
    }
    events: dict[tuple[int, datetime.date], list[ConductEvent]] = defaultdict(list)
    for event in ConductEvent.objects.filter(
        student_id__in=list(students), date__range=(start, end)
    ).order_by("date", "pk"):
        events[(event.student_id, event.date)].append(event)

    columns = []
    for day in days:
        label = next((h.name for h in holidays if h.start_date <= day <= h.end_date), "")
        column = DayColumn(day=day, school_day=day in teaching, label=label, future=day > today)
        column.recorded = [(s, (day, s) in rolls) for s in sessions]
        columns.append(column)

    rows = []
    for student in sorted(students.values(), key=_student_order):
        spans = spans_by_student[student.pk]
        row = GridRow(number=len(rows) + 1, student=student, cells=[])
        for column in columns:
            day = column.day
            enrolled = any(
                s.start_date <= day and (s.end_date is None or s.end_date > day) for s in spans
            )
            if not column.school_day:
                cell = Cell(day, "off")
            elif not enrolled:
                cell = Cell(day, "out")
            elif column.future:
                cell = Cell(day, "future")
            else:
                cell = Cell(day, "day")
                for session in sessions:
                    absence = absences.get((student.pk, day, session))
                    if absence is not None:
                        cell.marks.append(SessionMark(session, absence.status, absence.reason))
                        if absence.status == "P":
                            row.excused += 1
                            column.excused += 1
                        else:
                            row.unexcused += 1
                            column.unexcused += 1
                    else:
                        taken = (day, session) in rolls
                        cell.marks.append(SessionMark(session, "ok" if taken else "none"))
            if enrolled:
                cell.events = events.get((student.pk, day), [])
                for event in cell.events:
                    if event.kind == ConductEvent.Kind.LATE:
                        row.late += 1
                    else:
                        row.skipped += 1
            row.cells.append(cell)
        rows.append(row)
    return Grid(classroom, start, end, sessions, columns, rows, holidays)


def class_week(
    classroom: Classroom, day: datetime.date, today: datetime.date, settings: SchoolSettings
) -> Grid:
    """Monday to Saturday of ``day``'s week (to Friday when the school has no Saturday classes)."""
    monday, _sunday = week_bounds(day)
    length = 6 if classroom.school_year.saturday_classes else 5
    days = [monday + i * ONE_DAY for i in range(length)]
    return _grid(classroom, days, today, settings)


def class_month(
    classroom: Classroom,
    year: int,
    month: int,
    today: datetime.date,
    settings: SchoolSettings,
) -> Grid:
    """The teaching days of a month (holidays listed apart), with totals per student and day."""
    first, last = month_bounds(year, month)
    school_year = classroom.school_year
    teaching = school_year.school_days(first, last) if school_year.start_date <= last else []
    grid = _grid(classroom, teaching or [first], today, settings)
    if not teaching:
        grid.columns, grid.rows = [], []
    grid.start, grid.end = first, last
    return grid


# --- the school's day ---------------------------------------------------------------------------


@dataclass
class SessionStatus:
    session: str
    roll: RollCall | None
    excused: int = 0
    unexcused: int = 0

    @property
    def taken(self) -> bool:
        return self.roll is not None


@dataclass
class ClassDay:
    classroom: Classroom
    homeroom: object
    sessions: list[SessionStatus]

    @property
    def taken(self) -> bool:
        return all(s.taken for s in self.sessions)


@dataclass
class GradeBlock:
    grade: int
    classes: list[ClassDay] = field(default_factory=list)
    mine: bool = False


def attendance_overview(
    classrooms, day: datetime.date, settings: SchoolSettings, *, first_grades=()
) -> list[GradeBlock]:
    """Every class with its roll status for the day, by grade block (``first_grades`` — a
    vice-principal's — first). Three queries: classes, rolls with absence counts, homerooms."""
    classrooms = list(classrooms)
    ids = [c.pk for c in classrooms]
    rolls = {
        (r.classroom_id, r.session): r
        for r in RollCall.objects.filter(classroom_id__in=ids, date=day)
        .select_related("taken_by")
        .annotate(
            n_excused=Count("absences", filter=Q(absences__status="P")),
            n_unexcused=Count("absences", filter=Q(absences__status="K")),
        )
    }
    homerooms = {
        a.classroom_id: a.user
        for a in RoleAssignment.objects.filter(
            role=Role.HOMEROOM, classroom_id__in=ids
        ).select_related("user")
    }
    blocks: dict[int, GradeBlock] = {}
    for c in sorted(classrooms, key=lambda c: (c.grade, c.name)):
        block = blocks.setdefault(c.grade, GradeBlock(grade=c.grade, mine=c.grade in first_grades))
        statuses = []
        for session in settings.taught_sessions:
            roll = rolls.get((c.pk, session))
            status = SessionStatus(session, roll)
            if roll is not None:
                status.excused, status.unexcused = roll.n_excused, roll.n_unexcused
            statuses.append(status)
        block.classes.append(ClassDay(c, homerooms.get(c.pk), statuses))
    return sorted(blocks.values(), key=lambda b: (not b.mine, b.grade))


# --- a student's page ---------------------------------------------------------------------------


@dataclass
class StudentAttendance:
    year: SchoolYear
    semester: int
    limit: int
    official_session: str
    year_excused: int = 0
    year_unexcused: int = 0
    semester_excused: int = 0
    semester_unexcused: int = 0
    official: int = 0  # sessions toward the yearly limit (TT22 Điều 12: the 1-session plan)
    late: int = 0
    skipped: int = 0
    recent: list = field(default_factory=list)
    events: list = field(default_factory=list)

    @property
    def year_total(self) -> int:
        return self.year_excused + self.year_unexcused

    @property
    def semester_total(self) -> int:
        return self.semester_excused + self.semester_unexcused

    @property
    def over_limit(self) -> bool:
        return self.official > self.limit

    @property
    def limit_percent(self) -> int:
        return min(100, round(100 * self.official / self.limit)) if self.limit else 0


def _semester_bounds(
    year: SchoolYear, today: datetime.date
) -> tuple[int, datetime.date, datetime.date]:
    if today >= year.semester2_start:
        return 2, year.semester2_start, year.end_date
    return 1, year.start_date, year.semester1_end


def student_attendance(
    student: Student, year: SchoolYear, settings: SchoolSettings, today: datetime.date, *, recent=8
) -> StudentAttendance:
    """Two queries: the student's absences of the year and their lateness records of the year
    (a few dozen rows at most), counted here rather than in one query per figure."""
    semester, sem_start, sem_end = _semester_bounds(year, today)
    summary = StudentAttendance(
        year=year,
        semester=semester,
        limit=settings.session_limit,
        official_session=settings.official_session,
    )
    absences = list(
        Absence.objects.filter(student=student, date__range=(year.start_date, year.end_date))
        .only("date", "session", "status", "reason")
        .order_by("-date", "-session")
    )
    for a in absences:
        excused = a.status == "P"
        summary.year_excused += excused
        summary.year_unexcused += not excused
        if sem_start <= a.date <= sem_end:
            summary.semester_excused += excused
            summary.semester_unexcused += not excused
        summary.official += a.session == settings.official_session
    summary.recent = absences[:recent]
    events = list(
        ConductEvent.objects.filter(
            student=student, date__range=(year.start_date, year.end_date)
        ).order_by("-date", "-pk")
    )
    summary.late = sum(1 for e in events if e.kind == ConductEvent.Kind.LATE)
    summary.skipped = len(events) - summary.late
    summary.events = events[:recent]
    return summary


def recent_conduct_events(classrooms, *, since: datetime.date, limit: int = 30) -> list:
    """Lateness and skipped periods recorded lately for students now in these classes."""
    student_ids = Enrollment.objects.active_on(None).filter(classroom__in=classrooms)
    return list(
        ConductEvent.objects.filter(
            date__gte=since, student_id__in=student_ids.values("student_id")
        )
        .select_related("student", "recorded_by")
        .order_by("-date", "-pk")[:limit]
    )
