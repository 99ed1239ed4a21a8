"""Office staff: the schools under their office, creating and editing a school, its read-only
page, and resetting a principal's password. Office staff never see a child's record."""

import pytest
from django.urls import reverse

from schools import services
from schools.models import Role, RoleAssignment, School, SchoolYear, User

from .. import factories as f
from ..conftest import login
from .conftest import grow_office


def _create_data(world, **overrides):
    data = {
        "office": world.office_a.pk,
        "code": "c01",
        "name": "Trường THCS Cúc Phương",
        "kind": School.Kind.THCS,
        "governing_body": "UBND XÃ CÚC PHƯƠNG",
        "address": "Thôn 1",
        "commune": "Cúc Phương",
        "province": "Ninh Bình",
        "phone": "",
        "year-start_year": "2026",
        "year-start_date": "05/09/2026",
        "year-semester1_end": "16/01/2027",
        "year-semester2_start": "18/01/2027",
        "year-end_date": "29/05/2027",
        "year-enrollment_snapshot_date": "05/09/2026",
        "year-saturday_classes": "on",
        "year-regulation": "tt22",
        "principal-username": "ht.cucphuong",
        "principal-full_name": "Lý Thị Cúc",
        "principal-phone": "0905 123 456",
        "principal-password": "Lua-Xuan-2026",
    }
    data.update(overrides)
    return data


def test_office_lists_the_schools_under_it_with_figures(client, world):
    login(client, world.office)
    response = client.get(reverse("school_list"))
    rows = {row["school"].code: row for row in response.context["rows"]}
    assert set(rows) == {"A", "B"}
    assert (rows["A"]["classes"], rows["A"]["students"]) == (3, 5)
    assert rows["A"]["principal"] == world.principal
    assert rows["B"]["principal"] == world.principal_b


def test_another_office_sees_no_school(client, world):
    login(client, world.office_z_user)
    assert list(client.get(reverse("school_list")).context["rows"]) == []


def test_school_search_ignores_accents_and_case(client, world):
    login(client, world.office)
    response = client.get(reverse("school_list"), {"q": "truong thcs b"})
    assert [row["school"] for row in response.context["rows"]] == [world.school_b]
    response = client.get(reverse("school_list"), {"q": "a"})
    assert world.school_a in [row["school"] for row in response.context["rows"]]


def test_school_list_costs_the_same_for_2_and_7_schools(
    client, world, count_queries, django_assert_max_num_queries
):
    # session, user, scope (assignments, office, sub-offices ×2, school ids), schools,
    # classes per school, students per school, principals: 10.
    login(client, world.office)
    _, few = count_queries(reverse("school_list"))
    grow_office(world, schools=5)
    with django_assert_max_num_queries(10):
        response, many = count_queries(reverse("school_list"))
    assert len(response.context["rows"]) == 7
    assert few == many


def test_office_creates_a_school_with_its_year_and_principal(client, world):
    login(client, world.office)
    response = client.post(reverse("school_create"), _create_data(world))
    school = School.objects.get(code="C01")
    assert response.status_code == 302
    assert response["Location"] == reverse("school_detail", args=[school.pk])
    year = SchoolYear.objects.get(school=school)
    assert year.is_current and year.start_date.isoformat() == "2026-09-05"
    principal = User.objects.get(username="ht.cucphuong")
    assert principal.school == school and principal.must_change_password
    assert RoleAssignment.objects.filter(user=principal, role=Role.PRINCIPAL).exists()
    # The new school is now under the office's eyes.
    rows = client.get(reverse("school_list")).context["rows"]
    assert school in [row["school"] for row in rows]


def test_school_create_shows_the_services_refusals_and_keeps_what_was_typed(client, world):
    login(client, world.office)
    before = School.objects.count()
    response = client.post(
        reverse("school_create"),
        _create_data(world, code="b", **{"principal-username": "Principal"}),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        str(services.MSG_SCHOOL_CODE_TAKEN % {"code": "B"})
    ]
    assert response.context["principal_form"].errors["username"] == [
        str(services.MSG_USERNAME_TAKEN % {"username": "principal"})
    ]
    assert 'value="Trường THCS Cúc Phương"' in response.content.decode()
    assert 'value="29/05/2027"' in response.content.decode()
    assert School.objects.count() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("year-start_date", "31/02/2026"),
        ("year-end_date", "hôm qua"),
        ("year-start_year", "99999999999999999999"),
        ("office", "99999999999999999999"),
        ("kind", "university"),
        ("principal-phone", "gọi cho tôi"),
        ("principal-password", ""),
        ("name", "x" * 5000),
    ],
)
def test_school_create_answers_garbage_with_a_form_error(client, world, field, value):
    login(client, world.office)
    response = client.post(reverse("school_create"), _create_data(world, **{field: value}))
    assert response.status_code == 200
    forms = [response.context[k] for k in ("form", "year_form", "principal_form")]
    assert any(f.errors for f in forms)
    assert not School.objects.filter(code="C01").exists()


