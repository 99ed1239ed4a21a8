"""Bench of issue 5 (results, weak register, tutoring), used by ``bench/run.py``.

* ``tutoring_pages()``: the results, weak-register, group, session, progress and plan pages,
  each with the demo account that uses it (the demo district has last year's results and this
  year's start-of-year survey, see ``tutoring/demo.py``).
* ``tutoring_actions()``: importing one class's semester I gradebook (an XLSX of its 40
  students made with ``tutoring.samples.gradebook``, then ``services_import.read_upload`` and
  ``apply_import``), timed per import.
* ``time_district_import(limit=None)``: the semester I gradebook of every class of the district,
  imported one class after another as its school's principal; per-class p50/p95 and the total
  (``bench/run.py --import-all``).

Anything not there yet (a URL name, a service, the demo's data) is skipped with a note.
"""

from __future__ import annotations

import datetime
import math
import random
import statistics
import time
from dataclasses import dataclass, field

SKIP_NO_TUTORING = "skipped: no tutoring app yet"

# How often a generated score is weak (below 5,0) in the subjects where weakness is common.
WEAK_SHARE = {"Toán": 0.08, "Ngữ văn": 0.06, "Tiếng Anh": 0.08}


# --- pages ----------------------------------------------------------------------------------------


def tutoring_pages() -> list:
    """The issue-5 pages, as ``bench.run.Page`` rows."""
    from bench.run import Page

    try:
        from tutoring.models import Term, TutoringGroup
    except ImportError:
        return [Page("results and tutoring", "results_home", "hieutruong", skip=SKIP_NO_TUTORING)]
    from schools.models import Role, RoleAssignment

    homeroom = (
        RoleAssignment.objects.filter(user__username="gvcn", role=Role.HOMEROOM)
        .select_related("classroom")
        .first()
    )
    class_id = homeroom.classroom_id if homeroom else None
    group = (
        TutoringGroup.objects.filter(tutors__username="giaovien", school_year__is_current=True)
        .order_by("pk")
        .first()
    )
    no_class = "skipped: no homeroom class for 'gvcn'" if class_id is None else ""
    no_group = "skipped: no tutoring group of 'giaovien' this year" if group is None else ""
    group_id = group.pk if group else 0
    grade = homeroom.classroom.grade if homeroom else 9
    return [
        Page("results overview", "results_home", "hieutruong"),
        Page(
            "class results (survey)",
            "results_class",
            "gvcn",
            (class_id or 0,),
            query=f"term={Term.SURVEY}",
            skip=no_class,
        ),
        Page(
            "subject across a grade",
            "results_subject",
            "hieutruong",
            query=f"grade={grade}&term={Term.SURVEY}",
        ),
        Page("weak-student register", "weak_list", "hieutruong"),
        Page("weak, not yet supported", "weak_uncovered", "hieutruong"),
        Page("weak students of a class", "weak_class", "gvcn", (class_id or 0,), skip=no_class),
        Page("tutoring groups (tổ trưởng)", "group_list", "totruong"),
        Page("tutoring group page", "group_detail", "giaovien", (group_id,), skip=no_group),
        Page(
            "sessions to record (tutor)",
            "group_sessions_due",
            "giaovien",
            (group_id,),
            skip=no_group,
        ),
        Page("session entry (GET)", "session_entry", "giaovien", (group_id,), skip=no_group),
        Page("progress after tutoring", "progress", "hieutruong"),
        Page("tutoring plans", "plan_list", "hieutruong"),
    ]


# --- gradebook files ------------------------------------------------------------------------------


def _score(rng: random.Random, ability: float, weak_share: float) -> str:
    """A semester average with a decimal comma; below 5,0 about ``weak_share`` of the time."""
    if rng.random() < weak_share:
        value = rng.uniform(2.5, 4.9)
    else:
        value = min(10.0, max(5.0, rng.gauss(ability, 1.1)))
    return f"{value:.1f}".replace(".", ",")


def class_gradebook(classroom, students, *, term: int = 1, variant: int = 0) -> bytes:
    """A gradebook XLSX of ``students`` (``students.models.Student``, in class-list order) as
    SMAS exports it: title rows, a two-row header, the 8 scored subjects, the 5 comment columns,
    KQHT and KQRL (``tutoring.samples.gradebook``). Deterministic per student and ``variant``
    (another variant changes most scores, so a re-import updates the rows)."""
    from lib.xlsx import workbook_bytes
    from tutoring import samples

    year = classroom.school_year
    title = (
        "PHÒNG GD&ĐT",
        year.school.name.upper(),
        "",
        f"BẢNG ĐIỂM TỔNG HỢP HỌC KỲ {'I' if term == 1 else 'II'}",
        f"Năm học {year.start_year} - {year.start_year + 1}      Lớp: {classroom.name}",
        "",
    )
    rows = []
    for number, student in enumerate(students, start=1):
        rng = random.Random(student.pk * 7919 + variant)
        ability = rng.uniform(5.5, 8.8)
        scores = tuple(_score(rng, ability, WEAK_SHARE.get(s, 0.01)) for s in samples.SCORED)
        comments = tuple("CĐ" if rng.random() < 0.01 else "Đ" for _ in samples.COMMENTED)
        sample = samples.SampleStudent(
            code=student.code,
            full_name=student.full_name,
            date_of_birth=student.date_of_birth or datetime.date(2012, 1, 1),
            scores=scores,
            comments=comments,
            conduct="Tốt" if rng.random() < 0.8 else "Khá",
        )
        rows.append(samples.student_row(number, sample, numeric=number % 2 == 1))
    header = [*samples.FIXED, *samples.SCORED, *samples.COMMENTED, *samples.RESULTS]
    first_scored = len(samples.FIXED)
    first_comment = first_scored + len(samples.SCORED)
    groups = [
        (samples.SCORE_GROUP, first_scored, first_comment - 1),
        (samples.COMMENT_GROUP, first_comment, first_comment + len(samples.COMMENTED) - 1),
    ]
    book = samples.gradebook(
        rows, header=header, groups=groups, title=title, sheet=classroom.name[:31]
    )
    return workbook_bytes(book)


