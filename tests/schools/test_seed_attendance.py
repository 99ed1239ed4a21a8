"""seed_demo's attendance: roll calls on school days only, about 3 % absent, never outside an
enrollment span, long absences that raise alerts, lateness by the youth union, monthly
confirmations, deterministic and idempotent. A small district (4 schools × 2 classes per grade ×
5 students) on the story's day, 23/11/2026, loaded once for the module's class."""

import datetime
import zoneinfo
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from retention.models import (
    Absence,
    AbsenceAlert,
    ClassSizeConfirmation,
    ConductEvent,
    FamilyContact,
    RollCall,
)
from schools.demo import CURRENT_YEAR, school_code
from schools.demo_attendance import load_school, plan_attendance
from schools.models import Classroom, Role, RoleAssignment, School, SchoolSettings, SchoolYear
from students.models import Enrollment
from tests.conftest import ensure_subjects

TODAY = datetime.date(2026, 11, 23)
VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
SMALL = {"schools": 4, "classes_per_grade": 2, "students_per_class": 5, "today": TODAY}
D = datetime.date


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture(scope="class")
def small_district(django_db_setup, django_db_blocker):
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, PASSWORD_HASHERS=hashers),
        transaction.atomic(),
    ):
        ensure_subjects()  # a transactional test may have flushed them
        output = seed(**SMALL)
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def small(small_district, db, settings):
    settings.DEBUG = True
    return small_district


def first_school() -> School:
    return School.objects.get(code=school_code(0))


def homeroom_of() -> dict[int, int]:
    return dict(
        RoleAssignment.objects.filter(role=Role.HOMEROOM).values_list("classroom_id", "user_id")
    )


def spans_by_class() -> dict[int, list[Enrollment]]:
    out = defaultdict(list)
    for span in Enrollment.objects.all():
        out[span.classroom_id].append(span)
    return out


def covers(span, day) -> bool:
    return span.start_date <= day and (span.end_date is None or span.end_date > day)


def attendance_counts() -> dict:
    models = [RollCall, Absence, ConductEvent, FamilyContact, AbsenceAlert, ClassSizeConfirmation]
    out = {m.__name__: m.objects.count() for m in models}
    out |= {f"history:{m.__name__}": m.history.count() for m in models}
    return out


def official_absences(school) -> dict[int, dict[datetime.date, str]]:
    """Per student: the days absent from the official session, with the status."""
    official = SchoolSettings.for_school(school).official_session
    out = defaultdict(dict)
    for student_id, day, status in Absence.objects.filter(
        student__school=school, session=official
    ).values_list("student_id", "date", "status"):
        out[student_id][day] = status
    return out


