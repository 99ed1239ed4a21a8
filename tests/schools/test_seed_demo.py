"""seed_demo and demo_logins: the demo district is complete, consistent, deterministic and
idempotent. Most tests load a small district (4 schools × 2 classes per grade × 5 students);
one loads the full default demo."""

import datetime
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from lib.vietnamese import name_sort_key, split_full_name, unaccent
from retention.models import (
    Absence,
    AbsenceAlert,
    ClassSizeConfirmation,
    ConductEvent,
    FamilyContact,
    RollCall,
)
from schools.demo import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    MOVEMENTS_FROM,
    MOVEMENTS_UNTIL,
    OFFICE_CODE,
    DemoOptions,
    plan_school,
    school_code,
)
from schools.models import (
    Classroom,
    Holiday,
    Office,
    Role,
    RoleAssignment,
    School,
    SchoolSettings,
    SchoolYear,
    SubjectGroup,
    User,
)
from schools.scoping import scope_for
from students.models import DropoutCause, Enrollment, Guardian, Student
from students.services import class_sizes
from tests.conftest import ensure_subjects

from .. import factories as f

TODAY = datetime.date(2026, 11, 23)
SMALL = {"schools": 4, "classes_per_grade": 2, "students_per_class": 5, "today": TODAY}
PHONE = re.compile(r"^0[39]\d{8}$")


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.fixture(scope="class")
def small_district(django_db_setup, django_db_blocker):
    # Seeded once per class; the outer transaction is rolled back after the class's tests.
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, PASSWORD_HASHERS=hashers),
        transaction.atomic(),
    ):
        ensure_subjects()  # a transactional test may have flushed them
        seed(**SMALL)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def small(small_district, db, debug):
    return None


def first_school():
    return School.objects.get(code=school_code(0))


def roles_of(username):
    return list(
        RoleAssignment.objects.filter(user__username=username).select_related(
            "classroom", "subject", "subject_group", "school", "office"
        )
    )


def counts() -> dict:
    models = [Office, School, SchoolYear, Holiday, Classroom, SubjectGroup, User]
    models += [RoleAssignment, Student, Guardian, Enrollment, SchoolSettings]
    models += [RollCall, Absence, ConductEvent, AbsenceAlert, FamilyContact, ClassSizeConfirmation]
    out = {m.__name__: m.objects.count() for m in models}
    out |= {f"history:{m.__name__}": m.history.count() for m in (Student, Guardian, Enrollment)}
    out |= {f"history:{m.__name__}": m.history.count() for m in (RollCall, Absence)}
    return out


# --- Movements: class sizes counted independently of students.services -----------------------
def independent_sizes(classroom) -> dict:
    """Class size figures counted from the spans in Python, without students.services."""
    snap = classroom.school_year.enrollment_snapshot_date

    def covers(span, day):
        return span.start_date <= day and (span.end_date is None or span.end_date > day)

    spans = list(Enrollment.objects.filter(classroom=classroom))
    ended = [s for s in spans if s.end_date and s.end_date <= TODAY]
    return {
        "start_of_year": sum(covers(s, snap) for s in spans),
        "now": sum(covers(s, TODAY) for s in spans),
        "transferred_in": sum(s.start_kind == Enrollment.StartKind.TRANSFER_IN for s in spans),
        "transferred_out": sum(s.end_kind == Enrollment.EndKind.TRANSFER_OUT for s in ended),
        "dropped_out": sum(s.end_kind == Enrollment.EndKind.DROPPED_OUT for s in ended),
        "moved_in": sum(s.start_kind == Enrollment.StartKind.CLASS_CHANGE for s in spans),
        "moved_out": sum(s.end_kind == Enrollment.EndKind.CLASS_CHANGE for s in ended),
        "returned": sum(s.start_kind == Enrollment.StartKind.RETURNED for s in spans),
    }