def class_students(classroom, day: datetime.date | None = None) -> list:
    """The class's students on ``day`` (today, within the school year), in class-list order."""
    from django.utils import timezone

    from students.models import Enrollment, Student

    year = classroom.school_year
    day = min(max(day or timezone.localdate(), year.start_date), year.end_date)
    ids = Enrollment.objects.active_on(day).filter(classroom=classroom).values("student_id")
    return list(Student.objects.filter(pk__in=ids).order_by("sort_key", "pk"))


def import_class(classroom, content: bytes, user, *, term: int = 1):
    """Read and apply one gradebook file (what the upload and the confirm button do)."""
    from tutoring.services_import import apply_import, read_upload

    pending = read_upload(
        classroom=classroom,
        term=term,
        user=user,
        file_name=f"bang-diem-hk{term}-{classroom.name}.xlsx",
        content=content,
    )
    return apply_import(result_import=pending, user=user)


# --- actions --------------------------------------------------------------------------------------


def tutoring_actions() -> list:
    from bench.run import Action

    return [Action("import one class's HK I results", "hieutruong", _prepare_class_import)]


def _principal_of(school_id: int):
    from schools.models import Role, RoleAssignment, User

    found = (
        RoleAssignment.objects.filter(
            school_year__school_id=school_id, school_year__is_current=True, role=Role.PRINCIPAL
        )
        .select_related("user")
        .first()
    )
    if found is not None:
        return found.user
    return User.objects.filter(school_id=school_id, is_active=True).order_by("pk").first()


def _prepare_class_import():
    """The principal imports the semester I gradebook of the GVCN's class (40 students in the
    bench district): two files alternately, so every import after the first replaces the
    class's results (updates, history rows, classification, weak register)."""
    try:
        from tutoring.services_import import apply_import, read_upload  # noqa: F401
    except ImportError:
        return "skipped: no tutoring.services_import yet"
    from schools.models import Role, RoleAssignment, User

    homeroom = (
        RoleAssignment.objects.filter(user__username="gvcn", role=Role.HOMEROOM)
        .select_related("classroom__school_year__school")
        .first()
    )
    if homeroom is None:
        return "skipped: no user 'gvcn'"
    classroom = homeroom.classroom
    user = User.objects.filter(username="hieutruong").first() or _principal_of(
        classroom.school_year.school_id
    )
    students = class_students(classroom)
    if not students:
        return "skipped: the class has no student"
    files = [class_gradebook(classroom, students, variant=v) for v in (0, 1)]

    def run(n: int):
        done = import_class(classroom, files[n % 2], user)
        if done.status != "applied":
            raise RuntimeError(f"import of {classroom} not applied: {done.status}")
        return done

    return run


# --- the whole district -------------------------------------------------------------------------


@dataclass
class DistrictImport:
    """Per-class import times (ms) of a district's semester I gradebooks."""

    classes: int = 0
    students: int = 0
    results: int = 0
    weak: int = 0
    build_ms: float = 0.0  # making the XLSX files (not part of the import)
    times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def total_ms(self) -> float:
        return sum(self.times)

    @property
    def p50(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def p95(self) -> float | None:
        if not self.times:
            return None
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    def format(self) -> str:
        if not self.times:
            return "District import: nothing imported" + (
                f" ({'; '.join(self.failures[:3])})" if self.failures else ""
            )
        lines = [
            f"District import, semester I: {self.classes} classes, {self.students:,} students, "
            f"{self.results:,} results ({self.weak:,} weak), one class after another",
            f"  per class: p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms, "
            f"max {max(self.times):.0f} ms; total {self.total_ms / 1000:.1f} s "
            f"(read_upload + apply_import; making the files took {self.build_ms / 1000:.1f} s "
            "more)",
        ]
        if self.failures:
            lines.append(f"  {len(self.failures)} classes refused: {'; '.join(self.failures[:3])}")
        return "\n".join(lines)


def time_district_import(limit: int | None = None, *, term: int = 1) -> DistrictImport:
    """Import the ``term`` gradebook of every current class of every school (at most ``limit``
    classes), one after another, each as its school's principal; returns the timings."""
    from schools.models import Classroom

    out = DistrictImport()
    classrooms = Classroom.objects.filter(school_year__is_current=True).select_related(
        "school_year__school"
    )
    classrooms = classrooms.order_by("school_year__school__code", "grade", "name")
    if limit is not None:
        classrooms = classrooms[:limit]
    users: dict[int, object] = {}
    for classroom in classrooms:
        school_id = classroom.school_year.school_id
        if school_id not in users:
            users[school_id] = _principal_of(school_id)
        user = users[school_id]
        started = time.perf_counter()
        students = class_students(classroom)
        if not students or user is None:
            continue
        content = class_gradebook(classroom, students, term=term)
        out.build_ms += (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        try:
            done = import_class(classroom, content, user, term=term)
        except Exception as error:  # noqa: BLE001 - reported, the run goes on
            out.failures.append(f"{classroom}: {error}")
            continue
        out.times.append((time.perf_counter() - started) * 1000)
        summary = (done.data or {}).get("summary", {})
        out.classes += 1
        out.students += summary.get("students", 0)
        out.results += summary.get("results", 0)
        out.weak += summary.get("weak", 0)
    return out