class TestSmallDistrictAttendance:
    def test_rolls_are_taken_on_school_days_only_up_to_today(self, small):
        for year in SchoolYear.objects.filter(is_current=True).select_related("school"):
            holidays = list(year.holidays.values_list("start_date", "end_date"))
            expected, day = set(), year.start_date
            while day <= TODAY:  # Monday to Saturday (or Friday), no holiday
                taught = day.weekday() < 5 or (day.weekday() == 5 and year.saturday_classes)
                if taught and not any(a <= day <= b for a, b in holidays):
                    expected.add(day)
                day += datetime.timedelta(days=1)
            dates = set(
                RollCall.objects.filter(classroom__school_year=year).values_list("date", flat=True)
            )
            assert dates == expected, year.school
            # The opening day is a Saturday: the five-day school starts on Monday 07/09.
            first = CURRENT_YEAR.start_date if year.saturday_classes else D(2026, 9, 7)
            assert min(dates) == first and max(dates) == TODAY

    def test_one_school_teaches_a_five_day_week_and_the_boarding_school_two_sessions(self, small):
        assert SchoolYear.objects.filter(is_current=True, saturday_classes=False).count() == 1
        boarding = School.objects.get(kind=School.Kind.BOARDING)
        assert SchoolSettings.for_school(boarding).taught_sessions == ["morning", "afternoon"]
        sessions = Counter(
            RollCall.objects.filter(classroom__school_year__school=boarding).values_list(
                "session", flat=True
            )
        )
        assert sessions["afternoon"] > 0 and sessions["morning"] > sessions["afternoon"] - 1
        others = RollCall.objects.exclude(classroom__school_year__school=boarding)
        assert set(others.values_list("session", flat=True)) == {"morning"}

    def test_every_class_has_every_earlier_roll_and_most_but_not_all_took_todays(self, small):
        for year in SchoolYear.objects.filter(is_current=True):
            settings = SchoolSettings.for_school(year.school_id)
            days = year.school_days(year.start_date, TODAY - datetime.timedelta(days=1))
            classes = list(year.classrooms.all())
            for classroom in classes:
                rolls = set(classroom.roll_calls.values_list("date", "session"))
                expected = {(d, s) for d in days for s in settings.taught_sessions}
                assert expected <= rolls, classroom
            taken_today = {
                c for c in classes if c.roll_calls.filter(date=TODAY, session="morning").exists()
            }
            assert 0 < len(taken_today) < len(classes), year.school
            assert not RollCall.objects.filter(classroom__school_year=year, date__gt=TODAY)
            assert not RollCall.objects.filter(date=TODAY, session="afternoon").exists()
        gvcn_class = RoleAssignment.objects.get(user__username="gvcn", role=Role.HOMEROOM).classroom
        assert not gvcn_class.roll_calls.filter(date=TODAY).exists()

    def test_each_roll_is_taken_by_the_class_homeroom_teacher(self, small):
        homeroom = homeroom_of()
        for classroom_id, taken_by in RollCall.objects.values_list(
            "classroom_id", "taken_by_id"
        ).distinct():
            assert taken_by == homeroom[classroom_id]
        rc = RollCall.objects.order_by("date").first()
        (entry,) = rc.history.all()
        assert entry.history_user_id == rc.taken_by_id
        assert entry.history_date.date() == rc.date

    def test_about_three_percent_of_student_sessions_are_absent(self, small):
        spans = spans_by_class()
        sessions = sum(
            sum(covers(s, day) for s in spans[classroom_id])
            for classroom_id, day in RollCall.objects.values_list("classroom_id", "date")
        )
        absent = Absence.objects.count()
        assert 0.015 <= absent / sessions <= 0.05, absent / sessions
        statuses = Counter(Absence.objects.values_list("status", flat=True))
        assert statuses["P"] > statuses["K"] > 0
        reasons = set(Absence.objects.filter(status="P").values_list("reason", flat=True))
        assert {"Ốm", "Việc gia đình"} <= reasons
        unexcused = Counter(Absence.objects.filter(status="K").values_list("reason", flat=True))
        assert unexcused.most_common(1)[0][0] == ""

    def test_absences_are_clustered_some_students_far_more_than_others(self, small):
        per_student = Counter(Absence.objects.values_list("student_id", flat=True))
        enrolled = Enrollment.objects.values("student_id").distinct().count()
        assert len(per_student) < 0.9 * enrolled  # some were never absent
        counts = sorted(per_student.values(), reverse=True)
        top = counts[: max(1, len(counts) // 10)]
        assert sum(top) > 0.25 * sum(counts)

    def test_no_absence_outside_the_students_enrollment_in_that_class(self, small):
        spans = defaultdict(list)
        for span in Enrollment.objects.all():
            spans[(span.student_id, span.classroom_id)].append(span)
        absences = Absence.objects.select_related("roll_call")
        for absence in absences:
            rc = absence.roll_call
            assert (absence.date, absence.session) == (rc.date, rc.session)
            assert any(
                covers(s, absence.date) for s in spans[(absence.student_id, rc.classroom_id)]
            )
        # Movers and dropouts were in the demo: the check above saw them.
        assert Enrollment.objects.exclude(end_kind="").exists()
        dropouts = Enrollment.objects.filter(end_kind=Enrollment.EndKind.DROPPED_OUT)
        # Students about to drop out miss days first.
        assert Absence.objects.filter(student_id__in=dropouts.values("student_id")).exists()

    def test_long_absences_in_the_last_two_weeks_that_must_raise_alerts(self, small):
        found = []
        for school in School.objects.all():
            year = school.years.get(is_current=True)
            days = year.school_days(year.start_date, TODAY)
            window = days[-10:]
            for student_id, absent in official_absences(school).items():
                run = best = 0
                for day in window:
                    run = run + 1 if day in absent else 0
                    best = max(best, run)
                if best >= 4:
                    found.append((school, student_id, absent))
        assert found
        assert {school for school, _, _ in found} == set(School.objects.all())
        assert any(
            "K" in {s for d, s in absent.items() if d >= TODAY - datetime.timedelta(14)}
            for _, _, absent in found
        )
        gvcn_class = RoleAssignment.objects.get(user__username="gvcn", role=Role.HOMEROOM).classroom
        in_gvcn_class = Enrollment.objects.filter(classroom=gvcn_class).values_list(
            "student_id", flat=True
        )
        assert {s for _, s, _ in found} & set(in_gvcn_class)

    def test_alerts_are_raised_some_answered_by_a_family_contact_some_still_open(self, small):
        alerts = AbsenceAlert.objects.all()
        assert alerts.filter(kind=AbsenceAlert.Kind.CONSECUTIVE).exists()
        answered = alerts.filter(acknowledged_at__isnull=False)
        assert answered.exists() and alerts.filter(acknowledged_at__isnull=True).exists()
        for alert in answered.prefetch_related("contacts"):
            (contact,) = alert.contacts.all()
            assert contact.student_id == alert.student_id
            assert alert.first_day <= contact.date <= TODAY
            assert alert.acknowledged_by_id == contact.recorded_by_id
        gvcn_class = RoleAssignment.objects.get(user__username="gvcn", role=Role.HOMEROOM).classroom
        assert alerts.filter(classroom=gvcn_class, acknowledged_at__isnull=True).exists()
        for contact in FamilyContact.objects.all():
            assert contact.content and contact.contact_person
            assert contact.date <= TODAY

    def test_lateness_recorded_by_the_youth_union_on_days_the_student_came(self, small):
        late = ConductEvent.objects.filter(
            kind=ConductEvent.Kind.LATE, student__school=first_school()
        )
        assert late.exists()
        assert set(late.values_list("recorded_by__username", flat=True)) == {"doandoi"}
        absent = set(Absence.objects.values_list("student_id", "date"))
        spans = defaultdict(list)
        for span in Enrollment.objects.all():
            spans[span.student_id].append(span)
        for event in ConductEvent.objects.all():
            assert (event.student_id, event.date) not in absent
            assert any(covers(s, event.date) for s in spans[event.student_id])
            assert event.date <= TODAY and event.date.weekday() != 6

    def test_confirmations_for_every_class_in_september_and_october_most_in_november(self, small):
        homeroom = homeroom_of()
        classes = set(
            Classroom.objects.filter(school_year__is_current=True).values_list("pk", flat=True)
        )
        for month in (D(2026, 9, 1), D(2026, 10, 1)):
            rows = ClassSizeConfirmation.objects.filter(month=month)
            assert set(rows.values_list("classroom_id", flat=True)) == classes
            for row in rows:
                assert row.confirmed_by_id == homeroom[row.classroom_id]
                confirmed_on = row.confirmed_at.astimezone(VN).date()
                assert 15 <= confirmed_on.day <= 25 and confirmed_on.month == month.month
                assert row.figures
        november = set(
            ClassSizeConfirmation.objects.filter(month=D(2026, 11, 1)).values_list(
                "classroom_id", flat=True
            )
        )
        assert 0 < len(november) < len(classes)
        gvcn_class = RoleAssignment.objects.get(user__username="gvcn", role=Role.HOMEROOM)
        assert gvcn_class.classroom_id not in november
        assert not ClassSizeConfirmation.objects.filter(month__gt=D(2026, 11, 1)).exists()

    def test_a_class_that_changed_explains_it_in_its_confirmation(self, small):
        names = {}
        for span in Enrollment.objects.select_related("student"):
            names[span.student_id] = span.student.full_name
        explained = 0
        by_class = defaultdict(list)
        for row in ClassSizeConfirmation.objects.order_by("month"):
            by_class[row.classroom_id].append(row)
        for classroom_id, rows in by_class.items():
            previous_day = None
            for row in rows:
                day = row.confirmed_at.astimezone(VN).date()
                since = row.month - datetime.timedelta(days=1)
                if previous_day is not None:
                    since = min(since, previous_day)
                moved = {
                    span.student_id
                    for span in Enrollment.objects.filter(classroom_id=classroom_id)
                    if (
                        span.start_kind != Enrollment.StartKind.START_OF_YEAR
                        and since < span.start_date <= day
                    )
                    or (span.end_date and since < span.end_date <= day)
                }
                if moved:
                    assert all(names[s] in row.explanation for s in moved), row
                    explained += 1
                previous_day = day
        assert explained

    def test_frozen_figures_are_those_the_confirmation_service_would_store(self, small):
        from retention import services_classsize as service

        row = ClassSizeConfirmation.objects.filter(month=D(2026, 10, 1)).order_by("pk").first()
        with transaction.atomic():
            again = service.class_size_confirm(
                classroom=row.classroom,
                month=row.month,
                user=row.confirmed_by,
                explanation=row.explanation or "Không có biến động.",
                on=row.confirmed_at.astimezone(VN).date(),
                now=row.confirmed_at,
            )
            assert again.figures == row.figures
            transaction.set_rollback(True)

    def test_the_plan_is_the_same_on_every_run(self, small):
        school = School.objects.get(code=school_code(2))
        year = school.years.get(is_current=True)
        one = plan_attendance(
            load_school(school, year, TODAY), seed=2024, story_day=TODAY, partial_today=True
        )
        two = plan_attendance(
            load_school(school, year, TODAY), seed=2024, story_day=TODAY, partial_today=True
        )
        assert one == two and one.absences
        other = plan_attendance(
            load_school(school, year, TODAY), seed=1, story_day=TODAY, partial_today=True
        )
        assert other.absences != one.absences
        # What was written is what was planned.
        written = set(
            Absence.objects.filter(student__school=school).values_list(
                "roll_call__classroom_id", "date", "session", "student_id", "status", "reason"
            )
        )
        assert written == set(one.absences)

    def test_running_again_adds_nothing(self, small):
        assert "Attendance of 4 schools" in small
        before = attendance_counts()
        output = seed(**SMALL)
        assert "nothing to do" in output
        assert attendance_counts() == before


# --- Other modes -----------------------------------------------------------------------------
def test_a_full_year_of_attendance_and_none_when_asked(db, settings):
    settings.DEBUG = True
    seed(schools=2, classes_per_grade=1, students_per_class=3, no_attendance=True)
    assert not RollCall.objects.exists() and School.objects.count() == 2
    # A later run fills in the attendance of the schools already there, to the year's end.
    output = seed(schools=2, classes_per_grade=1, students_per_class=3, attendance_until="end")
    assert "Attendance of 2 schools up to 29/05/2027" in output
    current = Classroom.objects.filter(school_year__is_current=True)
    for classroom in current.select_related("school_year"):
        year = classroom.school_year
        days = year.school_days()
        dates = set(classroom.roll_calls.values_list("date", flat=True))
        assert dates == set(days) and max(dates) == year.end_date  # a Saturday, taught
        assert not dates & {D(2027, 1, 1), D(2027, 2, 8), D(2027, 4, 30)}
    months = set(ClassSizeConfirmation.objects.values_list("month", flat=True))
    assert months == {D(2026, m, 1) for m in range(9, 13)} | {D(2027, m, 1) for m in range(1, 6)}
    assert ClassSizeConfirmation.objects.count() == len(months) * current.count()