def assert_movements_consistent():
    open_spans = Counter(
        Enrollment.objects.filter(end_date__isnull=True).values_list("student_id", flat=True)
    )
    assert max(open_spans.values()) == 1
    classrooms = list(
        Classroom.objects.filter(school_year__is_current=True).select_related("school_year")
    )
    sizes = class_sizes(classrooms, on=TODAY)
    for classroom in classrooms:
        mine = independent_sizes(classroom)
        theirs = sizes[classroom.pk]
        for key in ("start_of_year", "now", "transferred_in", "transferred_out", "dropped_out"):
            assert getattr(theirs, key) == mine[key], (classroom.name, key)
        assert theirs.now == (
            theirs.start_of_year
            - theirs.transferred_out
            - theirs.dropped_out
            + theirs.transferred_in
            - mine["moved_out"]
            + mine["moved_in"]
            + mine["returned"]
        ), classroom.name
    for span in Enrollment.objects.exclude(start_kind=Enrollment.StartKind.START_OF_YEAR):
        assert MOVEMENTS_FROM <= span.start_date <= MOVEMENTS_UNTIL
    for span in Enrollment.objects.exclude(end_kind="").exclude(
        end_kind=Enrollment.EndKind.YEAR_END
    ):
        assert MOVEMENTS_FROM <= span.end_date <= MOVEMENTS_UNTIL
    # A class move closes one span and opens the next on the same day, in the same grade.
    for span in Enrollment.objects.filter(end_kind=Enrollment.EndKind.CLASS_CHANGE):
        nxt = Enrollment.objects.get(student=span.student, start_date=span.end_date)
        assert nxt.start_kind == Enrollment.StartKind.CLASS_CHANGE
        assert nxt.classroom.grade == span.classroom.grade and nxt.classroom != span.classroom
    # A return follows a dropout.
    for span in Enrollment.objects.filter(start_kind=Enrollment.StartKind.RETURNED):
        before = Enrollment.objects.filter(
            student=span.student,
            end_date__lt=span.start_date,
            classroom__school_year=span.classroom.school_year,
        )
        assert before.get().end_kind == Enrollment.EndKind.DROPPED_OUT


# --- --if-empty, DEBUG ------------------------------------------------------------------------
def test_if_empty_does_nothing_when_a_school_exists(db, debug):
    f.SchoolFactory()
    output = seed(if_empty=True)
    assert "not loaded" in output
    assert School.objects.count() == 1 and not Student.objects.exists()


def test_it_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        seed(**SMALL)
    assert not School.objects.exists()
    seed(force=True, schools=2, classes_per_grade=1, students_per_class=2)
    assert School.objects.count() == 2


# --- Determinism and the full default demo ----------------------------------------------------
def test_plans_are_the_same_on_every_run_and_do_not_depend_on_other_schools():
    options = DemoOptions()
    assert plan_school(2, options) == plan_school(2, options)
    assert plan_school(2, options) == plan_school(2, DemoOptions(schools=40))
    assert plan_school(2, options) != plan_school(2, DemoOptions(seed=1))


def test_default_demo_plan_has_realistic_shape():
    plans = [plan_school(i, DemoOptions()) for i in range(DemoOptions().schools)]
    assert len(plans) >= 4
    assert [p.kind for p in plans].count(School.Kind.BOARDING) == 1
    per_school = {tuple(Counter(c.grade for c in p.classes).values()) for p in plans}
    assert all(2 <= n <= 6 for counts_ in per_school for n in counts_)
    assert len(per_school) > 1  # classes per grade vary between schools
    assert all(30 <= c.size <= 45 for p in plans for c in p.classes)
    students = [s for p in plans for s in p.students]
    girls = sum(s.gender == Student.Gender.FEMALE for s in students) / len(students)
    assert 0.46 <= girls <= 0.52
    poor = sum(s.household == Student.Household.POOR for s in students) / len(students)
    near = sum(s.household == Student.Household.NEAR_POOR for s in students) / len(students)
    assert 0.05 <= poor <= 0.11 and 0.04 <= near <= 0.10
    boarding = next(p for p in plans if p.kind == School.Kind.BOARDING)
    khmer = [s for s in boarding.students if s.ethnicity == "Khmer"]
    assert len(khmer) > 0.9 * len(boarding.students)
    assert any(" Thị " in f" {s.family_name} " and " " in s.given_name for s in khmer)
    ordinary = [s for p in plans if p.kind != School.Kind.BOARDING for s in p.students]
    assert Counter(s.ethnicity for s in ordinary).most_common(1)[0][0] == "Kinh"
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    assert mean([s.distance_km for s in boarding.students]) > mean(
        [s.distance_km for s in ordinary]
    )


def test_the_full_default_demo_loads_with_class_sizes_in_bounds(db, debug):
    output = seed(today=TODAY)
    assert "5 schools created" in output and "Attendance of 5 schools" in output
    classrooms = list(
        Classroom.objects.filter(school_year__is_current=True).select_related("school_year")
    )
    sizes = class_sizes(classrooms, on=TODAY)
    for classroom in classrooms:
        size = sizes[classroom.pk]
        assert 30 <= size.start_of_year <= 45 and 28 <= size.now <= 45, classroom
    assert_movements_consistent()
    assert User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).count() == len(
        DEMO_LOGINS
    )
    assert_attendance_story()


