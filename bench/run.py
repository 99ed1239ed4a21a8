"""Time the main pages on a generated district (``make bench``).

    .venv/bin/python bench/run.py [--schools 40] [--classes-per-grade 5]
                                  [--students-per-class 40] [-n 20] [--keep]

Creates a throwaway SQLite database (or uses DATABASE_URL when it points to PostgreSQL: schools
already there are kept, seed_demo only adds missing ones), migrates, loads the district with
``seed_demo``'s large mode, then requests each page N times through Django's test client,
logged in as the demo account that uses it, and prints p50/p95 in milliseconds.
A URL name that does not exist yet is skipped with a note.
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure_environment() -> str | None:
    """Settings for a local run; returns the temporary directory to delete afterwards."""
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    hosts = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]
    for host in ("testserver", "127.0.0.1", "localhost"):
        if host not in hosts:
            hosts.append(host)
    os.environ["DJANGO_ALLOWED_HOSTS"] = ",".join(hosts)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
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


@dataclass
class Timing:
    page: Page
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
    ]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def time_pages(pages: list[Page], n: int) -> list[Timing]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from schools.models import User

    results = []
    clients: dict[str, Client] = {}
    for page in pages:
        timing = Timing(page)
        results.append(timing)
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


def format_table(results: list[Timing], n: int) -> str:
    lines = [
        f"{'page':<28} {'as':<11} {'status':>6} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}",
        "-" * 73,
    ]
    for t in results:
        if t.p50 is None:
            status = "" if t.status is None else str(t.status)
            queries = "" if t.queries is None else str(t.queries)
            lines.append(
                f"{t.page.label:<28} {t.page.username:<11} {status:>6} {queries:>7}   {t.note}"
            )
            continue
        lines.append(
            f"{t.page.label:<28} {t.page.username:<11} {t.status:>6} {t.queries:>7} "
            f"{t.p50:>8.1f} {t.p95:>8.1f}"
        )
    lines.append(f"({n} requests per page after one untimed request that counts the queries)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--classes-per-grade", type=int, default=5)
    parser.add_argument("--students-per-class", type=int, default=40)
    parser.add_argument("-n", "--requests", type=int, default=20)
    parser.add_argument("--no-history", action="store_true", help="seed without history rows")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file afterwards")
    args = parser.parse_args(argv)

    tmp = configure_environment()
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
        print()
        print(format_table(time_pages(demo_pages(), args.requests), args.requests))
    finally:
        connection.close()
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp:
            print(f"Database kept: {tmp}/bench.sqlite3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
