"""The organisation's write rules, one refusal per test, asserted by their message constants."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from schools import services
from schools.models import (
    Classroom,
    Holiday,
    Role,
    RoleAssignment,
    School,
    SchoolYear,
    Subject,
    SubjectGroup,
    User,
)

from .. import factories as f
from .conftest import add_holiday

D = datetime.date


def _messages(error: ValidationError, field: str = "__all__") -> list[str]:
    return [str(m) for m in error.message_dict.get(field, [])]


def _year(school=None, start_year=2027, **overrides) -> SchoolYear:
    values = {
        "school": school,
        "start_year": start_year,
        "start_date": D(start_year, 9, 5),
        "semester1_end": D(start_year + 1, 1, 15),
        "semester2_start": D(start_year + 1, 1, 18),
        "end_date": D(start_year + 1, 5, 28),
        "enrollment_snapshot_date": D(start_year, 9, 5),
        **overrides,
    }
    return SchoolYear(**values)


# --- schools ----------------------------------------------------------------------------------


def _create_school(world, code="C01", username="hieutruong.c", password="truong-moi-2026", **kw):
    school = School(office=world.office_a, code=code, name=kw.pop("name", "Trường THCS C"))
    return services.school_create(
        school=school,
        year=kw.pop("year", _year(start_year=2026)),
        principal_username=username,
        principal_full_name="  Lý  Thị   Cúc ",
        principal_password=password,
        principal_phone="0905 123 456",
    )


def test_school_create_makes_the_school_its_current_year_and_its_principal(world):
    school = _create_school(world, code=" c01 ")
    assert school.code == "C01"
    year = school.years.get()
    assert year.is_current and year.start_year == 2026
    principal = User.objects.get(username="hieutruong.c")
    assert principal.school == school
    assert principal.full_name == "Lý Thị Cúc"
    assert principal.must_change_password
    assert principal.check_password("truong-moi-2026")
    assert RoleAssignment.objects.filter(
        user=principal, role=Role.PRINCIPAL, school_year=year
    ).exists()


def test_school_create_reports_every_problem_at_once_and_saves_nothing(world):
    counts = (School.objects.count(), SchoolYear.objects.count(), User.objects.count())
    with pytest.raises(ValidationError) as caught:
        _create_school(
            world,
            code="a",  # School A's code, in another case
            username="PRINCIPAL",  # taken, in another case
            password="123",
            year=_year(start_year=2026, semester1_end=D(2026, 9, 1)),
        )
    error = caught.value
    assert _messages(error, "code") == [str(services.MSG_SCHOOL_CODE_TAKEN % {"code": "A"})]
    assert _messages(error, "username") == [
        str(services.MSG_USERNAME_TAKEN % {"username": "principal"})
    ]
    assert "password" in error.message_dict
    assert str(services.MSG_YEAR_DATES_ORDER) in _messages(error)
    assert counts == (School.objects.count(), SchoolYear.objects.count(), User.objects.count())


def test_school_update_refuses_another_schools_code(world):
    world.school_b.code = "a"
    with pytest.raises(ValidationError) as caught:
        services.school_update(school=world.school_b)
    assert _messages(caught.value, "code") == [str(services.MSG_SCHOOL_CODE_TAKEN % {"code": "A"})]


def test_school_update_records_history(world):
    world.school_a.address = "Thôn 3"
    services.school_update(school=world.school_a)
    assert world.school_a.history.first().address == "Thôn 3"


# --- school years -----------------------------------------------------------------------------


def test_school_year_refuses_dates_out_of_order(world):
    year = _year(world.school_a, semester2_start=D(2028, 1, 10))
    with pytest.raises(ValidationError) as caught:
        services.school_year_save(school_year=year)
    assert _messages(caught.value) == [str(services.MSG_YEAR_DATES_ORDER)]
    assert not SchoolYear.objects.filter(school=world.school_a, start_year=2027).exists()


def test_school_year_refuses_a_year_the_school_already_has(world):
    with pytest.raises(ValidationError) as caught:
        services.school_year_save(school_year=_year(world.school_a, start_year=2026))
    assert _messages(caught.value, "start_year") == [
        str(services.MSG_YEAR_TAKEN % {"year": "2026-2027"})
    ]


def test_school_year_must_end_in_the_following_calendar_year(world):
    year = _year(world.school_a, end_date=D(2029, 5, 28))
    with pytest.raises(ValidationError) as caught:
        services.school_year_save(school_year=year)
    assert _messages(caught.value, "end_date") == [
        str(services.MSG_YEAR_END_OUTSIDE % {"year": 2028})
    ]


def test_school_year_refuses_new_dates_that_leave_a_holiday_outside(world):
    add_holiday(world.year_a, name="Tết", start=(2027, 5, 20), end=(2027, 5, 26))
    world.year_a.end_date = D(2027, 5, 15)
    with pytest.raises(ValidationError) as caught:
        services.school_year_save(school_year=world.year_a)
    expected = services.MSG_YEAR_HOLIDAY_OUTSIDE % {
        "name": "Tết",
        "start": "20/05/2027",
        "end": "26/05/2027",
    }
    assert _messages(caught.value) == [str(expected)]


def test_a_new_school_year_is_not_current_until_chosen(world):
    year = services.school_year_save(school_year=_year(world.school_a))
    assert not year.is_current
    assert SchoolYear.objects.get(school=world.school_a, is_current=True) == world.year_a


def test_a_schools_only_year_becomes_current(world):
    school = f.SchoolFactory(office=world.office_a)
    year = services.school_year_save(school_year=_year(school))
    assert year.is_current


def test_set_current_leaves_exactly_one_current_year(world):
    new = services.school_year_save(school_year=_year(world.school_a))
    services.school_year_set_current(school_year=new)
    current = list(SchoolYear.objects.filter(school=world.school_a, is_current=True))
    assert current == [new]
    world.year_a.refresh_from_db()
    assert not world.year_a.is_current
    # School B is untouched.
    world.year_b.refresh_from_db()
    assert world.year_b.is_current


def test_set_current_carries_school_wide_roles_but_not_class_roles(world):
    new = services.school_year_save(school_year=_year(world.school_a))
    services.school_year_set_current(school_year=new)
    carried = {(a.user.username, a.role) for a in new.assignments.select_related("user")}
    assert carried == {
        ("principal", Role.PRINCIPAL),
        ("vp", Role.VICE_PRINCIPAL),
        ("group_head", Role.GROUP_HEAD),
        ("clerk", Role.CLERK),
        ("youth", Role.YOUTH_UNION),
    }
    vp = new.assignments.get(role=Role.VICE_PRINCIPAL)
    assert vp.grade_blocks == "8,9"
    assert new.assignments.get(role=Role.GROUP_HEAD).subject_group == world.group


def test_set_current_does_not_carry_disabled_people_nor_replace_a_principal(world):
    new = services.school_year_save(school_year=_year(world.school_a))
    successor = f.UserFactory(school=world.school_a)
    services.role_assign(user=successor, role=Role.PRINCIPAL, school_year=new)
    world.clerk.is_active = False
    world.clerk.save()
    services.school_year_set_current(school_year=new)
    assert new.assignments.get(role=Role.PRINCIPAL).user == successor
    assert not new.assignments.filter(role=Role.CLERK).exists()


def test_set_current_twice_changes_nothing(world):
    before = RoleAssignment.objects.count()
    services.school_year_set_current(school_year=world.year_a)
    assert RoleAssignment.objects.count() == before
    world.year_a.refresh_from_db()
    assert world.year_a.is_current


def test_set_current_records_history_of_both_years(world):
    new = services.school_year_save(school_year=_year(world.school_a))
    services.school_year_set_current(school_year=new)
    assert world.year_a.history.first().is_current is False
    assert new.history.first().is_current is True


# --- holidays ---------------------------------------------------------------------------------


def test_holiday_inside_the_year_is_added(world):
    holiday = services.holiday_add(
        school_year=world.year_a,
        name=" Tết  Nguyên đán ",
        start_date=D(2027, 2, 15),
        end_date=D(2027, 2, 21),
    )
    assert holiday.name == "Tết Nguyên đán"
    assert list(world.year_a.holidays.all()) == [holiday]


def test_holiday_cannot_end_before_it_starts(world):
    with pytest.raises(ValidationError) as caught:
        services.holiday_add(
            school_year=world.year_a, name="x", start_date=D(2027, 2, 15), end_date=D(2027, 2, 1)
        )
    assert _messages(caught.value, "end_date") == [str(services.MSG_HOLIDAY_DATES_ORDER)]


def test_holiday_must_fall_within_the_year(world):
    with pytest.raises(ValidationError) as caught:
        services.holiday_add(
            school_year=world.year_a, name="Hè", start_date=D(2027, 5, 25), end_date=D(2027, 6, 5)
        )
    expected = services.MSG_HOLIDAY_OUTSIDE_YEAR % {
        "year": "2026-2027",
        "start": "05/09/2026",
        "end": "29/05/2027",
    }
    assert caught.value.messages == [str(expected)]
    assert not Holiday.objects.exists()


def test_holiday_delete(world):
    holiday = add_holiday(world.year_a)
    pk = holiday.pk
    services.holiday_delete(holiday=holiday)
    assert not Holiday.objects.exists()
    assert Holiday.history.filter(id=pk, history_type="-").exists()


# --- classes ----------------------------------------------------------------------------------


def test_class_name_starting_with_a_number_must_match_its_grade(world):
    with pytest.raises(ValidationError) as caught:
        services.classroom_save(classroom=Classroom(school_year=world.year_a, name="9A3", grade=8))
    assert _messages(caught.value, "name") == [
        str(services.MSG_CLASS_NAME_GRADE % {"name": "9A3", "grade": 8})
    ]


def test_class_number_is_read_whole(world):
    # "10A" starts with 10, not with 1: it is no grade-6-to-9 class name.
    with pytest.raises(ValidationError):
        services.classroom_save(classroom=Classroom(school_year=world.year_a, name="10A", grade=6))


def test_class_name_without_a_number_is_allowed(world):
    classroom = services.classroom_save(
        classroom=Classroom(school_year=world.year_a, name="Chuyên  Anh", grade=7)
    )
    assert classroom.name == "Chuyên Anh"


def test_class_grade_must_be_6_to_9(world):
    with pytest.raises(ValidationError) as caught:
        services.classroom_save(classroom=Classroom(school_year=world.year_a, name="5A", grade=5))
    assert _messages(caught.value, "grade") == [str(services.MSG_CLASS_GRADE)]


def test_class_name_is_unique_in_a_year_whatever_the_case(world):
    with pytest.raises(ValidationError) as caught:
        services.classroom_save(classroom=Classroom(school_year=world.year_a, name="9a1", grade=9))
    assert _messages(caught.value, "name") == [
        str(services.MSG_CLASS_NAME_TAKEN % {"year": "2026-2027", "name": "9a1"})
    ]
    # The same name in another school's year is fine.
    services.classroom_save(classroom=Classroom(school_year=world.year_b, name="9A1", grade=9))


def test_class_can_be_renamed_keeping_its_own_name(world):
    world.c9a2.grade = 9
    services.classroom_save(classroom=world.c9a2)
    world.c9a2.name = "9A5"
    services.classroom_save(classroom=world.c9a2)
    world.c9a2.refresh_from_db()
    assert world.c9a2.name == "9A5"
    assert world.c9a2.history.count() == 3  # created, saved, renamed


# --- subject groups ---------------------------------------------------------------------------


def test_subject_group_saves_its_subjects(world):
    subjects = list(Subject.objects.filter(code__in=["TOAN", "TIN"]))
    group = services.subject_group_save(
        subject_group=SubjectGroup(school=world.school_a, name="Tổ  Khoa học tự nhiên"),
        subjects=subjects,
    )
    assert group.name == "Tổ Khoa học tự nhiên"
    assert set(group.subjects.all()) == set(subjects)


def test_subject_group_name_is_unique_in_the_school(world):
    with pytest.raises(ValidationError) as caught:
        services.subject_group_save(
            subject_group=SubjectGroup(school=world.school_a, name="tổ toán – tin")
        )
    assert _messages(caught.value, "name") == [
        str(services.MSG_GROUP_NAME_TAKEN % {"name": "tổ toán – tin"})
    ]
    services.subject_group_save(
        subject_group=SubjectGroup(school=world.school_b, name="Tổ Toán – Tin")
    )


# --- staff ------------------------------------------------------------------------------------


def test_staff_create_lowercases_the_username_and_forces_a_password_change(world):
    user = services.staff_create(
        username=" Lan.Nguyen ",
        full_name="Nguyễn Thị Lan",
        password="mat-khau-tam-1",
        school=world.school_a,
    )
    assert user.username == "lan.nguyen"
    assert user.must_change_password


def test_staff_create_refuses_a_taken_username_in_any_case(world):
    with pytest.raises(ValidationError) as caught:
        services.staff_create(
            username="GVCN", full_name="X", password="mat-khau-tam-1", school=world.school_a
        )
    assert _messages(caught.value, "username") == [
        str(services.MSG_USERNAME_TAKEN % {"username": "gvcn"})
    ]


def test_staff_create_reports_a_weak_password_on_the_password(world):
    with pytest.raises(ValidationError) as caught:
        services.staff_create(
            username="moi", full_name="X", password="12345678", school=world.school_a
        )
    assert set(caught.value.message_dict) == {"password"}
    assert not User.objects.filter(username="moi").exists()


def test_staff_update_changes_name_and_sort_order(world):
    services.staff_update(user=world.teacher, full_name="  Đỗ Văn  An ", phone=" 0912 ")
    world.teacher.refresh_from_db()
    assert world.teacher.full_name == "Đỗ Văn An"
    assert world.teacher.phone == "0912"
    assert world.teacher.search_name == "do van an"
    assert User.objects.filter(school=world.school_a).order_by("sort_key").first() == world.teacher


def test_nobody_can_disable_their_own_account(world):
    with pytest.raises(ValidationError) as caught:
        services.staff_set_active(user=world.principal, active=False, actor=world.principal)
    assert caught.value.messages == [str(services.MSG_OWN_ACCOUNT)]
    world.principal.refresh_from_db()
    assert world.principal.is_active


def test_disable_and_enable_an_account(world):
    services.staff_set_active(user=world.teacher, active=False, actor=world.principal)
    world.teacher.refresh_from_db()
    assert not world.teacher.is_active
    services.staff_set_active(user=world.teacher, active=True, actor=world.principal)
    world.teacher.refresh_from_db()
    assert world.teacher.is_active


def test_password_set_forces_a_change_at_next_login(world):
    services.password_set(user=world.teacher, password="tam-thoi-2026")
    world.teacher.refresh_from_db()
    assert world.teacher.check_password("tam-thoi-2026")
    assert world.teacher.must_change_password


def test_password_set_refuses_a_weak_password_on_the_password(world):
    with pytest.raises(ValidationError) as caught:
        services.password_set(user=world.teacher, password="abc")
    assert set(caught.value.message_dict) == {"password"}
    world.teacher.refresh_from_db()
    assert world.teacher.check_password("demo1234")


# --- roles ------------------------------------------------------------------------------------


def test_the_principal_cannot_remove_their_own_principal_role(world):
    role = world.principal.assignments.get(role=Role.PRINCIPAL)
    with pytest.raises(ValidationError) as caught:
        services.role_remove(assignment=role, actor=world.principal)
    assert caught.value.messages == [str(services.MSG_OWN_PRINCIPAL_ROLE)]
    assert RoleAssignment.objects.filter(pk=role.pk).exists()


def test_the_principal_removes_a_teachers_role(world):
    role = world.teacher.assignments.get()
    services.role_remove(assignment=role, actor=world.principal)
    assert not world.teacher.assignments.exists()