def assert_attendance_story():
    """The full demo's attendance: about 3 % absent in every school, chronic absentees near the
    30- and 40-session warnings (boarding and poorer schools above all), two sessions a day in
    the boarding school, no Saturday in the five-day school, alerts open and answered."""
    official = Counter()  # official-session absences per student (all schools teach mornings)
    for student_id, school_id in Absence.objects.filter(session="morning").values_list(
        "student_id", "student__school_id"
    ):
        official[(school_id, student_id)] += 1
    for school in School.objects.all():
        year = school.years.get(is_current=True)
        absent = Absence.objects.filter(student__school=school).count()
        sessions = 0
        spans = list(Enrollment.objects.filter(classroom__school_year=year))
        for classroom_id, day in RollCall.objects.filter(classroom__school_year=year).values_list(
            "classroom_id", "date"
        ):
            sessions += sum(
                s.classroom_id == classroom_id
                and s.start_date <= day
                and (s.end_date is None or s.end_date > day)
                for s in spans
            )
        assert 0.02 <= absent / sessions <= 0.045, (school, absent / sessions)
        top = sorted((n for (sid, _), n in official.items() if sid == school.pk), reverse=True)
        assert 26 <= top[0] <= 45, (school, top[:3])
        if school.kind == School.Kind.BOARDING:
            assert top[0] > 40 and 30 <= top[1] < 40, top[:3]
            assert RollCall.objects.filter(classroom__school_year=year, session="afternoon")
        if not year.saturday_classes:
            dates = RollCall.objects.filter(classroom__school_year=year).values_list("date")
            assert all(d.weekday() < 5 for (d,) in dates)
        alerts = AbsenceAlert.objects.filter(school_year=year)
        assert alerts.filter(acknowledged_at__isnull=False).exists(), school
    assert AbsenceAlert.objects.filter(kind=AbsenceAlert.Kind.SESSIONS_WARNING, level=40)
    assert AbsenceAlert.objects.filter(acknowledged_at__isnull=True).exists()
    assert ConductEvent.objects.filter(recorded_by__username="doandoi").exists()
    assert FamilyContact.objects.count() > 20
    classes = Classroom.objects.filter(school_year__is_current=True).count()
    assert ClassSizeConfirmation.objects.filter(month=datetime.date(2026, 10, 1)).count() == classes


