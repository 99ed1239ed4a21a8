"""Time the main pages on a generated district (``make bench``).

    .venv/bin/python bench/run.py [--schools 40] [--classes-per-grade 5]
                                  [--students-per-class 40] [-n 20] [--keep]
                                  [--attendance-until end|YYYY-MM-DD] [--no-attendance]
                                  [--db bench.sqlite3] [--import-all [--import-limit N]]

Creates a throwaway SQLite database (or uses DATABASE_URL when it points to PostgreSQL: schools
already there are kept, seed_demo only adds missing ones), migrates, loads the district with
``seed_demo``'s large mode and a full school year of attendance (about 3 % of student-sessions
absent), then requests each page N times through Django's test client, logged in as the demo
account that uses it, and prints p50/p95 in milliseconds. Besides the pages: saving one
class-day's roll (a class of 40, three absent) through the roll-call service, and importing one
class's semester I gradebook (``bench/tutoring.py``). ``--import-all`` then imports the semester I
gradebook of every class of the district, one class after another, and prints the time per class.
Issue 6 (``bench/risk.py``): the early-warning list, coverage and the office's risk counts, and
``early_warning`` / ``coverage`` for the biggest school and for every school of the district.
A URL name or service that does not exist yet is skipped with a note.
"""

from __future__ import annotations