def test_office_cannot_create_a_school_under_another_office(client, world):
    login(client, world.office)
    response = client.post(reverse("school_create"), _create_data(world, office=world.office_z.pk))
    assert "office" in response.context["form"].errors
    assert not School.objects.filter(code="C01").exists()


def test_office_edits_a_school(client, world):
    login(client, world.office)
    data = {
        "office": world.office_a.pk,
        "code": "A",
        "name": "Trường THCS A mới",
        "kind": School.Kind.BOARDING,
        "address": "Bản Lác",
    }
    response = client.post(reverse("school_edit", args=[world.school_a.pk]), data)
    assert response.status_code == 302
    world.school_a.refresh_from_db()
    assert (world.school_a.name, world.school_a.kind) == ("Trường THCS A mới", "ptdtnt")


def test_a_principal_cannot_edit_their_school_record(client, world):
    login(client, world.principal)
    data = {"office": world.office_a.pk, "code": "A", "name": "Đổi tên", "kind": "thcs"}
    assert client.post(reverse("school_edit", args=[world.school_a.pk]), data).status_code == 403
    world.school_a.refresh_from_db()
    assert world.school_a.name == "Trường THCS A"


def test_another_office_cannot_edit_the_school(client, world):
    login(client, world.office_z_user)
    data = {"office": world.office_z.pk, "code": "A", "name": "Đổi tên", "kind": "thcs"}
    assert client.post(reverse("school_edit", args=[world.school_a.pk]), data).status_code == 404
    world.school_a.refresh_from_db()
    assert world.school_a.office == world.office_a


def test_school_page_shows_calendar_figures_and_principal_but_no_child(client, world):
    login(client, world.office)
    response = client.get(reverse("school_detail", args=[world.school_a.pk]))
    ctx = response.context
    assert (ctx["class_count"], ctx["students_now"], ctx["principal"]) == (3, 5, world.principal)
    assert ctx["staff_count"] == 7
    assert ctx["can_reset"] and ctx["can_edit"]
    html = response.content.decode()
    assert "05/09/2026" in html
    for student in world.s9a1:
        assert student.given_name not in html


def test_office_resets_a_principals_password(client, world):
    login(client, world.office)
    url = reverse("staff_password_reset", args=[world.principal.pk])
    response = client.post(url, {"password": "tam-thoi-9876"})
    assert response["Location"] == reverse("school_detail", args=[world.school_a.pk])
    world.principal.refresh_from_db()
    assert world.principal.check_password("tam-thoi-9876")
    assert world.principal.must_change_password


def test_a_weak_password_is_refused_on_the_form(client, world):
    login(client, world.office)
    url = reverse("staff_password_reset", args=[world.principal.pk])
    response = client.post(url, {"password": "1234"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    world.principal.refresh_from_db()
    assert world.principal.check_password("demo1234")


def test_office_cannot_reset_a_teachers_password(client, world):
    login(client, world.office)
    url = reverse("staff_password_reset", args=[world.teacher.pk])
    assert client.post(url, {"password": "tam-thoi-9876"}).status_code == 403
    world.teacher.refresh_from_db()
    assert world.teacher.check_password("demo1234")


def test_office_home_shows_the_schools_table(
    client, world, count_queries, django_assert_max_num_queries
):
    login(client, world.office)
    response, few = count_queries(reverse("home"))
    assert {row["school"] for row in response.context["school_rows"]} == {
        world.school_a,
        world.school_b,
    }
    grow_office(world, schools=4)
    # The same 10 queries as the school list.
    with django_assert_max_num_queries(10):
        response, many = count_queries(reverse("home"))
    assert len(response.context["school_rows"]) == 6
    assert few == many


def test_schools_are_listed_in_vietnamese_order(client, world):
    for code, name in [
        ("E1", "Trường THCS Ea Súp"),
        ("D2", "Trường THCS Đắk Mil"),
        ("D1", "Trường THCS Dầu Tiếng"),
    ]:
        f.SchoolFactory(office=world.office_z, code=code, name=name)
    login(client, world.office_z_user)
    names = [row["school"].name for row in client.get(reverse("school_list")).context["rows"]]
    # d before đ before e (code-point order would put Đ last).
    assert names == ["Trường THCS Dầu Tiếng", "Trường THCS Đắk Mil", "Trường THCS Ea Súp"]