# --- demo_logins ------------------------------------------------------------------------------
def test_demo_logins_says_what_to_do_when_there_is_no_demo(db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()


# --- A small district: logins, schools, calendar, staff, names, movements, idempotence --------
class TestSmallDistrict:
    """4 schools × 2 classes per grade × 5 students, loaded once for the class inside a
    transaction that is rolled back at the end; each test runs in its own savepoint."""

    def test_every_named_login_exists_with_the_demo_password(self, small):
        for login in DEMO_LOGINS:
            user = User.objects.get(username=login.username)
            assert user.check_password(DEMO_PASSWORD), login.username
            assert not user.must_change_password
            assert user.is_active

    def test_phong_is_office_staff_of_the_demo_office_and_sees_every_school(self, small):
        (assignment,) = roles_of("phong")
        assert assignment.role == Role.OFFICE and assignment.office.code == OFFICE_CODE
        assert assignment.office.parent.kind == Office.Kind.DEPARTMENT
        scope = scope_for(User.objects.get(username="phong"))
        assert scope.school_ids == set(School.objects.values_list("pk", flat=True))

    def test_hieutruong_and_phohieutruong_lead_the_first_school(self, small):
        (principal,) = roles_of("hieutruong")
        assert principal.role == Role.PRINCIPAL and principal.school == first_school()
        (vp,) = roles_of("phohieutruong")
        assert vp.role == Role.VICE_PRINCIPAL and vp.school == first_school()
        assert vp.grades == [8, 9]
        other_vps = RoleAssignment.objects.filter(
            school=first_school(), role=Role.VICE_PRINCIPAL
        ).exclude(user__username="phohieutruong")
        assert [a.grades for a in other_vps] == [[6, 7]]

    def test_hieutruong2_is_principal_of_the_second_school(self, small):
        (principal,) = roles_of("hieutruong2")
        assert principal.role == Role.PRINCIPAL
        assert principal.school.code == school_code(1)

    def test_gvcn_scope_is_exactly_their_grade_9_class(self, small):
        gvcn = User.objects.get(username="gvcn")
        (homeroom,) = [a for a in roles_of("gvcn") if a.role == Role.HOMEROOM]
        assert homeroom.classroom.grade == 9 and homeroom.school == first_school()
        assert list(Classroom.objects.for_user(gvcn)) == [homeroom.classroom]
        # Their students: everyone who has been in the class this year (incl. those who left).
        ever = Enrollment.objects.filter(classroom=homeroom.classroom).values_list("student_id")
        visible = set(Student.objects.for_user(gvcn).values_list("pk", flat=True))
        assert visible == {pk for (pk,) in ever} and visible

    def test_giaovien_teaches_toan_in_grade_8_classes_only(self, small):
        assignments = roles_of("giaovien")
        assert {a.role for a in assignments} == {Role.SUBJECT_TEACHER}
        assert {a.subject.code for a in assignments} == {"TOAN"}
        assert {a.classroom.grade for a in assignments} == {8}
        assert len(assignments) >= 2
        assert {a.school for a in assignments} == {first_school()}

    def test_totruong_heads_the_group_that_has_toan(self, small):
        heads = [a for a in roles_of("totruong") if a.role == Role.GROUP_HEAD]
        assert len(heads) == 1 and heads[0].school == first_school()
        assert "TOAN" in {s.code for s in heads[0].subject_group.subjects.all()}

    def test_vanthu_is_clerk_and_doandoi_youth_union_of_the_first_school(self, small):
        (clerk,) = roles_of("vanthu")
        (youth,) = roles_of("doandoi")
        assert (clerk.role, clerk.school) == (Role.CLERK, first_school())
        assert (youth.role, youth.school) == (Role.YOUTH_UNION, first_school())

    def test_the_district_has_four_schools_under_the_demo_office_one_of_them_boarding(self, small):
        schools = list(School.objects.select_related("office"))
        assert len(schools) == 4
        assert {s.office.code for s in schools} == {OFFICE_CODE}
        boarding = [s for s in schools if s.kind == School.Kind.BOARDING]
        assert len(boarding) == 1 and "PTDTNT" in boarding[0].name
        ethnicities = Counter(Student.objects.filter(school=boarding[0]).values_list("ethnicity"))
        assert ethnicities.most_common(1)[0][0] == ("Khmer",)

    def test_each_school_has_the_current_year_with_holidays_and_last_years_classes(self, small):
        for school in School.objects.all():
            current = SchoolYear.objects.get(school=school, is_current=True)
            assert (current.start_year, current.start_date) == (2026, datetime.date(2026, 9, 5))
            assert current.semester1_end == datetime.date(2027, 1, 16)
            assert current.semester2_start == datetime.date(2027, 1, 18)
            assert current.end_date == datetime.date(2027, 5, 29)
            assert current.enrollment_snapshot_date == datetime.date(2026, 9, 5)
            names = set(current.holidays.values_list("name", flat=True))
            assert {"Tết Dương lịch", "Tết Nguyên đán Đinh Mùi"} <= names
            assert current.holidays.filter(start_date=datetime.date(2027, 4, 16)).exists()
            previous = SchoolYear.objects.get(school=school, start_year=2025)
            assert not previous.is_current
            # Last year's classes (tutoring.demo): grades 6–9, for last year's results.
            assert set(previous.classrooms.values_list("grade", flat=True)) == {6, 7, 8, 9}
            assert previous.start_date == datetime.date(2025, 9, 5)
            current.full_clean()
            previous.full_clean()

    def test_every_class_has_one_homeroom_teacher_and_teachers_for_core_subjects(self, small):
        for classroom in Classroom.objects.filter(school_year__is_current=True):
            assert classroom.assignments.filter(role=Role.HOMEROOM).count() == 1
            subjects = set(
                classroom.assignments.filter(role=Role.SUBJECT_TEACHER).values_list(
                    "subject__code", flat=True
                )
            )
            assert {"TOAN", "NV", "NN1", "KHTN", "LSDL", "HDTN"} <= subjects
        assert Classroom.objects.filter(school_year__is_current=True).count() == 4 * 4 * 2

    def test_every_school_has_every_role_and_two_to_four_subject_groups_with_heads(self, small):
        for school in School.objects.all():
            roles = set(RoleAssignment.objects.filter(school=school).values_list("role", flat=True))
            assert roles == set(Role) - {Role.OFFICE}
            groups = SubjectGroup.objects.filter(school=school)
            assert 2 <= groups.count() <= 4
            for group in groups:
                assert group.subjects.exists()
                assert group.assignments.filter(role=Role.GROUP_HEAD).count() == 1
            assert not User.objects.filter(school=school, must_change_password=True).exists()

    def test_names_have_diacritics_and_sort_keys(self, small):
        students = list(Student.objects.all())
        for s in students:
            assert s.sort_key == name_sort_key(s.family_name, s.given_name)
            assert s.search_name == unaccent(s.full_name)
        accented = [s for s in students if s.full_name != unaccent(s.full_name).title()]
        assert len(accented) > 0.8 * len(students)
        letters = set("".join(s.full_name for s in students))
        assert {"Đ", "ư", "ơ", "ă", "â", "ê", "ô"} & letters == {"Đ", "ư", "ơ", "ă", "â", "ê", "ô"}
        for user in User.objects.exclude(full_name=""):
            family, given = split_full_name(user.full_name)
            assert user.sort_key == name_sort_key(family, given)
            assert user.search_name == unaccent(user.full_name)
        # The class list is in Vietnamese order: it relies on these keys.
        assert Student.objects.search("anh").exists()

    def test_students_have_codes_birth_years_and_guardians_that_fit(self, small):
        for school in School.objects.all():
            codes = list(Student.objects.filter(school=school).values_list("code", flat=True))
            assert len(codes) == len(set(codes))
            assert all(c.startswith(school.code) and c[len(school.code) :].isdigit() for c in codes)
        spans = Enrollment.objects.select_related("student", "classroom__school_year")
        for span in spans:
            born = span.student.date_of_birth.year
            start_year = span.classroom.school_year.start_year
            assert start_year - 5 - span.classroom.grade - born in (0, 1)
        for student in Student.objects.prefetch_related("guardians"):
            guardians = list(student.guardians.all())
            assert 1 <= len(guardians) <= 2
            assert sum(g.is_primary for g in guardians) == 1
            assert all(PHONE.match(g.phone) for g in guardians if g.phone)
            assert student.hamlet.startswith("ấp ") and student.commune.startswith("xã ")
            assert student.distance_km is not None and student.distance_km > 0

    def test_movements_are_recorded_as_consistent_enrollment_spans(self, small):
        assert_movements_consistent()
        for school in School.objects.all():
            spans = Enrollment.objects.filter(student__school=school)
            assert spans.filter(end_kind=Enrollment.EndKind.TRANSFER_OUT).exists()
            assert spans.filter(start_kind=Enrollment.StartKind.TRANSFER_IN).exists()
            dropouts = spans.filter(end_kind=Enrollment.EndKind.DROPPED_OUT)
            assert 1 <= dropouts.count() <= 3
            for span in dropouts:
                assert span.cause_list and set(span.cause_list) <= set(DropoutCause.values)
        first = Enrollment.objects.filter(student__school=first_school())
        assert first.filter(start_kind=Enrollment.StartKind.RETURNED).count() == 1
        assert first.filter(end_kind=Enrollment.EndKind.CLASS_CHANGE).exists()

    def test_running_twice_changes_nothing(self, small):
        before = counts()
        names = list(
            Student.objects.order_by("code").values_list("code", "family_name", "given_name")
        )
        output = seed(**SMALL)
        assert "nothing to do" in output
        assert counts() == before
        assert (
            list(Student.objects.order_by("code").values_list("code", "family_name", "given_name"))
            == names
        )

    def test_a_later_run_with_more_schools_only_adds_the_new_ones(self, small):
        first_students = list(
            Student.objects.filter(school=first_school()).values_list("pk", flat=True)
        )
        seed(schools=6, classes_per_grade=1, students_per_class=3)
        assert School.objects.count() == 6
        sixth = School.objects.get(code=school_code(5))
        assert sixth.name.startswith("Trường THCS số 6")
        assert (
            Classroom.objects.filter(
                school_year__school=sixth, school_year__is_current=True
            ).count()
            == 4
        )
        assert list(Student.objects.filter(school=first_school()).values_list("pk", flat=True)) == (
            first_students
        )

    def test_demo_logins_lists_every_account_with_its_password_and_the_url(self, small):
        out = StringIO()
        call_command("demo_logins", stdout=out)
        text = out.getvalue()
        for login in DEMO_LOGINS:
            assert login.username in text
        assert DEMO_PASSWORD in text and "http://127.0.0.1:8000" in text
        assert "Chuyên viên Phòng GD&ĐT" in text and "Hiệu trưởng" in text
