"""Teacher mentors: the reads. Who mentors whom (leaders), "my mentees" (a teacher), the
mentorships of a GVCN's class, one mentorship with its contact log, and the panels.

Every builder costs a fixed number of queries whatever the number of teachers and mentees: rows
are loaded once and grouped in Python.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from schools.models import Classroom, Role, RoleAssignment, SchoolYear, User
from schools.scoping import scope_for
from students.models import Enrollment, Guardian, Student

from . import scoping_cases as scoping
from .models_cases import MentorContact, Mentorship, RiskCase
from .selectors_cases import optional_url
from .services_mentors import today

MAX_ACTIVE = Mentorship.MAX_ACTIVE

# The case page of the CASES area (looked up, never required).
CASE_DETAIL_URL = "case_detail"


def classes_of(school_year: SchoolYear | int, student_ids) -> dict[int, Classroom]:
    """student id → their class in that school year: the open span's class, else the last one
    they left. One query."""
    ids = list(student_ids)
    if not ids:
        return {}
    found: dict[int, tuple] = {}
    spans = (
        Enrollment.objects.filter(student_id__in=ids, classroom__school_year=school_year)
        .select_related("classroom")
        .order_by("start_date", "pk")
    )
    for span in spans:
        current = found.get(span.student_id)
        if current is None or current[1] is not None or span.end_date is None:
            found[span.student_id] = (span.classroom, span.end_date)
    return {sid: classroom for sid, (classroom, _end) in found.items()}


def _contact_stats(mentorship_ids) -> dict[int, tuple[datetime.date, int]]:
    """mentorship id → (last contact date, number of contacts). One query."""
    ids = list(mentorship_ids)
    if not ids:
        return {}
    rows = (
        MentorContact.objects.filter(mentorship_id__in=ids)
        .order_by()
        .values("mentorship_id")
        .annotate(last=Max("date"), n=Count("pk"))
    )
    return {r["mentorship_id"]: (r["last"], r["n"]) for r in rows}


def active_mentors(student_ids) -> dict[int, User]:
    """student id → their active mentor. One query (none for no student)."""
    ids = list(student_ids)
    if not ids:
        return {}
    return {
        m.student_id: m.teacher
        for m in Mentorship.objects.active().filter(student_id__in=ids).select_related("teacher")
    }


# --- rows -----------------------------------------------------------------------------------------


@dataclass
class MenteeRow:
    mentorship: Mentorship
    classroom: Classroom | None
    last_contact: datetime.date | None
    contacts: int
    today: datetime.date
    can_open: bool = False

    @property
    def student(self) -> Student:
        return self.mentorship.student

    @property
    def days_since(self) -> int:
        """Days since the last contact (since the start when there was none)."""
        since = self.last_contact or self.mentorship.start_date
        return max(0, (self.today - since).days)


@dataclass
class TeacherRow:
    teacher: User
    mentees: list[MenteeRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.mentees)

    @property
    def full(self) -> bool:
        return self.count >= MAX_ACTIVE


@dataclass
class MentorList:
    leader: bool
    teachers: list[TeacherRow]  # leaders: every teacher (filtered)
    mine: list[MenteeRow]  # the user's own active mentees
    class_rows: list[MenteeRow]  # a GVCN: others' mentees in their class
    ended: list[MenteeRow]  # mentorships ended this school year (those the user sees)
    without: int = 0  # teachers without a mentee (unfiltered)
    with_one: int = 0
    full: int = 0
    mentees: int = 0
    can_take_on: bool = False
    can_assign: bool = False


TEACHER_FILTERS = ("all", "none", "room", "full")


def mentor_list(user, *, teachers: str = "all", classroom: Classroom | None = None) -> MentorList:
    """Leaders: every teacher of the school with their active mentees (0, 1 or 2), filtered by
    how many they have and by the mentees' class. A teacher: their mentees. A GVCN: also the
    mentorships of their class's students (read). Plus the mentorships ended this year.

    Queries: the teachers (leaders only), the mentorships, the mentees' classes, the contact
    dates; whatever the number of rows."""
    scope = scope_for(user)
    year = scope.year
    day = today()
    leader = scope.is_leader
    qs = scoping.filter_mentorships(Mentorship.objects.all(), user).filter(
        Q(end_date__isnull=True) | Q(school_year=year)
    )
    mentorships = list(qs.select_related("student", "teacher").order_by("student__sort_key", "pk"))
    classes = classes_of(year, {m.student_id for m in mentorships}) if year else {}
    stats = _contact_stats(m.pk for m in mentorships)

    def row(m: Mentorship) -> MenteeRow:
        last, n = stats.get(m.pk, (None, 0))
        can_open = leader or m.teacher_id == user.pk
        return MenteeRow(m, classes.get(m.student_id), last, n, day, can_open)

    rows = [row(m) for m in mentorships]
    active = [r for r in rows if r.mentorship.end_date is None]
    ended = [r for r in rows if r.mentorship.end_date is not None]
    if classroom is not None:
        active = [r for r in active if r.classroom and r.classroom.pk == classroom.pk]
        ended = [r for r in ended if r.classroom and r.classroom.pk == classroom.pk]
    mine = [r for r in active if r.mentorship.teacher_id == user.pk]
    data = MentorList(
        leader=leader,
        teachers=[],
        mine=mine,
        class_rows=[] if leader else [r for r in active if r.mentorship.teacher_id != user.pk],
        ended=sorted(ended, key=lambda r: r.mentorship.end_date, reverse=True),
        can_assign=scoping.can_assign_mentors(user),
        can_take_on=bool(scope.homeroom_class_ids | scope.taught_class_ids) and not leader,
    )
    if not leader:
        return data
    by_teacher: dict[int, TeacherRow] = {
        t.pk: TeacherRow(t) for t in scoping.mentor_candidates(user)
    }
    all_active = [r for r in rows if r.mentorship.end_date is None]
    for r in all_active:
        teacher = r.mentorship.teacher
        by_teacher.setdefault(teacher.pk, TeacherRow(teacher))
    counts = {pk: 0 for pk in by_teacher}
    for r in all_active:
        counts[r.mentorship.teacher_id] += 1
    data.without = sum(1 for n in counts.values() if n == 0)
    data.with_one = sum(1 for n in counts.values() if n == 1)
    data.full = sum(1 for n in counts.values() if n >= MAX_ACTIVE)
    data.mentees = len(all_active)
    for r in active:
        by_teacher[r.mentorship.teacher_id].mentees.append(r)
    shown = sorted(by_teacher.values(), key=lambda t: (t.teacher.sort_key, t.teacher.pk))
    if classroom is not None:
        shown = [t for t in shown if t.mentees]
    if teachers == "none":
        shown = [t for t in shown if counts[t.teacher.pk] == 0]
    elif teachers == "room":
        shown = [t for t in shown if counts[t.teacher.pk] < MAX_ACTIVE]
    elif teachers == "full":
        shown = [t for t in shown if counts[t.teacher.pk] >= MAX_ACTIVE]
    data.teachers = shown
    return data


# --- choosing a mentor ----------------------------------------------------------------------------


@dataclass
class Candidate:
    teacher: User
    mentees: list[str]

    @property
    def count(self) -> int:
        return len(self.mentees)

    @property
    def full(self) -> bool:
        return self.count >= MAX_ACTIVE


def candidates(user) -> list[Candidate]:
    """The teachers a leader may assign, each with their active mentees' names (full ones
    included, to be shown disabled). Two queries."""
    teachers = list(scoping.mentor_candidates(user))
    names: dict[int, list[str]] = {t.pk: [] for t in teachers}
    for teacher_id, family, given in (
        Mentorship.objects.active()
        .filter(teacher_id__in=list(names))
        .order_by("student__sort_key")
        .values_list("teacher_id", "student__family_name", "student__given_name")
    ):
        names[teacher_id].append(f"{family} {given}")
    return [Candidate(t, names[t.pk]) for t in teachers]


def students_to_take_on(user) -> list[tuple[Classroom, Student]]:
    """Students in a class now that the user may take on or assign a mentor to (leaders: the
    school; a teacher: the classes they teach or lead), by class then in Vietnamese order.
    One query."""
    scope = scope_for(user)
    if not scoping.in_school(scope) or scope.year is None:
        return []
    spans = Enrollment.objects.filter(
        end_date__isnull=True, classroom__school_year=scope.year
    ).select_related("student", "classroom")
    if not scope.is_leader:
        spans = spans.filter(classroom_id__in=scope.homeroom_class_ids | scope.taught_class_ids)
    spans = spans.order_by("classroom__grade", "classroom__name", "student__sort_key")
    return [(s.classroom, s.student) for s in spans]


# --- one mentorship -------------------------------------------------------------------------------


@dataclass
class MenteeDetail:
    mentorship: Mentorship
    classroom: Classroom | None
    gvcn: User | None
    guardian: Guardian | None
    case: RiskCase | None
    case_url: str | None
    weak: list[str]
    contacts: list[MentorContact]
    today: datetime.date

    @property
    def student(self) -> Student:
        return self.mentorship.student

    @property
    def last_contact(self) -> datetime.date | None:
        return self.contacts[0].date if self.contacts else None

    @property
    def days_since(self) -> int:
        since = self.last_contact or self.mentorship.start_date
        return max(0, (self.today - since).days)


def mentee_detail(user, mentorship: Mentorship) -> MenteeDetail:
    """The essentials a mentor needs about their mentee: class, GVCN, the guardian's phone, the
    active case (if the user may read it), the subjects they are weak in, and the contact log.
    Six queries."""
    from tutoring.models import WeakRecord

    student = mentorship.student
    year = mentorship.school_year_id
    classroom = classes_of(year, [student.pk]).get(student.pk)
    gvcn = None
    if classroom is not None:
        assignment = (
            RoleAssignment.objects.filter(role=Role.HOMEROOM, classroom=classroom)
            .select_related("user")
            .first()
        )
        gvcn = assignment.user if assignment else None
    guardian = Guardian.objects.filter(student=student).order_by("-is_primary", "pk").first()
    case = RiskCase.objects.for_user(user).active().filter(student=student).first()
    weak = []
    for record in (
        WeakRecord.objects.filter(student=student, school_year_id=year, resolved_term__isnull=True)
        .exclude(status=WeakRecord.Status.DISMISSED)
        .select_related("subject")
        .order_by("subject__order", "pk")
    ):
        weak.append(record.subject.name if record.subject_id else _("Weak overall"))
    contacts = list(mentorship.contacts.select_related("recorded_by").order_by("-date", "-pk"))
    return MenteeDetail(
        mentorship=mentorship,
        classroom=classroom,
        gvcn=gvcn,
        guardian=guardian,
        case=case,
        case_url=optional_url(CASE_DETAIL_URL, case.pk) if case else None,
        weak=weak,
        contacts=contacts,
        today=today(),
    )


# --- panels ---------------------------------------------------------------------------------------


@dataclass
class HomeMentors:
    mine: list[MenteeRow]
    leader: bool
    teachers: int = 0
    without: int = 0
    mentees: int = 0


def home_mentors(user) -> HomeMentors | None:
    """The home panel: a teacher's mentees with their last contact and the days since; for
    leaders the school's counts (teachers without a mentee, mentees). None when there is
    nothing to show. Leaders: four queries; a teacher: one (three with mentees)."""
    scope = scope_for(user)
    if not scoping.in_school(scope) or scope.year is None:
        return None
    day = today()
    mine_qs = (
        Mentorship.objects.active()
        .filter(teacher=user, student__school_id=scope.school.pk)
        .select_related("student")
        .order_by("student__sort_key")
    )
    mine = list(mine_qs)
    rows = []
    if mine:
        classes = classes_of(scope.year, [m.student_id for m in mine])
        stats = _contact_stats(m.pk for m in mine)
        for m in mine:
            last, n = stats.get(m.pk, (None, 0))
            rows.append(MenteeRow(m, classes.get(m.student_id), last, n, day, True))
    if not scope.is_leader:
        return HomeMentors(mine=rows, leader=False) if rows else None
    teacher_ids = set(scoping.mentor_candidates(user).values_list("pk", flat=True))
    active = list(
        Mentorship.objects.active()
        .filter(student__school_id=scope.school.pk)
        .values_list("teacher_id", flat=True)
    )
    busy = set(active)
    return HomeMentors(
        mine=rows,
        leader=True,
        teachers=len(teacher_ids),
        without=len(teacher_ids - busy),
        mentees=len(active),
    )


@dataclass
class StudentMentor:
    student: Student
    mentorship: Mentorship | None
    can_open: bool
    assign_url: str | None  # "assign a mentor" (leaders) or "take on" (a teacher)
    take_on: bool  # the button says "take on" (the user themselves)
    history: list[Mentorship]


def student_mentor(user, student: Student) -> StudentMentor | None:
    """The student page's panel: the active mentor, the button to take on or assign one, and
    the earlier mentorships. Shown to those who may read the student's support or take them
    on. Three queries."""
    scope = scope_for(user)
    if not scoping.in_school(scope) or student.school_id != scope.school.pk:
        return None
    may_take = scoping.can_take_on(user, student)
    if not (may_take or scoping.can_read_student_support(user, student)):
        return None
    history = list(
        Mentorship.objects.filter(student=student)
        .select_related("teacher")
        .order_by("-start_date", "-pk")
    )
    current = next((m for m in history if m.end_date is None), None)
    leader = scope.is_leader
    can_open = current is not None and (leader or current.teacher_id == user.pk)
    assign_url = None
    take_on = False
    if current is None and may_take:
        if leader:
            assign_url = f"{reverse('mentor_assign')}?student={student.pk}"
        elif Mentorship.objects.active().filter(teacher=user).count() < MAX_ACTIVE:
            assign_url = f"{reverse('mentor_assign')}?student={student.pk}"
            take_on = True
    return StudentMentor(
        student=student,
        mentorship=current,
        can_open=can_open,
        assign_url=assign_url,
        take_on=take_on,
        history=[m for m in history if m.end_date is not None],
    )
