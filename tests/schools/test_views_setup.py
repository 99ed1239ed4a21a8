"""School set-up (leaders): school years, the current year, holidays, classes, subject groups;
and the class list and landing page everybody starts from."""

import datetime

import pytest
from django.urls import reverse

from schools import services
from schools.models import Classroom, Holiday, Role, SchoolYear, Subject, SubjectGroup

from .. import factories as f
from ..conftest import login
from .conftest import add_holiday, grow_school

YEAR_DATA = {
    "start_year": "2027",
    "start_date": "06/09/2027",
    "semester1_end": "15/01/2028",
    "semester2_start": "17/01/2028",
    "end_date": "27/05/2028",
    "enrollment_snapshot_date": "06/09/2027",
    "saturday_classes": "",
    "regulation": "tt22",
}


# --- the set-up page --------------------------------------------------------------------------


def test_setup_page_shows_years_classes_and_groups_with_heads(client, world):
    login(client, world.vp)
    response = client.get(reverse("school_settings"))
    ctx = response.context
    assert [y.name for y in ctx["years"]] == ["2026-2027"]
    assert ctx["years"][0].class_count == 3
    rows = [(c.name, teacher) for block in ctx["blocks"] for c, _, teacher in block.rows]
    assert rows == [("8A1", None), ("9A1", world.gvcn), ("9A2", None)]
    assert ctx["groups"] == [(world.group, [world.group_head])]


def test_setup_page_costs_the_same_for_3_and_9_classes(
    client, world, count_queries, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), groups, their subjects, group heads,
    # years with class counts, holidays, classes, class sizes, homeroom teachers: 13.
    login(client, world.principal)
    _, few = count_queries(reverse("school_settings"))
    grow_school(world, classes=6, staff=0)
    SubjectGroup.objects.create(school=world.school_a, name="Tổ Ngữ văn")
    with django_assert_max_num_queries(13):
        _, many = count_queries(reverse("school_settings"))
    assert few == many


def test_leader_adds_a_school_year_with_dd_mm_yyyy_dates(client, world):
    login(client, world.vp)
    response = client.get(reverse("school_year_create"))
    assert response.context["form"]["start_year"].value() == 2027  # the next one is proposed
    response = client.post(reverse("school_year_create"), YEAR_DATA)
    year = SchoolYear.objects.get(school=world.school_a, start_year=2027)
    assert response["Location"] == reverse("school_year_edit", args=[year.pk])
    assert year.start_date == datetime.date(2027, 9, 6)
    assert not year.saturday_classes
    assert not year.is_current


def test_dates_out_of_order_are_explained_on_the_form(client, world):
    login(client, world.principal)
    data = {**YEAR_DATA, "semester2_start": "10/01/2028"}
    response = client.post(reverse("school_year_create"), data)
    assert response.status_code == 200
    assert str(services.MSG_YEAR_DATES_ORDER) in response.context["form"].non_field_errors()
    assert 'value="10/01/2028"' in response.content.decode()
    assert not SchoolYear.objects.filter(start_year=2027).exists()