import argparse
import io
import logging
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure_environment(db: str | None = None) -> str | None:
    """Settings for a local run; returns the temporary directory to delete afterwards.
    ``db``: an SQLite file to use and keep (a later run reuses the district already in it)."""
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    hosts = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]
    for host in ("testserver", "127.0.0.1", "localhost"):
        if host not in hosts:
            hosts.append(host)
    os.environ["DJANGO_ALLOWED_HOSTS"] = ",".join(hosts)
    # Run as a script, this directory comes first on the path: bench/tutoring.py would hide the
    # tutoring app. The project's root goes first, this directory out.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() not in (here, ROOT)]
    sys.path.insert(0, str(ROOT))
    if db:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(db).resolve()}"
        return None
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return None
    tmp = tempfile.mkdtemp(prefix="donghanh-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    return tmp


@dataclass
class Page:
    label: str
    url_name: str
    username: str
    args: tuple = ()
    query: str = ""
    skip: str = ""  # why the page is not timed (e.g. the demo has no such object)


@dataclass
class Action:
    """Something timed that is not a GET: ``prepare`` returns the callable to time (called with
    the iteration number), or a note saying why it is skipped."""

    label: str
    username: str
    prepare: Callable[[], Callable[[int], object] | str]


@dataclass
class Timing:
    page: Page | Action
    status: int | None = None
    queries: int | None = None
    p50: float | None = None
    p95: float | None = None
    note: str = ""


def demo_pages() -> list[Page]:
    """The pages to time, each with the demo account that uses it."""
    from django.db.models import Count

    from schools.models import Role, RoleAssignment
    from students.models import Student

    homeroom = RoleAssignment.objects.filter(user__username="gvcn", role=Role.HOMEROOM).first()
    class_id = homeroom.classroom_id if homeroom else None
    school_id = homeroom.school_id if homeroom else None
    # A student with some history (a class move or a return) makes the profile page do its work.
    student = (
        Student.objects.filter(school_id=school_id)
        .annotate(spans=Count("enrollments"))
        .order_by("-spans", "pk")
        .first()
    )
    from bench.risk import risk_pages
    from bench.tutoring import tutoring_pages
    from schools.models import School

    school = School.objects.filter(pk=school_id).first()
    month = _report_month(school)
    return [
        Page("home (principal)", "home", "hieutruong"),
        Page("home (office, all schools)", "home", "phong"),
        Page("class list", "classroom_list", "hieutruong"),
        Page("class page", "classroom_detail", "gvcn", (class_id,)),
        Page("student list, page 1", "student_list", "hieutruong"),
        Page("student search 'anh'", "student_list", "hieutruong", query="q=anh"),
        Page("student profile", "student_detail", "hieutruong", (student.pk if student else 0,)),
        Page("class export (XLSX)", "classroom_export", "gvcn", (class_id,)),
        Page("staff list", "staff_list", "hieutruong"),
        Page("school list (office)", "school_list", "phong"),
        # Attendance, alerts and the monthly class-size report (issue 4).
        Page("roll call, class-day page", "roll_call", "gvcn", (class_id,)),
        Page("attendance month view", "attendance_month", "gvcn", (class_id,)),
        Page("attendance week view", "attendance_week", "gvcn", (class_id,)),
        Page("alert list (VP)", "alert_list", "phohieutruong"),
        Page("attendance today (principal)", "attendance_today", "hieutruong"),
        Page("class-size confirmations", "classsize_status", "hieutruong"),
        Page(
            "monthly class-size report",
            "class_size_report",
            "hieutruong",
            (school_id,),
            query=f"thang={month}",
        ),
        Page(
            "monthly report (XLSX)",
            "class_size_report_xlsx",
            "hieutruong",
            (school_id,),
            query=f"thang={month}",
        ),
        Page(
            "monthly report (PDF)",
            "class_size_report_pdf",
            "hieutruong",
            (school_id,),
            query=f"thang={month}",
        ),
        # Results, the weak-student register and tutoring (issue 5).
        *tutoring_pages(),
        # The early-warning list, coverage and the office's risk counts (issue 6).
        *risk_pages(),
    ]


def _report_month(school) -> str:
    """The latest month whose confirmation window has closed (its report is complete)."""
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    month = today.replace(day=1)
    if today.day <= 25:
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    year = school.current_year if school else None
    if year is not None:
        month = max(min(month, year.end_date.replace(day=1)), year.start_date.replace(day=1))
    return f"{month:%Y-%m}"


def demo_actions() -> list[Action]:
    from bench.risk import risk_actions
    from bench.tutoring import tutoring_actions

    return [
        Action("save one class-day roll (40)", "gvcn", _prepare_roll_call_save),
        *tutoring_actions(),
        *risk_actions(),
    ]


def _prepare_roll_call_save():
    """The GVCN saves today's roll of their class (or the last school day's): everyone present
    but three, alternately two different sets of three, so every save changes six rows (then
    the service refreshes the class's alerts, as after every save)."""
    try:
        from retention.services_attendance import roll_call_save
    except ImportError:
        return "skipped: no retention.services_attendance.roll_call_save yet"
    from django.utils import timezone

    from retention.models import RollCall
    from schools.models import Role, RoleAssignment, SchoolSettings
    from students.models import Enrollment

    homeroom = (
        RoleAssignment.objects.filter(user__username="gvcn", role=Role.HOMEROOM)
        .select_related("classroom__school_year", "user")
        .first()
    )
    if homeroom is None:
        return "skipped: no user 'gvcn'"
    classroom, user = homeroom.classroom, homeroom.user
    year = classroom.school_year
    days = year.school_days(year.start_date, timezone.localdate())
    if not days:
        return "skipped: the school year has not started"
    day = days[-1]
    session = SchoolSettings.for_school(year.school_id).taught_sessions[0]
    students = list(
        Enrollment.objects.active_on(day)
        .filter(classroom=classroom)
        .order_by("student_id")
        .values_list("student_id", flat=True)
    )
    k = min(3, len(students) // 2)
    if not k:
        return "skipped: too few students in the class"
    roll = RollCall.objects.filter(classroom=classroom, date=day, session=session).first()
    state = {"version": roll.version if roll else None}

    def save(n: int):
        absent = students[:k] if n % 2 == 0 else students[k : 2 * k]
        marks = {sid: ("present", "") for sid in students}
        marks |= {sid: ("K", "") if i else ("P", "Ốm") for i, sid in enumerate(absent)}
        result = roll_call_save(
            classroom=classroom,
            date=day,
            session=session,
            marks=marks,
            user=user,
            base_version=state["version"],
        )
        state["version"] = result.roll_call.version
        return result

    return save


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def time_pages(pages: list[Page], n: int) -> list[Timing]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from schools.models import User

    results = []
    clients: dict[str, Client] = {}
    for page in pages:
        timing = Timing(page)
        results.append(timing)
        if getattr(page, "skip", ""):
            timing.note = page.skip
            continue
        try:
            url = reverse(page.url_name, args=page.args)
        except NoReverseMatch:
            timing.note = f"skipped: no URL named '{page.url_name}' yet"
            continue
        if page.query:
            url = f"{url}?{page.query}"
        if page.username not in clients:
            user = User.objects.filter(username=page.username).first()
            if user is None:
                timing.note = f"skipped: no user '{page.username}'"
                continue
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            clients[page.username] = client
        client = clients[page.username]
        reset_queries()  # the query log is capped: a full one would count nothing
        with CaptureQueriesContext(connection) as queries:  # also warms caches, not timed
            response = client.get(url)
        timing.status, timing.queries = response.status_code, len(queries)
        if response.status_code != 200:
            timing.note = f"HTTP {response.status_code}: not timed"
            continue
        elapsed = []
        for _ in range(n):
            started = time.perf_counter()
            client.get(url)
            elapsed.append((time.perf_counter() - started) * 1000)
        timing.p50 = statistics.median(elapsed)
        timing.p95 = _percentile(elapsed, 0.95)
    return results


def time_actions(actions: list[Action], n: int) -> list[Timing]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    results = []
    for action in actions:
        timing = Timing(action)
        results.append(timing)
        run = action.prepare()
        if isinstance(run, str):
            timing.note = run
            continue
        reset_queries()
        with CaptureQueriesContext(connection) as queries:  # counts the queries, not timed
            run(0)
        timing.status, timing.queries = 200, len(queries)
        elapsed = []
        for i in range(1, n + 1):
            started = time.perf_counter()
            run(i)
            elapsed.append((time.perf_counter() - started) * 1000)
        timing.p50 = statistics.median(elapsed)
        timing.p95 = _percentile(elapsed, 0.95)
    return results


def format_table(results: list[Timing], n: int) -> str:
    lines = [
        f"{'page':<32} {'as':<13} {'status':>6} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}",
        "-" * 79,
    ]
    for t in results:
        if t.p50 is None:
            status = "" if t.status is None else str(t.status)
            queries = "" if t.queries is None else str(t.queries)
            lines.append(
                f"{t.page.label:<32} {t.page.username:<13} {status:>6} {queries:>7}   {t.note}"
            )
            continue
        lines.append(
            f"{t.page.label:<32} {t.page.username:<13} {t.status:>6} {t.queries:>7} "
            f"{t.p50:>8.1f} {t.p95:>8.1f}"
        )
    lines.append(f"({n} requests per page after one untimed request that counts the queries)")
    return "\n".join(lines)


def attendance_counts() -> str:
    """Rows of attendance data in the database (one line)."""
    from retention import models as r

    counts = [
        (label, model.objects.count())
        for label, model in (
            ("roll calls", r.RollCall),
            ("absences", r.Absence),
            ("late/skipped", r.ConductEvent),
            ("alerts", r.AbsenceAlert),
            ("family contacts", r.FamilyContact),
            ("monthly confirmations", r.ClassSizeConfirmation),
        )
    ]
    return "Attendance rows: " + ", ".join(f"{n:,} {label}" for label, n in counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--classes-per-grade", type=int, default=5)
    parser.add_argument("--students-per-class", type=int, default=40)
    parser.add_argument("-n", "--requests", type=int, default=20)
    parser.add_argument("--no-history", action="store_true", help="seed without history rows")
    parser.add_argument(
        "--attendance-until",
        default="end",
        help="roll calls of every class through this date, YYYY-MM-DD or 'end' (default: the "
        "whole school year)",
    )
    parser.add_argument("--no-attendance", action="store_true", help="seed no attendance")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file afterwards")
    parser.add_argument(
        "--import-all",
        action="store_true",
        help="then import the semester I gradebook of every class of the district, one after "
        "another, and print the time per class",
    )
    parser.add_argument(
        "--import-limit", type=int, help="with --import-all: at most this many classes"
    )
    parser.add_argument(
        "--db",
        help="SQLite file to use and keep; schools and attendance already in it are not "
        "generated again (seed once, time many times)",
    )
    args = parser.parse_args(argv)

    tmp = configure_environment(args.db)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from students.models import Enrollment, Student

    # Forbidden/not-found pages would log a traceback each; the table reports the status.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    try:
        db = connection.settings_dict["NAME"]
        print(f"Database: {connection.vendor} {db}")
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"Migrated in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        out = io.StringIO()
        call_command(
            "seed_demo",
            schools=args.schools,
            classes_per_grade=args.classes_per_grade,
            students_per_class=args.students_per_class,
            no_history=args.no_history,
            no_attendance=args.no_attendance,
            attendance_until=None if args.no_attendance else args.attendance_until,
            stdout=out,
        )
        seed_seconds = time.perf_counter() - started
        print(out.getvalue().strip())
        print(
            f"Seeding: {seed_seconds:.1f} s for {args.schools} schools × 4 grades × "
            f"{args.classes_per_grade} classes × {args.students_per_class} students "
            f"({Student.objects.count():,} students, {Enrollment.objects.count():,} "
            "enrollment spans in the database)"
        )
        print(attendance_counts())
        from bench.risk import district_figures, ensure_risk_data

        print(ensure_risk_data())
        print(district_figures())
        print()
        results = time_pages(demo_pages(), args.requests)
        results += time_actions(demo_actions(), args.requests)
        print(format_table(results, args.requests))
        if args.import_all:
            from bench.tutoring import time_district_import

            print()
            print(time_district_import(limit=args.import_limit).format())
    finally:
        connection.close()
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp:
            print(f"Database kept: {tmp}/bench.sqlite3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
