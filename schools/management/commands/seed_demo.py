"""Load the demo district: a Sở, a Phòng GD&ĐT and its schools, with staff, students,
guardians, a few mid-year movements, the year's attendance up to today, last year's and this
year's results with the weak-student register and tutoring, and the dropout-risk work (cases,
home visits, partners, sponsors, mentors). Deterministic and idempotent; see ``schools/demo.py``,
``schools/demo_attendance.py``, ``tutoring/demo.py`` and ``retention/demo_risk.py``."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from schools.demo import CURRENT_YEAR, DEMO_PASSWORD, TEMPLATES, DemoOptions, seed_district
from schools.models import School

MSG_DEBUG_OFF = (
    "Refusing to load demo data: DEBUG is off, so this looks like a real installation. "
    f"Demo accounts share the password '{DEMO_PASSWORD}'. Run with DJANGO_DEBUG=1, or pass "
    "--force if you really want demo data here."
)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _date(value: str) -> datetime.date:
    return datetime.datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a plain date


def _until(value: str) -> datetime.date:
    """A date, or "end" for the last day of the demo school year."""
    return CURRENT_YEAR.end_date if value == "end" else _date(value)


class Command(BaseCommand):
    help = (
        "Load the demo district (same data on every run; schools already present are skipped). "
        "Without options: 5 schools with 2–6 classes per grade and 30–45 students per class. "
        "Large mode: --schools 40 --classes-per-grade 5 --students-per-class 40 "
        "(add --attendance-until end for a full school year of attendance)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any school exists."
        )
        parser.add_argument(
            "--force", action="store_true", help="Load even when DEBUG is off (not for real use)."
        )
        parser.add_argument(
            "--schools",
            type=_positive,
            default=len(TEMPLATES),
            help=f"Number of schools (default {len(TEMPLATES)}; extra schools are numbered).",
        )
        parser.add_argument(
            "--classes-per-grade",
            type=_positive,
            default=None,
            help="Classes in each grade 6–9 of every school (default: each school's own, 2–6).",
        )
        parser.add_argument(
            "--students-per-class",
            type=_positive,
            default=None,
            help="Students per class at the start of the year (default: 30–45).",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Skip the audit-history rows of the demo records (faster for huge districts).",
        )
        parser.add_argument(
            "--no-attendance",
            action="store_true",
            help="No roll calls, absences, lateness, alerts or monthly confirmations.",
        )
        parser.add_argument(
            "--no-tutoring",
            action="store_true",
            help="No previous-year classes and results, survey, weak-student register, tutoring "
            "plans, groups, peer pairs or counselling.",
        )
        parser.add_argument(
            "--no-risk",
            action="store_true",
            help="No risk cases, home visits, partners, sponsors, support or mentors.",
        )
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="Pretend today is this date: attendance runs up to it, and today's roll is "
            "taken by most classes but not all (default: the real date, never past the "
            "year's end).",
        )
        parser.add_argument(
            "--attendance-until",
            type=_until,
            default=None,
            metavar="YYYY-MM-DD|end",
            help="Take every class's roll through this date instead ('end': the whole school "
            f"year, to {CURRENT_YEAR.end_date:%d/%m/%Y}; for the benchmark).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(MSG_DEBUG_OFF)
        if options["if_empty"] and School.objects.exists():
            self.stdout.write("Schools already exist: demo data not loaded (--if-empty).")
            return
        for key, parse in (("today", _date), ("attendance_until", _until)):
            if isinstance(options[key], str):  # call_command(..., today="2026-11-23")
                options[key] = parse(options[key])
        demo = DemoOptions(
            schools=options["schools"],
            classes_per_grade=options["classes_per_grade"],
            students_per_class=options["students_per_class"],
            history=not options["no_history"],
            attendance=not options["no_attendance"],
            tutoring=not options["no_tutoring"],
            risk=not options["no_risk"],
            today=options["today"],
            attendance_until=options["attendance_until"],
        )
        verbose = options["verbosity"] >= 2
        report = seed_district(demo, log=self.stdout.write if verbose else lambda message: None)
        if report.skipped_usernames:
            self.stderr.write(
                "These usernames already existed and were not created again: "
                + ", ".join(report.skipped_usernames)
            )
        att = report.attendance
        tutoring = report.tutoring
        risk = report.risk
        if (
            report.schools_created == 0
            and att.schools == 0
            and not (tutoring and tutoring.schools)
            and not (risk and risk.schools)
        ):
            self.stdout.write(
                f"Demo district already loaded ({report.schools_skipped} schools): nothing to do."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo district: {report.schools_created} schools created "
                f"({report.schools_skipped} already there), {report.students} students, "
                f"{report.guardians} guardians, {report.staff} staff in {report.seconds:.1f} s. "
                f"Password of every demo account: {DEMO_PASSWORD} "
                "(manage.py demo_logins lists them)."
            )
        )
        if att.schools:
            self.stdout.write(
                f"Attendance of {att.schools} schools up to {demo.story_day()[0]:%d/%m/%Y} "
                f"in {att.seconds:.1f} s: {att.roll_calls:,} roll calls, {att.absences:,} "
                f"absent student-sessions ({att.absent_share:.1%}), {att.conduct_events:,} "
                f"late arrivals and skipped periods, {att.contacts} family contacts, "
                f"{att.alerts} alerts "
                f"({att.alerts_acknowledged} answered), {att.confirmations:,} monthly "
                f"class-size confirmations (through {att.confirm_source})."
            )
        if tutoring and tutoring.schools:
            self.stdout.write(
                f"Results and tutoring of {tutoring.schools} schools in {tutoring.seconds:.1f} s "
                f"({tutoring.previous_classes} classes and {tutoring.graduates} graduates of last "
                f"year): {tutoring.summary()}."
            )
        if risk and risk.schools:
            self.stdout.write(
                f"Dropout risk of {risk.schools} schools in {risk.seconds:.1f} s: {risk.summary()}."
            )