def test_a_year_the_school_has_is_refused(client, world):
    login(client, world.principal)
    data = {
        **YEAR_DATA,
        "start_year": "2026",
        "start_date": "05/09/2026",
        "semester1_end": "15/01/2027",
        "semester2_start": "17/01/2027",
        "end_date": "27/05/2027",
        "enrollment_snapshot_date": "05/09/2026",
    }
    response = client.post(reverse("school_year_create"), data)
    assert response.context["form"].errors["start_year"] == [
        str(services.MSG_YEAR_TAKEN % {"year": "2026-2027"})
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_date", "32/13/2027"),
        ("end_date", "ngày mai"),
        ("end_date", "27/05/99999"),
        ("start_year", "1e9"),
        ("start_year", "99999999999999999999"),
        ("enrollment_snapshot_date", "01/01/2030"),
        ("regulation", "tt99"),
    ],
)
def test_garbage_in_a_school_year_is_a_form_error(client, world, field, value):
    login(client, world.principal)
    response = client.post(reverse("school_year_create"), {**YEAR_DATA, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert SchoolYear.objects.filter(school=world.school_a).count() == 1


def test_leader_edits_the_years_dates(client, world):
    login(client, world.principal)
    data = {
        **YEAR_DATA,
        "start_year": "2026",
        "start_date": "07/09/2026",
        "semester1_end": "15/01/2027",
        "semester2_start": "17/01/2027",
        "end_date": "27/05/2027",
        "enrollment_snapshot_date": "15/09/2026",
    }
    response = client.post(reverse("school_year_edit", args=[world.year_a.pk]), data)
    assert response.status_code == 302
    world.year_a.refresh_from_db()
    assert world.year_a.enrollment_snapshot_date == datetime.date(2026, 9, 15)
    assert world.year_a.is_current


def test_a_gvcn_cannot_edit_the_year(client, world):
    login(client, world.gvcn)
    data = {**YEAR_DATA, "start_year": "2026"}
    assert client.post(reverse("school_year_edit", args=[world.year_a.pk]), data).status_code == 403


def test_leader_makes_a_new_year_current(client, world):
    new = f.SchoolYearFactory(
        school=world.school_a,
        start_year=2027,
        start_date=datetime.date(2027, 9, 5),
        semester1_end=datetime.date(2028, 1, 15),
        semester2_start=datetime.date(2028, 1, 17),
        end_date=datetime.date(2028, 5, 27),
        enrollment_snapshot_date=datetime.date(2027, 9, 5),
        is_current=False,
    )
    login(client, world.vp)
    url = reverse("school_year_set_current", args=[new.pk])
    assert "schools/confirm.html" in [t.name for t in client.get(url).templates]
    new.refresh_from_db()
    assert not new.is_current  # a GET changes nothing
    response = client.post(url)
    assert response["Location"] == reverse("school_settings")
    assert list(SchoolYear.objects.filter(school=world.school_a, is_current=True)) == [new]
    # The vice-principal kept their role in the new year and still reaches the set-up page.
    assert client.get(reverse("school_settings")).status_code == 200
    assert new.assignments.filter(user=world.vp, role=Role.VICE_PRINCIPAL).exists()


def test_a_clerk_cannot_change_the_current_year(client, world):
    login(client, world.clerk)
    assert (
        client.post(reverse("school_year_set_current", args=[world.year_a.pk])).status_code == 403
    )


def test_another_schools_year_is_404_and_stays_current(client, world):
    login(client, world.principal)
    url = reverse("school_year_set_current", args=[world.year_b.pk])
    assert client.post(url).status_code == 404
    world.year_b.refresh_from_db()
    assert world.year_b.is_current


# --- holidays ---------------------------------------------------------------------------------


def test_leader_adds_and_deletes_a_holiday(client, world):
    login(client, world.principal)
    url = reverse("holiday_add", args=[world.year_a.pk])
    response = client.post(
        url, {"name": "Tết Nguyên đán", "start_date": "08/02/2027", "end_date": "14/02/2027"}
    )
    assert response["Location"] == reverse("school_year_edit", args=[world.year_a.pk])
    holiday = world.year_a.holidays.get()
    assert (holiday.start_date, holiday.end_date) == (
        datetime.date(2027, 2, 8),
        datetime.date(2027, 2, 14),
    )
    page = client.get(reverse("school_year_edit", args=[world.year_a.pk])).content.decode()
    assert "08/02/2027" in page
    client.post(reverse("holiday_delete", args=[holiday.pk]))
    assert not Holiday.objects.exists()


def test_a_holiday_outside_the_year_is_refused_on_the_form(client, world):
    login(client, world.principal)
    url = reverse("holiday_add", args=[world.year_a.pk])
    data = {"name": "Nghỉ hè", "start_date": "01/06/2027", "end_date": "31/08/2027"}
    response = client.post(url, data)
    assert response.status_code == 200
    expected = services.MSG_HOLIDAY_OUTSIDE_YEAR % {
        "year": "2026-2027",
        "start": "05/09/2026",
        "end": "29/05/2027",
    }
    assert response.context["holiday_form"].non_field_errors() == [str(expected)]
    assert 'value="Nghỉ hè"' in response.content.decode()
    assert not Holiday.objects.exists()


def test_a_garbage_holiday_date_is_a_form_error(client, world):
    login(client, world.principal)
    url = reverse("holiday_add", args=[world.year_a.pk])
    response = client.post(url, {"name": "X", "start_date": "30/02/2027", "end_date": ""})
    assert set(response.context["holiday_form"].errors) == {"start_date", "end_date"}


def test_another_schools_holiday_is_404_and_stays(client, world):
    holiday = add_holiday(world.year_b)
    login(client, world.principal)
    assert client.post(reverse("holiday_delete", args=[holiday.pk])).status_code == 404
    assert Holiday.objects.filter(pk=holiday.pk).exists()


# --- classes ----------------------------------------------------------------------------------


def test_leader_adds_a_class_to_the_current_year(client, world):
    login(client, world.vp)
    response = client.post(reverse("classroom_create"), {"name": " 6a 1", "grade": "6"})
    assert response["Location"] == reverse("school_settings")
    classroom = Classroom.objects.get(name="6A 1")
    assert classroom.school_year == world.year_a


def test_a_class_name_must_match_its_grade(client, world):
    login(client, world.principal)
    response = client.post(reverse("classroom_create"), {"name": "9A9", "grade": "7"})
    assert response.context["form"].errors["name"] == [
        str(services.MSG_CLASS_NAME_GRADE % {"name": "9A9", "grade": 7})
    ]
    assert 'value="9A9"' in response.content.decode()


def test_a_class_name_is_unique_in_the_year(client, world):
    login(client, world.principal)
    response = client.post(reverse("classroom_create"), {"name": "9a1", "grade": "9"})
    assert response.context["form"].errors["name"] == [
        str(services.MSG_CLASS_NAME_TAKEN % {"year": "2026-2027", "name": "9A1"})
    ]


@pytest.mark.parametrize("grade", ["12", "abc", "", "-1", "99999999999999999999"])
def test_a_tampered_grade_is_a_form_error(client, world, grade):
    login(client, world.principal)
    response = client.post(reverse("classroom_create"), {"name": "Lớp mới", "grade": grade})
    assert response.context["form"].errors["grade"]
    assert not Classroom.objects.filter(name="LỚP MỚI").exists()


def test_leader_renames_a_class(client, world):
    login(client, world.principal)
    url = reverse("classroom_edit", args=[world.c9a2.pk])
    client.post(url, {"name": "9A5", "grade": "9"})
    world.c9a2.refresh_from_db()
    assert world.c9a2.name == "9A5"


def test_a_subject_teacher_cannot_edit_their_class(client, world):
    login(client, world.teacher)
    url = reverse("classroom_edit", args=[world.c8a1.pk])
    assert client.post(url, {"name": "8A9", "grade": "8"}).status_code == 403
    world.c8a1.refresh_from_db()
    assert world.c8a1.name == "8A1"


def test_another_schools_class_is_404_and_stays(client, world):
    login(client, world.principal)
    url = reverse("classroom_edit", args=[world.c9b1.pk])
    assert client.post(url, {"name": "9B9", "grade": "9"}).status_code == 404
    world.c9b1.refresh_from_db()
    assert world.c9b1.name == "9B1"


# --- subject groups ---------------------------------------------------------------------------


def test_leader_creates_a_subject_group_with_subjects(client, world):
    login(client, world.principal)
    subjects = list(Subject.objects.filter(code__in=["NV", "LSDL", "GDCD"]))
    data = {"name": "Tổ Khoa học xã hội", "subjects": [s.pk for s in subjects]}
    response = client.post(reverse("subject_group_create"), data)
    assert response["Location"] == reverse("school_settings")
    group = SubjectGroup.objects.get(name="Tổ Khoa học xã hội")
    assert group.school == world.school_a
    assert set(group.subjects.all()) == set(subjects)


def test_a_subject_group_name_is_unique_and_unknown_subjects_are_refused(client, world):
    login(client, world.principal)
    response = client.post(reverse("subject_group_create"), {"name": "tổ toán – tin"})
    assert response.context["form"].errors["name"] == [
        str(services.MSG_GROUP_NAME_TAKEN % {"name": "tổ toán – tin"})
    ]
    response = client.post(
        reverse("subject_group_create"), {"name": "Tổ mới", "subjects": ["999999", "x"]}
    )
    assert response.context["form"].errors["subjects"]
    assert not SubjectGroup.objects.filter(name="Tổ mới").exists()


def test_leader_edits_a_subject_groups_subjects(client, world):
    login(client, world.vp)
    tin = Subject.objects.get(code="TIN")
    url = reverse("subject_group_edit", args=[world.group.pk])
    client.post(url, {"name": "Tổ Toán – Tin", "subjects": [tin.pk]})
    assert list(world.group.subjects.all()) == [tin]


# --- the class list ---------------------------------------------------------------------------


def test_class_list_groups_classes_by_grade_with_sizes_and_totals(client, world):
    login(client, world.principal)
    response = client.get(reverse("classroom_list"))
    blocks = response.context["blocks"]
    assert [b.grade for b in blocks] == [8, 9]
    grade9 = blocks[1]
    assert [(c.name, size.now, t) for c, size, t in grade9.rows] == [
        ("9A1", 3, world.gvcn),
        ("9A2", 1, None),
    ]
    assert (grade9.start_of_year, grade9.now) == (4, 4)
    assert (response.context["total_start"], response.context["total_now"]) == (5, 5)


def test_a_vice_principal_sees_their_blocks_first(client, world):
    f.ClassroomFactory(school_year=world.year_a, name="6A1", grade=6)
    login(client, world.vp)
    assert [b.grade for b in client.get(reverse("classroom_list")).context["blocks"]] == [8, 9, 6]
    login(client, world.principal)
    assert [b.grade for b in client.get(reverse("classroom_list")).context["blocks"]] == [6, 8, 9]


def test_a_gvcn_sees_only_their_class(client, world):
    login(client, world.gvcn)
    blocks = client.get(reverse("classroom_list")).context["blocks"]
    assert [c.name for b in blocks for c, _, _ in b.rows] == ["9A1"]


def test_class_list_costs_the_same_for_3_and_9_classes(
    client, world, count_queries, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), classes, sizes, homeroom teachers: 8.
    login(client, world.principal)
    _, few = count_queries(reverse("classroom_list"))
    grow_school(world, classes=6, staff=0)
    with django_assert_max_num_queries(8):
        response, many = count_queries(reverse("classroom_list"))
    assert response.context["class_count"] == 9
    assert few == many


def test_leaders_home_counts_students_and_shows_the_gaps(client, world):
    login(client, world.principal)
    ctx = client.get(reverse("home")).context
    assert (ctx["students_now"], ctx["students_start"]) == (5, 5)
    assert [c.name for c in ctx["without_homeroom"]] == ["8A1", "9A2"]
    assert ctx["without_role"] == []


def test_gvcn_home_links_to_their_class(client, world):
    login(client, world.gvcn)
    response = client.get(reverse("home"))
    assert response.context["homerooms"] == [world.c9a1]
    assert reverse("classroom_detail", args=[world.c9a1.pk]) in response.content.decode()
    assert "overview" not in response.context


def test_teacher_home_lists_the_classes_they_teach(client, world):
    login(client, world.teacher)
    response = client.get(reverse("home"))
    assert response.context["taught"] == [world.c8a1]
    assert response.context["homerooms"] == []


def test_leaders_home_costs_the_same_for_3_and_9_classes(
    client, world, count_queries, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), classes, sizes, homeroom teachers,
    # staff without a role: 9; the tutoring panels (weak register, groups, plans, pending
    # imports): 6 more; the risk panels (cases: 1; mentors: own mentees, teachers, mentored): 4.
    login(client, world.principal)
    _, few = count_queries(reverse("home"))
    grow_school(world, classes=6, staff=4)
    with django_assert_max_num_queries(19):
        response, many = count_queries(reverse("home"))
    assert len(response.context["without_role"]) == 4
    assert few == many
