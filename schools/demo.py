"""The demo district behind ``manage.py seed_demo``: plain functions, in two halves.

* **Plan** (pure, no queries): ``plan_school(index, options)`` draws one school from its own
  random generator, seeded with ``(seed, index)``, so a school is the same on every run whatever
  else is generated, and a test can compare two plans without a database.
* **Write**: ``seed_district(options)`` creates the offices once, then each missing school in one
  transaction with bulk inserts. A school whose code exists is skipped, so a second run changes
  nothing, and a later run with more ``--schools`` only adds the new ones.

History: rows are inserted with ``simple_history.utils.bulk_create_with_history`` so every demo
record has its "created" entry, like data typed in through the services
(``history=False`` skips them, for the fastest load).

Movements (transfers, class moves, dropouts, returns) are written as enrollment spans with the
semantics of ``students.services.enrollment_record_movement``: start inclusive, end exclusive, a
class move closes one span with CLASS_CHANGE and opens the next on the same date.

Attendance (``schools.demo_attendance``): after the schools, every demo school whose current year
has no roll call yet gets its attendance up to the story's "today" (``DemoOptions.today``, the
real date by default) or a full roll through ``attendance_until`` (the benchmark's full year).

Results and tutoring (``tutoring.demo``): then every demo school without results gets last year's
classes, results and tutoring, and this year's survey, weak register, plans and groups.

Dropout risk (``retention.demo_risk``): last, every demo school without any gets partners, risk
cases with home visits and signed minutes, sponsors and support, and teacher mentors.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from lib import demo_names as N
from lib.vietnamese import name_sort_key, split_full_name, unaccent
from students.models import Enrollment, Guardian, Student

from .demo_attendance import REPLAY_DAYS, AttendanceReport, seed_school_attendance
from .models import (
    Classroom,
    Holiday,
    Office,
    Role,
    RoleAssignment,
    School,
    SchoolSettings,
    SchoolYear,
    Subject,
    SubjectGroup,
    User,
)

D = datetime.date
DEMO_PASSWORD = "demo1234"
DEFAULT_SEED = 2024  # chosen so the default demo has ~49 % girls and ~8 % poor households
SO_CODE = "SO-DEMO"
OFFICE_CODE = "PGD-DEMO"
PROVINCE = "Cần Thơ"
HISTORY_REASON = "seed_demo"
# Điều lệ trường trung học: at most 45 students per class at THCS.
MAX_CLASS_SIZE = 45
# Movements happen after the headcount date and before "today" (23/11/2026) in the demo story.
MOVEMENTS_FROM = D(2026, 9, 14)
MOVEMENTS_UNTIL = D(2026, 11, 20)
BATCH = 2000


# --- Calendar ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class YearFrame:
    start_year: int
    start_date: datetime.date
    semester1_end: datetime.date
    semester2_start: datetime.date
    end_date: datetime.date
    snapshot: datetime.date
    is_current: bool
    holidays: tuple[tuple[str, datetime.date, datetime.date], ...]
    # Schools with many Khmer students also close for the Khmer New Year (province decision).
    khmer_holidays: tuple[tuple[str, datetime.date, datetime.date], ...] = ()


CURRENT_YEAR = YearFrame(
    start_year=2026,
    start_date=D(2026, 9, 5),
    semester1_end=D(2027, 1, 16),
    semester2_start=D(2027, 1, 18),
    end_date=D(2027, 5, 29),
    snapshot=D(2026, 9, 5),
    is_current=True,
    holidays=(
        ("Tết Dương lịch", D(2027, 1, 1), D(2027, 1, 1)),
        ("Tết Nguyên đán Đinh Mùi", D(2027, 2, 4), D(2027, 2, 14)),
        ("Giỗ Tổ Hùng Vương (10/3 âm lịch)", D(2027, 4, 16), D(2027, 4, 16)),
        ("Ngày Giải phóng miền Nam và Quốc tế Lao động", D(2027, 4, 30), D(2027, 5, 1)),
    ),
    khmer_holidays=(("Tết Chôl Chnăm Thmây của đồng bào Khmer", D(2027, 4, 14), D(2027, 4, 15)),),
)
# 2025-2026: QĐ 2269/QĐ-BGDĐT (REGULATIONS §7): opening 05/09, HK I ends before 18/01,
# HK II from 19/01, year ends before 31/05.
PREVIOUS_YEAR = YearFrame(
    start_year=2025,
    start_date=D(2025, 9, 5),
    semester1_end=D(2026, 1, 17),
    semester2_start=D(2026, 1, 19),
    end_date=D(2026, 5, 30),
    snapshot=D(2025, 9, 5),
    is_current=False,
    holidays=(
        ("Tết Dương lịch", D(2026, 1, 1), D(2026, 1, 1)),
        ("Tết Nguyên đán Bính Ngọ", D(2026, 2, 14), D(2026, 2, 22)),
        ("Giỗ Tổ Hùng Vương (nghỉ bù thứ Hai)", D(2026, 4, 26), D(2026, 4, 27)),
        ("Ngày Giải phóng miền Nam và Quốc tế Lao động", D(2026, 4, 30), D(2026, 5, 1)),
    ),
    khmer_holidays=(("Tết Chôl Chnăm Thmây của đồng bào Khmer", D(2026, 4, 14), D(2026, 4, 16)),),
)


# --- Schools ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SchoolTemplate:
    name: str
    kind: str
    commune: str
    classes: tuple[int, int, int, int]  # per grade 6, 7, 8, 9
    sizes: tuple[int, int]  # students per class at the start of the year
    ethnic: tuple[tuple[str, int], ...]
    address: str = ""
    sessions: str = SchoolSettings.Sessions.MORNING  # boarding schools teach two sessions a day
    saturday_classes: bool = True


TEMPLATES = [
    SchoolTemplate(
        "Trường THCS Long Phú",
        School.Kind.THCS,
        "xã Long Phú",
        (6, 5, 5, 4),
        (38, 44),
        ((N.KINH, 78), (N.KHMER, 15), (N.HOA, 7)),
        "Số 12, đường 30 Tháng 4, ấp Nội Ô",
    ),
    SchoolTemplate(
        "Trường PTDTNT THCS Long Phú",
        School.Kind.BOARDING,
        "xã Long Phú",
        (3, 3, 2, 2),
        (30, 35),
        ((N.KHMER, 95), (N.HOA, 3), (N.KINH, 2)),
        "ấp Phú Đức",
        sessions=SchoolSettings.Sessions.BOTH,
    ),
    SchoolTemplate(
        "Trường THCS Đại Ngãi",
        School.Kind.THCS,
        "xã Đại Ngãi",
        (4, 4, 3, 3),
        (34, 42),
        ((N.KINH, 72), (N.KHMER, 16), (N.HOA, 12)),
        "ấp Ngãi Hội 1",
        saturday_classes=False,  # a five-day week
    ),
    SchoolTemplate(
        "Trường THCS Trường Khánh",
        School.Kind.THCS,
        "xã Trường Khánh",
        (3, 3, 3, 2),
        (32, 40),
        ((N.KHMER, 50), (N.KINH, 46), (N.HOA, 4)),
        "ấp Trường Lộc",
    ),
    SchoolTemplate(
        "Trường THCS Tân Thạnh",
        School.Kind.THCS,
        "xã Tân Thạnh",
        (2, 2, 2, 2),
        (30, 38),
        ((N.KINH, 70), (N.KHMER, 27), (N.HOA, 3)),
        "ấp Tân Qui A",
    ),
]
ETHNIC_PROFILES = [t.ethnic for t in TEMPLATES if t.kind == School.Kind.THCS]


def school_code(index: int) -> str:
    """Codes like SMAS: province/district prefix + number ("94601"); students add 5 digits."""
    return f"946{index + 1:02d}"


def template_for(index: int, rng: random.Random) -> SchoolTemplate:
    if index < len(TEMPLATES):
        return TEMPLATES[index]
    communes = list(N.COMMUNES)
    commune = communes[index % len(communes)]
    hamlet = N.COMMUNES[commune][0]
    return SchoolTemplate(
        name=f"Trường THCS số {index + 1} {commune.removeprefix('xã ')}",
        kind=School.Kind.THCS,
        commune=commune,
        classes=tuple(rng.randint(2, 6) for _ in range(4)),
        sizes=(30, 44),
        ethnic=rng.choice(ETHNIC_PROFILES),
        address=f"ấp {hamlet}",
    )


# --- Options and plans ------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoOptions:
    schools: int = len(TEMPLATES)
    classes_per_grade: int | None = None  # None: each school's own (2–6 per grade)
    students_per_class: int | None = None  # None: 30–45 drawn per class
    seed: int = DEFAULT_SEED
    history: bool = True
    attendance: bool = True
    # Last year's classes and results, this year's survey, the weak register, tutoring plans,
    # groups and sessions, peer pairs, counselling (``tutoring.demo``).
    tutoring: bool = True
    # Risk cases, home visits with signed minutes, partners, sponsors and support, teacher
    # mentors (``retention.demo_risk``).
    risk: bool = True
    # The story's "today": attendance runs up to it (default: the real date, never past the
    # year's end); some classes have not taken today's roll yet.
    today: datetime.date | None = None
    # Instead: every roll taken through this date (a full year for the benchmark).
    attendance_until: datetime.date | None = None

    def story_day(self) -> tuple[datetime.date, bool]:
        """(the last day with roll calls, whether that day's roll is still being taken)."""
        if self.attendance_until is not None:
            return self.attendance_until, False
        return self.today or timezone.localdate(), True


@dataclass
class GuardianPlan:
    full_name: str
    relation: str
    phone: str
    occupation: str
    is_primary: bool


@dataclass
class SpanPlan:
    class_name: str
    start_date: datetime.date
    start_kind: str
    start_note: str = ""
    end_date: datetime.date | None = None
    end_kind: str = ""
    end_note: str = ""
    dropout_causes: str = ""


@dataclass
class StudentPlan:
    code: str
    family_name: str
    given_name: str
    date_of_birth: datetime.date
    gender: str
    ethnicity: str
    grade: int
    hamlet: str
    commune: str
    address: str
    household: str
    orphan: str
    disability: bool
    distance_km: Decimal
    lives_away_from_parents: bool
    notes: str
    guardians: list[GuardianPlan]
    spans: list[SpanPlan]

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"


@dataclass
class RolePlan:
    role: str
    class_name: str | None = None
    subject_code: str | None = None
    group_name: str | None = None
    grade_blocks: str = ""


@dataclass
class StaffPlan:
    full_name: str
    phone: str
    username: str | None = None
    subject: str | None = None  # main subject, for teachers
    classes: list[str] = field(default_factory=list)
    roles: list[RolePlan] = field(default_factory=list)


@dataclass
class ClassPlan:
    name: str
    grade: int
    size: int


@dataclass
class SchoolPlan:
    index: int
    code: str
    name: str
    kind: str
    commune: str
    address: str
    classes: list[ClassPlan]
    groups: list[tuple[str, list[str]]]
    staff: list[StaffPlan]
    students: list[StudentPlan]
    khmer_holidays: bool
    sessions: str = SchoolSettings.Sessions.MORNING
    saturday_classes: bool = True


# --- Names ------------------------------------------------------------------------------------
def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


class Namer:
    """Vietnamese, Khmer and Hoa names with full diacritics, drawn from one generator."""

    def __init__(self, rng: random.Random, ethnic: tuple[tuple[str, int], ...]):
        self.rng = rng
        self.ethnic = ethnic

    def ethnicity(self) -> str:
        return _weighted(self.rng, self.ethnic)

    def family(self, ethnicity: str) -> str:
        pairs = {N.KHMER: N.KHMER_FAMILY, N.HOA: N.HOA_FAMILY}.get(ethnicity, N.KINH_FAMILY)
        return _weighted(self.rng, pairs)

    def child(self, girl: bool, ethnicity: str) -> tuple[str, str]:
        """(family and middle name, given name) of a child born 2011–2015."""
        rng = self.rng
        family = self.family(ethnicity)
        if ethnicity == N.KHMER and rng.random() < 0.6:
            # Khmer names: "Thạch Thị Sa Rây", "Danh Sơn", "Sơn Văn Tha".
            if girl:
                return f"{family} Thị", rng.choice(N.KHMER_GIRL_GIVEN)
            middle = " Văn" if rng.random() < 0.4 else ""
            return f"{family}{middle}", rng.choice(N.KHMER_BOY_GIVEN)
        middle = _weighted(rng, N.GIRL_MIDDLE if girl else N.BOY_MIDDLE)
        if ethnicity == N.HOA and middle in ("Thị", "Văn"):
            middle = _weighted(rng, N.GIRL_MIDDLE if girl else N.BOY_MIDDLE)
        given = rng.choice(N.GIRL_GIVEN if girl else N.BOY_GIVEN)
        while given in middle.split() or given == family:  # no "Ngọc Ngọc", "Danh … Danh"
            given = rng.choice(N.GIRL_GIVEN if girl else N.BOY_GIVEN)
        return f"{family} {middle}", given

    def adult(self, woman: bool, ethnicity: str | None = None, family: str | None = None) -> str:
        rng = self.rng
        ethnicity = ethnicity or self.ethnicity()
        family = family or self.family(ethnicity)
        if ethnicity == N.KHMER and rng.random() < 0.65:
            if woman:
                return f"{family} Thị {rng.choice(N.KHMER_GIRL_GIVEN)}"
            return f"{family} {rng.choice(N.KHMER_BOY_GIVEN)}"
        middle = _weighted(rng, N.WOMAN_MIDDLE if woman else N.MAN_MIDDLE)
        return f"{family} {middle} {rng.choice(N.WOMAN_GIVEN if woman else N.MAN_GIVEN)}"

    def phone(self) -> str:
        return self.rng.choice(N.PHONE_PREFIXES) + f"{self.rng.randrange(10**7):07d}"


def _weekday_between(rng: random.Random, first: datetime.date, last: datetime.date):
    while True:
        day = first + datetime.timedelta(days=rng.randrange((last - first).days + 1))
        if day.weekday() < 5:
            return day


# --- Planning one school ----------------------------------------------------------------------
def plan_school(index: int, options: DemoOptions) -> SchoolPlan:
    """Everything about school number ``index`` (0-based), drawn from its own seeded generator."""
    rng = random.Random(f"dong-hanh-demo:{options.seed}:{index}")  # noqa: S311 - demo data
    tpl = template_for(index, rng)
    code = school_code(index)
    boarding = tpl.kind == School.Kind.BOARDING
    per_grade = (
        (options.classes_per_grade,) * 4 if options.classes_per_grade else tuple(tpl.classes)
    )
    classes = [
        ClassPlan(
            name=f"{grade}A{k}",
            grade=grade,
            size=options.students_per_class or rng.randint(*tpl.sizes),
        )
        for grade, count in zip((6, 7, 8, 9), per_grade, strict=True)
        for k in range(1, count + 1)
    ]
    namer = Namer(rng, tpl.ethnic)
    students = _plan_students(rng, namer, code, tpl, classes, boarding)
    _plan_movements(rng, namer, code, tpl, classes, students, boarding, first=index == 0)
    groups = _plan_groups(len(classes), boarding)
    staff_namer = Namer(
        rng,
        ((N.KHMER, 50), (N.KINH, 45), (N.HOA, 5))
        if boarding
        else ((N.KINH, 82), (N.KHMER, 12), (N.HOA, 6)),
    )
    staff = _plan_staff(rng, staff_namer, index, code, classes, groups, boarding)
    khmer_share = sum(w for e, w in tpl.ethnic if e == N.KHMER) / sum(w for _, w in tpl.ethnic)
    return SchoolPlan(
        index=index,
        code=code,
        name=tpl.name,
        kind=tpl.kind,
        commune=tpl.commune,
        address=f"{tpl.address}, {tpl.commune}, {PROVINCE}",
        classes=classes,
        groups=groups,
        staff=staff,
        students=students,
        khmer_holidays=khmer_share >= 0.25,
        sessions=tpl.sessions,
        saturday_classes=tpl.saturday_classes,
    )


def _plan_students(rng, namer, code, tpl, classes, boarding) -> list[StudentPlan]:
    out = []
    for cls in classes:
        for _ in range(cls.size):
            out.append(
                _plan_student(
                    rng,
                    namer,
                    f"{code}{len(out) + 1:05d}",
                    tpl,
                    cls,
                    boarding,
                    SpanPlan(cls.name, CURRENT_YEAR.start_date, Enrollment.StartKind.START_OF_YEAR),
                )
            )
    return out


def _plan_student(rng, namer, code, tpl, cls, boarding, span) -> StudentPlan:
    girl = rng.random() < 0.49
    ethnicity = namer.ethnicity()
    family, given = namer.child(girl, ethnicity)
    # Grade 6 of 2026-2027 was born in 2015, grade 9 in 2012; a few are a year older.
    birth_year = 2021 - cls.grade - (1 if rng.random() < (0.09 if boarding else 0.04) else 0)
    dob = D(birth_year, 1, 1) + datetime.timedelta(days=rng.randrange(365))

    if boarding or rng.random() < 0.15:
        commune = rng.choice(list(N.COMMUNES))
    else:
        commune = tpl.commune
    hamlet = rng.choice(N.COMMUNES[commune])
    if hamlet in ("Nội Ô", "Chợ"):
        address = f"Số {rng.randint(1, 250)}, {rng.choice(N.STREETS)}"
    else:
        address = f"Tổ {rng.randint(1, 12)}" if rng.random() < 0.5 else ""

    khmer = ethnicity == N.KHMER
    factor = 1.6 if khmer else 1.0
    roll = rng.random()
    poor_rate, near_rate = (0.15, 0.10) if boarding else (0.055 * factor, 0.06 * factor)
    if roll < poor_rate:
        household = Student.Household.POOR
    elif roll < poor_rate + near_rate:
        household = Student.Household.NEAR_POOR
    else:
        household = Student.Household.NONE
    orphan = Student.Orphan.NONE
    if rng.random() < 0.02:
        orphan = Student.Orphan.BOTH_PARENTS if rng.random() < 0.15 else Student.Orphan.ONE_PARENT
    disability = rng.random() < 0.01
    if boarding:
        distance = rng.triangular(3.0, 25.0, 11.0)
    else:
        distance = min(15.0, max(0.3, rng.lognormvariate(0.6, 0.8)))
    lives_away = orphan == Student.Orphan.BOTH_PARENTS or rng.random() < (
        0.10 if boarding else 0.06
    )

    notes = []
    away_place = rng.choice(N.AWAY_PLACES)
    if lives_away and orphan != Student.Orphan.BOTH_PARENTS:
        notes.append(rng.choice(N.LIVES_AWAY_NOTES).format(place=away_place))
    if disability:
        notes.append(rng.choice(N.DISABILITY_NOTES))

    guardians = _plan_guardians(rng, namer, family, ethnicity, orphan, lives_away, away_place)
    return StudentPlan(
        code=code,
        family_name=family,
        given_name=given,
        date_of_birth=dob,
        gender=Student.Gender.FEMALE if girl else Student.Gender.MALE,
        ethnicity=ethnicity,
        grade=cls.grade,
        hamlet=f"ấp {hamlet}",
        commune=commune,
        address=address,
        household=household,
        orphan=orphan,
        disability=disability,
        distance_km=Decimal(f"{distance:.1f}"),
        lives_away_from_parents=lives_away,
        notes=". ".join(notes),
        guardians=guardians,
        spans=[span],
    )


def _plan_guardians(rng, namer, family, ethnicity, orphan, lives_away, away_place):
    surname = family.split(" ")[0]
    R = Guardian.Relation

    def person(relation, woman, *, surname_of_child=False, occupation=None):
        name = namer.adult(woman, ethnicity, surname if surname_of_child else None)
        return GuardianPlan(
            full_name=name,
            relation=relation,
            phone=namer.phone() if rng.random() < 0.95 else "",
            occupation=occupation
            or _weighted(rng, N.WOMEN_OCCUPATIONS if woman else N.MEN_OCCUPATIONS),
            is_primary=False,
        )

    if orphan == Student.Orphan.BOTH_PARENTS:
        out = [person(R.GRANDMOTHER, True)]
        if rng.random() < 0.5:
            out.append(person(R.GRANDFATHER, False, surname_of_child=True))
    elif lives_away:
        grandparent = rng.choice([R.GRANDMOTHER, R.GRANDMOTHER, R.GRANDFATHER])
        out = [person(grandparent, grandparent == R.GRANDMOTHER)]
        out.append(person(R.MOTHER, True, occupation=f"Công nhân ở {away_place}"))
    elif orphan == Student.Orphan.ONE_PARENT:
        mother = rng.random() < 0.6
        out = [person(R.MOTHER if mother else R.FATHER, mother, surname_of_child=not mother)]
    else:
        roll = rng.random()
        father = person(R.FATHER, False, surname_of_child=True)
        mother = person(R.MOTHER, True)
        if roll < 0.65:
            out = [mother, father] if rng.random() < 0.6 else [father, mother]
        elif roll < 0.9:
            out = [mother]
        else:
            out = [father]
    out[0].is_primary = True
    return out


def _plan_movements(rng, namer, code, tpl, classes, students, boarding, *, first):
    """A few mid-year movements: ~1 % out, ~1 % in, two class moves, 1–3 dropouts, a return."""
    sizes = {c.name: c.size for c in classes}
    by_grade: dict[int, list[str]] = {}
    for c in classes:
        by_grade.setdefault(c.grade, []).append(c.name)
    chosen: set[int] = set()
    total = len(students)

    def pick(weight=lambda s: 1.0, grades=(6, 7, 8, 9)) -> int | None:
        pool = [
            i for i, s in enumerate(students) if i not in chosen and s.grade in grades and weight(s)
        ]
        if not pool:
            return None
        i = rng.choices(pool, weights=[weight(students[i]) for i in pool])[0]
        chosen.add(i)
        return i

    def room(name: str) -> bool:
        return sizes[name] < MAX_CLASS_SIZE

    # Transferred out (chuyển đi).
    for _ in range(max(1, round(total * 0.01))):
        i = pick()
        if i is None:
            break
        span = students[i].spans[0]
        span.end_date = _weekday_between(rng, MOVEMENTS_FROM, MOVEMENTS_UNTIL)
        span.end_kind = Enrollment.EndKind.TRANSFER_OUT
        span.end_note = rng.choice(N.TRANSFER_OUT_NOTES).format(place=rng.choice(N.AWAY_PLACES))
        sizes[span.class_name] -= 1

    # Class moves (chuyển lớp) inside a grade with two classes or more.
    multi = [g for g, names in by_grade.items() if len(names) > 1]
    for _ in range(2 if multi else 0):
        grade = rng.choice(multi)
        i = pick(grades=(grade,))
        if i is None:
            continue
        span = students[i].spans[0]
        targets = [n for n in by_grade[grade] if n != span.class_name and room(n)]
        if not targets:
            chosen.discard(i)
            continue
        day = _weekday_between(rng, MOVEMENTS_FROM, MOVEMENTS_UNTIL)
        note = rng.choice(N.CLASS_CHANGE_NOTES)
        span.end_date, span.end_kind, span.end_note = day, Enrollment.EndKind.CLASS_CHANGE, note
        target = rng.choice(targets)
        students[i].spans.append(SpanPlan(target, day, Enrollment.StartKind.CLASS_CHANGE, note))
        sizes[span.class_name] -= 1
        sizes[target] += 1

    # Dropouts (bỏ học), likelier among poor families and children left with grandparents.
    def risk(s: StudentPlan) -> float:
        weight = 1.0
        if s.household:
            weight += 3
        if s.lives_away_from_parents:
            weight += 3
        return weight

    dropouts = 3 if first else rng.randint(1, 3)
    dropped = []
    for _ in range(dropouts):
        i = pick(risk, grades=(7, 8, 9))
        if i is None:
            break
        s = students[i]
        if s.household:
            causes, note = rng.choice(N.DROPOUT_REASONS_POOR)
        elif s.lives_away_from_parents:
            causes, note = rng.choice(N.DROPOUT_REASONS_AWAY)
        else:
            causes, note = rng.choice(N.DROPOUT_REASONS_OTHER)
        span = s.spans[0]
        span.end_date = _weekday_between(rng, MOVEMENTS_FROM, D(2026, 10, 23))
        span.end_kind = Enrollment.EndKind.DROPPED_OUT
        span.end_note = note
        span.dropout_causes = causes
        sizes[span.class_name] -= 1
        dropped.append(s)

    # One of them came back after the home visits (trở lại học), same class.
    if len(dropped) >= 2:
        s = dropped[0]
        left = s.spans[-1]
        day = left.end_date + datetime.timedelta(days=rng.randint(14, 28))
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        s.spans.append(
            SpanPlan(
                left.class_name,
                min(day, MOVEMENTS_UNTIL),
                Enrollment.StartKind.RETURNED,
                rng.choice(N.RETURNED_NOTES),
            )
        )
        sizes[left.class_name] += 1

    # Transferred in (chuyển đến): new students, codes after the others.
    for _ in range(max(1, round(total * 0.01))):
        open_classes = [c for c in classes if room(c.name)]
        if not open_classes:
            break
        cls = rng.choice(open_classes)
        day = _weekday_between(rng, MOVEMENTS_FROM, MOVEMENTS_UNTIL)
        note = rng.choice(N.TRANSFER_IN_NOTES).format(place=rng.choice(N.AWAY_PLACES))
        span = SpanPlan(cls.name, day, Enrollment.StartKind.TRANSFER_IN, note)
        students.append(
            _plan_student(rng, namer, f"{code}{len(students) + 1:05d}", tpl, cls, boarding, span)
        )
        sizes[cls.name] += 1


# --- Subject groups and staff -----------------------------------------------------------------
def _plan_groups(total_classes: int, boarding: bool) -> list[tuple[str, list[str]]]:
    social_extra = ["TDT"] if boarding else []
    if total_classes >= 14:
        return [
            ("Tổ Toán – Tin", ["TOAN", "TIN"]),
            ("Tổ Ngữ văn – Lịch sử và Địa lí", ["NV", "LSDL", "GDCD", "GDDP", *social_extra]),
            ("Tổ Khoa học tự nhiên", ["KHTN", "CN"]),
            ("Tổ Ngoại ngữ – Nghệ thuật – Giáo dục thể chất", ["NN1", "NT", "GDTC"]),
        ]
    if total_classes >= 9:
        return [
            ("Tổ Khoa học tự nhiên", ["TOAN", "TIN", "KHTN", "CN"]),
            ("Tổ Khoa học xã hội", ["NV", "LSDL", "GDCD", "GDDP", *social_extra]),
            ("Tổ Ngoại ngữ – Nghệ thuật – Giáo dục thể chất", ["NN1", "NT", "GDTC"]),
        ]
    return [
        ("Tổ Khoa học tự nhiên", ["TOAN", "TIN", "KHTN", "CN", "GDTC"]),
        ("Tổ Khoa học xã hội", ["NV", "LSDL", "GDCD", "GDDP", "NN1", "NT", *social_extra]),
    ]


# (subject code, classes per teacher, taught within a grade pair 6–7 / 8–9)
TEACHING = [
    ("NV", 3, True),
    ("TOAN", 3, True),
    ("NN1", 3, True),
    ("KHTN", 3, True),
    ("LSDL", 5, False),
    ("GDCD", 10, False),
    ("TIN", 8, False),
    ("CN", 8, False),
    ("GDTC", 7, False),
    ("NT", 8, False),
    ("GDDP", 12, False),
]
HOMEROOM_SUBJECT = "HDTN"  # the GVCN teaches Hoạt động trải nghiệm, hướng nghiệp to their class
HOMEROOM_PREFERENCE = {
    code: rank
    for rank, code in enumerate(["NV", "TOAN", "NN1", "KHTN", "LSDL", "GDCD", "TIN", "CN"])
}


def _chunks(items: list, per: int) -> list[list]:
    """Split ``items`` into the fewest balanced runs of at most ``per``."""
    if not items:
        return []
    k = math.ceil(len(items) / per)
    size, extra = divmod(len(items), k)
    out, start = [], 0
    for j in range(k):
        n = size + (1 if j < extra else 0)
        out.append(items[start : start + n])
        start += n
    return out


def _plan_staff(rng, namer, index, code, classes, groups, boarding) -> list[StaffPlan]:
    first = index == 0
    used_names: set[str] = set()

    def new(woman_share: float, username: str | None = None) -> StaffPlan:
        for _ in range(30):
            name = namer.adult(rng.random() < woman_share)
            if name not in used_names:
                break
        used_names.add(name)
        return StaffPlan(full_name=name, phone=namer.phone(), username=username)

    staff: list[StaffPlan] = []
    principal = new(0.5, {0: "hieutruong", 1: "hieutruong2"}.get(index, f"ht.{code}"))
    principal.roles.append(RolePlan(Role.PRINCIPAL))
    staff.append(principal)
    if first or len(classes) >= 10:
        blocks = [(f"pht.{code}.1", "6,7"), ("phohieutruong" if first else f"pht.{code}.2", "8,9")]
    else:
        blocks = [(f"pht.{code}.1", "6,7,8,9")]
    for username, grades in blocks:
        vp = new(0.5, username)
        vp.roles.append(RolePlan(Role.VICE_PRINCIPAL, grade_blocks=grades))
        staff.append(vp)
    clerk = new(0.85, "vanthu" if first else f"vt.{code}")
    clerk.roles.append(RolePlan(Role.CLERK))
    youth = new(0.5, "doandoi" if first else f"dd.{code}")
    youth.roles.append(RolePlan(Role.YOUTH_UNION))
    staff += [clerk, youth]

    # Subject teachers: every class gets a teacher for each subject of the programme.
    names = [c.name for c in classes]
    pairs = [
        [c.name for c in classes if c.grade in (6, 7)],
        [c.name for c in classes if c.grade in (8, 9)],
    ]
    first_9 = next((c.name for c in classes if c.grade == 9), None)
    first_8 = next((c.name for c in classes if c.grade == 8), None)
    teaching = TEACHING + ([("TDT", 6, False)] if boarding else [])
    teachers: list[StaffPlan] = []
    gvcn = None
    for subject, per, by_pair in teaching:
        runs = [r for p in pairs for r in _chunks(p, per)] if by_pair else _chunks(names, per)
        if first and subject == "NV" and first_9:
            # gvcn teaches Ngữ văn in their own class only, so their scope is exactly one class.
            runs = [[n for n in r if n != first_9] for r in runs]
            runs = [r for r in runs if r]
            gvcn = new(0.75, "gvcn")
            gvcn.subject, gvcn.classes = "NV", [first_9]
            teachers.append(gvcn)
        for run in runs:
            t = new(0.7)
            t.subject, t.classes = subject, list(run)
            if first and subject == "TOAN" and first_8 and run[0] == first_8:
                t.username = "giaovien"
            teachers.append(t)

    # Homeroom teachers: one per class, chosen among the class's own teachers.
    has_homeroom: set[int] = set()
    homeroom_of: dict[str, StaffPlan] = {}
    for cls in classes:
        if first and gvcn is not None and cls.name == first_9:
            chosen = gvcn
        else:
            candidates = [
                t
                for t in teachers
                if id(t) not in has_homeroom
                and t.username not in ("giaovien", "gvcn")
                and cls.name in t.classes
            ]
            rng.shuffle(candidates)
            candidates.sort(key=lambda t: HOMEROOM_PREFERENCE.get(t.subject, 99))
            if not candidates:
                candidates = sorted(
                    (
                        t
                        for t in teachers
                        if id(t) not in has_homeroom and t.username not in ("giaovien", "gvcn")
                    ),
                    key=lambda t: len(t.classes),
                )
            chosen = candidates[0] if candidates else None
            if chosen is None:
                chosen = new(0.7)
                chosen.subject = "HDTN"
                teachers.append(chosen)
        has_homeroom.add(id(chosen))
        homeroom_of[cls.name] = chosen

    # Group heads (tổ trưởng): an experienced teacher of the group's first subject.
    heads: dict[str, StaffPlan] = {}
    for group_name, subjects in groups:
        candidates = [
            t
            for t in teachers
            if t.subject == subjects[0] and t.username not in ("giaovien", "gvcn")
        ]
        if not candidates:
            candidates = [t for t in teachers if t.subject in subjects and t.username != "giaovien"]
        if not candidates:
            continue
        head = candidates[0] if first and "TOAN" in subjects else rng.choice(candidates)
        if first and "TOAN" in subjects and head.username is None:
            head.username = "totruong"
        heads[group_name] = head

    for t in teachers:
        for class_name in t.classes:
            t.roles.append(RolePlan(Role.SUBJECT_TEACHER, class_name, t.subject))
    for cls in classes:
        t = homeroom_of[cls.name]
        t.roles.insert(0, RolePlan(Role.HOMEROOM, cls.name))
        t.roles.append(RolePlan(Role.SUBJECT_TEACHER, cls.name, HOMEROOM_SUBJECT))
    for group_name, head in heads.items():
        head.roles.append(RolePlan(Role.GROUP_HEAD, group_name=group_name))
    number = 0
    for t in teachers:
        if t.username is None:
            number += 1
            t.username = f"gv.{code}.{number:02d}"
    return staff + teachers


# --- Writing ----------------------------------------------------------------------------------
@dataclass
class SeedReport:
    schools_created: int = 0
    schools_skipped: int = 0
    students: int = 0
    guardians: int = 0
    staff: int = 0
    seconds: float = 0.0
    skipped_usernames: list[str] = field(default_factory=list)
    attendance: AttendanceReport = field(default_factory=AttendanceReport)
    tutoring: object = None  # tutoring.demo.TutoringReport, when tutoring data was seeded
    risk: object = None  # retention.demo_risk.RiskReport, when risk data was seeded


def _bulk(model, objs: list, history: bool) -> list:
    if not objs:
        return objs
    if history:
        return bulk_create_with_history(
            objs, model, batch_size=BATCH, default_change_reason=HISTORY_REASON
        )
    return model.objects.bulk_create(objs, batch_size=BATCH)


def _user(username, full_name, phone, password_hash, *, school=None, office=None) -> User:
    family, given = split_full_name(full_name)
    return User(
        username=username,
        full_name=full_name,
        phone=phone,
        school=school,
        office=office,
        password=str(password_hash),
        must_change_password=False,
        sort_key=name_sort_key(family, given),
        search_name=unaccent(full_name),
    )


OFFICE_LOGIN = ("phong", "Lê Thị Ngọc Hạnh", "0939123456")


class _LazyHash:
    """``make_password`` once, and only if an account is actually created (a re-run is fast)."""

    def __init__(self):
        self._value = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = make_password(DEMO_PASSWORD)
        return self._value


def ensure_offices(password_hash, history: bool = True) -> Office:
    """The Sở, the demo Phòng under it, and the office login ``phong`` (created once)."""
    so, _ = Office.objects.get_or_create(
        code=SO_CODE,
        defaults={"name": "Sở GD&ĐT thành phố Cần Thơ", "kind": Office.Kind.DEPARTMENT},
    )
    office, _ = Office.objects.get_or_create(
        code=OFFICE_CODE,
        defaults={"name": "Phòng GD&ĐT Long Phú", "kind": Office.Kind.DISTRICT, "parent": so},
    )
    username, full_name, phone = OFFICE_LOGIN
    if not User.objects.filter(username=username).exists():
        (user,) = _bulk(
            User, [_user(username, full_name, phone, password_hash, office=office)], history
        )
        _bulk(RoleAssignment, [RoleAssignment(user=user, role=Role.OFFICE, office=office)], history)
    return office


def seed_district(
    options: DemoOptions, *, log: Callable[[str], None] = lambda message: None
) -> SeedReport:
    """Create the demo district; schools that already exist (by code) are left alone."""
    started = time.perf_counter()
    report = SeedReport()
    password_hash = _LazyHash()  # hashed once: hashing per user costs ~0.3 s each
    subjects = {s.code: s for s in Subject.objects.all()}
    with transaction.atomic():
        office = ensure_offices(password_hash, options.history)
    codes = [school_code(i) for i in range(options.schools)]
    existing = set(School.objects.filter(code__in=codes).values_list("code", flat=True))
    for index in range(options.schools):
        if codes[index] in existing:
            report.schools_skipped += 1
            continue
        plan = plan_school(index, options)
        with transaction.atomic():
            write_school(plan, office, subjects, password_hash, options.history, report)
        report.schools_created += 1
        log(
            f"  {plan.code} {plan.name}: {len(plan.classes)} classes, {len(plan.students)} students"
        )
    if options.attendance:
        seed_attendance(options, codes, report, log)
    if options.tutoring:
        from tutoring.demo import seed_tutoring

        seed_tutoring(options, codes, report, log)
    if options.risk:
        from retention.demo_risk import seed_risk

        seed_risk(options, codes, report, log)
    report.seconds = time.perf_counter() - started
    return report


def seed_attendance(options: DemoOptions, codes: list[str], report: SeedReport, log) -> None:
    """Attendance for every demo school whose current year has none yet (schools of an earlier
    run included), up to the story's day."""
    started = time.perf_counter()
    story_day, partial = options.story_day()
    att = report.attendance
    for school in School.objects.filter(code__in=codes).order_by("code"):
        before = (att.roll_calls, att.absences)
        if seed_school_attendance(
            school,
            seed=options.seed,
            story_day=story_day,
            partial_today=partial,
            history=options.history,
            report=att,
            # A full year for the benchmark: the last week's alerts are enough.
            replay_days=REPLAY_DAYS if partial else 5,
        ):
            log(
                f"  {school.code} attendance: {att.roll_calls - before[0]} roll calls, "
                f"{att.absences - before[1]} absences"
            )
    att.seconds = time.perf_counter() - started


def write_school(plan: SchoolPlan, office, subjects, password_hash, history, report) -> School:
    school = School.objects.create(
        office=office,
        code=plan.code,
        name=plan.name,
        kind=plan.kind,
        governing_body=f"UBND {plan.commune.upper()}",
        address=plan.address,
        commune=plan.commune,
        province=PROVINCE,
    )
    _bulk(SchoolSettings, [SchoolSettings(school=school, sessions=plan.sessions)], history)
    current = None
    holidays = []
    for frame in (PREVIOUS_YEAR, CURRENT_YEAR):
        year = SchoolYear.objects.create(
            school=school,
            start_year=frame.start_year,
            start_date=frame.start_date,
            semester1_end=frame.semester1_end,
            semester2_start=frame.semester2_start,
            end_date=frame.end_date,
            enrollment_snapshot_date=frame.snapshot,
            saturday_classes=plan.saturday_classes,
            is_current=frame.is_current,
        )
        days = frame.holidays + (frame.khmer_holidays if plan.khmer_holidays else ())
        holidays += [
            Holiday(school_year=year, name=n, start_date=a, end_date=b) for n, a, b in days
        ]
        if frame.is_current:
            current = year
    _bulk(Holiday, holidays, history)

    classrooms = _bulk(
        Classroom,
        [Classroom(school_year=current, name=c.name, grade=c.grade) for c in plan.classes],
        history,
    )
    classroom_by_name = {c.name: c for c in classrooms}
    groups = {}
    for name, codes in plan.groups:
        group = SubjectGroup.objects.create(school=school, name=name)
        group.subjects.set([subjects[c] for c in codes if c in subjects])
        groups[name] = group

    # Staff and their roles.
    taken = set(
        User.objects.filter(username__in=[s.username for s in plan.staff]).values_list(
            "username", flat=True
        )
    )
    report.skipped_usernames += sorted(taken)
    members = [s for s in plan.staff if s.username not in taken]
    users = _bulk(
        User,
        [_user(s.username, s.full_name, s.phone, password_hash, school=school) for s in members],
        history,
    )
    assignments = []
    for person, user in zip(members, users, strict=True):
        for r in person.roles:
            assignments.append(
                RoleAssignment(
                    user=user,
                    role=r.role,
                    school=school,
                    school_year=current,
                    classroom=classroom_by_name.get(r.class_name) if r.class_name else None,
                    subject=subjects.get(r.subject_code) if r.subject_code else None,
                    subject_group=groups.get(r.group_name) if r.group_name else None,
                    grade_blocks=r.grade_blocks,
                )
            )
    _bulk(RoleAssignment, assignments, history)

    # Students, guardians, enrollment spans. sort_key and search_name are computed here because
    # bulk_create bypasses Student.save().
    students = _bulk(
        Student,
        [
            Student(
                school=school,
                code=p.code,
                family_name=p.family_name,
                given_name=p.given_name,
                date_of_birth=p.date_of_birth,
                gender=p.gender,
                ethnicity=p.ethnicity,
                hamlet=p.hamlet,
                commune=p.commune,
                address=p.address,
                household=p.household,
                orphan=p.orphan,
                disability=p.disability,
                distance_km=p.distance_km,
                lives_away_from_parents=p.lives_away_from_parents,
                notes=p.notes,
                sort_key=name_sort_key(p.family_name, p.given_name),
                search_name=unaccent(p.full_name),
            )
            for p in plan.students
        ],
        history,
    )
    guardians, spans = [], []
    for p, student in zip(plan.students, students, strict=True):
        guardians += [
            Guardian(
                student=student,
                full_name=g.full_name,
                relation=g.relation,
                phone=g.phone,
                occupation=g.occupation,
                is_primary=g.is_primary,
            )
            for g in p.guardians
        ]
        spans += [
            Enrollment(
                student=student,
                classroom=classroom_by_name[s.class_name],
                start_date=s.start_date,
                start_kind=s.start_kind,
                start_note=s.start_note,
                end_date=s.end_date,
                end_kind=s.end_kind,
                end_note=s.end_note,
                dropout_causes=s.dropout_causes,
            )
            for s in p.spans
        ]
    _bulk(Guardian, guardians, history)
    _bulk(Enrollment, spans, history)
    report.students += len(students)
    report.guardians += len(guardians)
    report.staff += len(users)
    return school


# --- The named logins (for demo_logins and the README) ----------------------------------------
@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    can_do: str


DEMO_LOGINS = [
    DemoLogin(
        "phong",
        "Chuyên viên Phòng GD&ĐT",
        "xem các trường, sĩ số toàn phòng, số liệu vận động học sinh các trường, "
        "tải báo cáo tổng hợp",
    ),
    DemoLogin(
        "hieutruong",
        "Hiệu trưởng",
        "xem toàn trường, chuyên cần và cảnh báo, quản lý cán bộ và lớp, nộp báo cáo sĩ số tháng, "
        "duyệt kế hoạch phụ đạo, xem kết quả học tập và tiến bộ của học sinh yếu, cảnh báo sớm, "
        "hồ sơ nguy cơ bỏ học và hồ sơ báo cáo lên Ban giám hiệu, phân công đỡ đầu, "
        "mạnh thường quân",
    ),
    DemoLogin(
        "phohieutruong",
        "Phó hiệu trưởng (khối 8, 9)",
        "theo dõi sĩ số, chuyên cần và cảnh báo các khối, ghi biến động học sinh, hỗ trợ GVCN, "
        "xử lý hồ sơ nguy cơ bỏ học báo cáo lên của khối 8, 9",
    ),
    DemoLogin(
        "gvcn",
        "Giáo viên chủ nhiệm",
        "điểm danh lớp chủ nhiệm (hôm nay chưa điểm danh), trả lời cảnh báo vắng, xác nhận sĩ số "
        "tháng, xem và cập nhật học sinh lớp, xác nhận học sinh yếu của lớp (có đề xuất đang chờ), "
        "mở hồ sơ vận động, ghi biên bản thăm nhà có chữ ký (có lượt thăm đến hạn hôm nay)",
    ),
    DemoLogin(
        "giaovien",
        "Giáo viên bộ môn Toán",
        "xem học sinh các lớp mình dạy (chỉ đọc), ghi buổi phụ đạo trên điện thoại "
        "(có buổi chưa ghi), đỡ đầu 2 học sinh",
    ),
    DemoLogin(
        "totruong",
        "Tổ trưởng chuyên môn",
        "theo dõi tổ chuyên môn và các lớp mình dạy, kế hoạch và nhóm phụ đạo của tổ",
    ),
    DemoLogin(
        "vanthu",
        "Văn thư",
        "hồ sơ học sinh, nhập danh sách lớp, ghi biến động, biểu mẫu, "
        "lưu và tải biên bản vận động, mạnh thường quân",
    ),
    DemoLogin("doandoi", "Đoàn – Đội", "xem học sinh toàn trường, báo đi trễ và bỏ tiết"),
    DemoLogin("hieutruong2", "Hiệu trưởng trường thứ hai", "chỉ thấy trường của mình"),
]
