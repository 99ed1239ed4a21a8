"""The principal's staff pages: the list, accounts, passwords and role assignments.
Vice-principals read; everybody else of the school sees only themselves."""

import pytest
from django.urls import reverse

from schools import services
from schools.forms import MSG_CLASS_AND_SUBJECT, MSG_NEEDS_GRADES
from schools.models import Role, RoleAssignment, Subject, User

from .. import factories as f
from ..conftest import login
from .conftest import grow_school

# --- the list ---------------------------------------------------------------------------------


def test_staff_list_shows_this_years_roles(client, world):
    login(client, world.vp)
    response = client.get(reverse("staff_list"))
    staff = {p.username: p for p in response.context["staff"]}
    assert set(staff) == {"principal", "vp", "gvcn", "teacher", "group_head", "clerk", "youth"}
    assert {a.role for a in staff["gvcn"].current_assignments} == {
        Role.HOMEROOM,
        Role.SUBJECT_TEACHER,
    }
    html = response.content.decode()
    assert "8,9" in html  # the VP's grade blocks on their badge
    assert response.context["can_manage"] is False
    assert reverse("staff_create") not in html


def test_staff_list_is_in_vietnamese_name_order(client, world):
    login(client, world.principal)
    names = [p.full_name for p in client.get(reverse("staff_list")).context["staff"]]
    # Sorted by tên in the Vietnamese alphabet (đ right after d, o before ô).
    assert names == [
        "Phạm Thị Chủ",
        "Bùi Văn Đoàn",
        "Trần Văn Hiệu",
        "Lê Thị Phó",
        "Hoàng Thị Thư",
        "Đỗ Văn Toán",
        "Vũ Thị Tổ",
    ]


def test_staff_search_ignores_accents(client, world):
    login(client, world.principal)
    response = client.get(reverse("staff_list"), {"q": "toan"})
    assert [p.username for p in response.context["staff"]] == ["teacher"]
    response = client.get(reverse("staff_list"), {"q": "GROUP_"})
    assert [p.username for p in response.context["staff"]] == ["group_head"]


def test_staff_list_shows_disabled_accounts(client, world):
    services.staff_set_active(user=world.youth, active=False, actor=world.principal)
    login(client, world.principal)
    response = client.get(reverse("staff_list"))
    youth = next(p for p in response.context["staff"] if p.username == "youth")
    assert not youth.is_active
    assert "text-bg-secondary" in response.content.decode()


def test_staff_list_costs_the_same_for_7_and_17_people(
    client, world, count_queries, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), staff, their roles this year: 7.
    login(client, world.principal)
    _, few = count_queries(reverse("staff_list"))
    grow_school(world, classes=5, staff=5)
    with django_assert_max_num_queries(7):
        response, many = count_queries(reverse("staff_list"))
    assert len(response.context["staff"]) == 17
    assert few == many


def test_principal_creates_an_account_that_must_change_its_password(client, world):
    login(client, world.principal)
    data = {"username": "Lan.Nguyen", "full_name": "Nguyễn Thị Lan", "password": "Hoa-Sen-2026"}
    response = client.post(reverse("staff_create"), data)
    person = User.objects.get(username="lan.nguyen")
    assert response["Location"] == reverse("staff_detail", args=[person.pk])
    assert person.school == world.school_a
    assert person.must_change_password
    assert person.check_password("Hoa-Sen-2026")


def test_a_taken_username_is_refused_and_the_form_keeps_what_was_typed(client, world):
    login(client, world.principal)
    data = {"username": "GVCN", "full_name": "Nguyễn Thị Lan", "password": "Hoa-Sen-2026"}
    response = client.post(reverse("staff_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [
        str(services.MSG_USERNAME_TAKEN % {"username": "gvcn"})
    ]
    html = response.content.decode()
    assert 'value="Nguyễn Thị Lan"' in html
    assert 'value="Hoa-Sen-2026"' in html


@pytest.mark.parametrize(
    "data",
    [
        {"username": "có dấu", "full_name": "X Y", "password": "Hoa-Sen-2026"},
        {"username": "u" * 151, "full_name": "X Y", "password": "Hoa-Sen-2026"},
        {"username": "moi", "full_name": "", "password": "Hoa-Sen-2026"},
        {"username": "moi", "full_name": "X Y", "password": "123"},
        {"username": "moi", "full_name": "X Y", "password": "Hoa-Sen-2026", "phone": "abc"},
    ],
)
def test_bad_account_data_is_a_form_error(client, world, data):
    login(client, world.principal)
    before = User.objects.count()
    response = client.post(reverse("staff_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert User.objects.count() == before


def test_a_vice_principal_cannot_create_accounts(client, world):
    login(client, world.vp)
    data = {"username": "moi", "full_name": "X Y", "password": "Hoa-Sen-2026"}
    assert client.post(reverse("staff_create"), data).status_code == 403
    assert not User.objects.filter(username="moi").exists()


def test_principal_edits_name_and_phone(client, world):
    login(client, world.principal)
    url = reverse("staff_edit", args=[world.teacher.pk])
    response = client.post(url, {"full_name": "Đỗ Văn  Toàn", "phone": "0912 345 678"})
    assert response.status_code == 302
    world.teacher.refresh_from_db()
    assert (world.teacher.full_name, world.teacher.phone) == ("Đỗ Văn Toàn", "0912 345 678")


def test_a_vice_principal_cannot_edit_accounts(client, world):
    login(client, world.vp)
    url = reverse("staff_edit", args=[world.teacher.pk])
    assert client.post(url, {"full_name": "Khác", "phone": ""}).status_code == 403
    world.teacher.refresh_from_db()
    assert world.teacher.full_name == "Đỗ Văn Toán"


def test_principal_cannot_edit_another_schools_staff(client, world):
    login(client, world.principal)
    url = reverse("staff_edit", args=[world.principal_b.pk])
    assert client.post(url, {"full_name": "Khác", "phone": ""}).status_code == 404
    world.principal_b.refresh_from_db()
    assert world.principal_b.full_name == "Ngô Văn Bê"


def test_principal_disables_and_enables_an_account(client, world):
    login(client, world.principal)
    assert client.get(reverse("staff_disable", args=[world.teacher.pk])).status_code == 200
    client.post(reverse("staff_disable", args=[world.teacher.pk]))
    world.teacher.refresh_from_db()
    assert not world.teacher.is_active
    client.post(reverse("staff_enable", args=[world.teacher.pk]))
    world.teacher.refresh_from_db()
    assert world.teacher.is_active


def test_principal_cannot_disable_their_own_account(client, world):
    login(client, world.principal)
    response = client.post(reverse("staff_disable", args=[world.principal.pk]), follow=True)
    assert str(services.MSG_OWN_ACCOUNT) in [str(m) for m in response.context["messages"]]
    world.principal.refresh_from_db()
    assert world.principal.is_active


def test_a_vice_principal_cannot_disable_an_account(client, world):
    login(client, world.vp)
    assert client.post(reverse("staff_disable", args=[world.teacher.pk])).status_code == 403
    world.teacher.refresh_from_db()
    assert world.teacher.is_active


def test_principal_resets_a_teachers_password(client, world):
    login(client, world.principal)
    url = reverse("staff_password_reset", args=[world.teacher.pk])
    response = client.post(url, {"password": "Tam-Thoi-2026"})
    assert response["Location"] == reverse("staff_detail", args=[world.teacher.pk])
    world.teacher.refresh_from_db()
    assert world.teacher.check_password("Tam-Thoi-2026") and world.teacher.must_change_password


def test_resetting_ones_own_password_goes_to_the_change_form(client, world):
    login(client, world.principal)
    response = client.get(reverse("staff_password_reset", args=[world.principal.pk]))
    assert response["Location"] == reverse("password_change")


# --- roles ------------------------------------------------------------------------------------


def _add_role(client, person, **data):
    return client.post(reverse("role_add", args=[person.pk]), data)


def test_principal_makes_a_teacher_homeroom_teacher(client, world):
    login(client, world.principal)
    response = _add_role(client, world.teacher, role="homeroom", classroom=world.c8a1.pk)
    assert response["Location"] == reverse("staff_detail", args=[world.teacher.pk])
    assert (
        RoleAssignment.objects.get(role=Role.HOMEROOM, classroom=world.c8a1).user == world.teacher
    )


def test_a_second_homeroom_teacher_is_refused_on_the_form(client, world):
    login(client, world.principal)
    response = _add_role(client, world.teacher, role="homeroom", classroom=world.c9a1.pk)
    assert response.status_code == 200
    expected = services.MSG_HOMEROOM_TAKEN % {"classroom": world.c9a1, "teacher": world.gvcn}
    assert response.context["role_form"].non_field_errors() == [str(expected)]
    assert response.context["role_form"]["classroom"].value() == str(world.c9a1.pk)
    assert not world.teacher.assignments.filter(role=Role.HOMEROOM).exists()


def test_a_second_principal_is_refused(client, world):
    login(client, world.principal)
    response = _add_role(client, world.vp, role="principal")
    expected = services.MSG_PRINCIPAL_TAKEN % {"name": world.principal}
    assert response.context["role_form"].non_field_errors() == [str(expected)]


def test_a_duplicate_role_is_refused(client, world):
    login(client, world.principal)
    response = _add_role(client, world.clerk, role="clerk")
    assert response.context["role_form"].non_field_errors() == [str(services.MSG_DUPLICATE_ROLE)]
    assert world.clerk.assignments.count() == 1


def test_another_schools_class_cannot_be_slipped_into_the_form(client, world):
    login(client, world.principal)
    response = _add_role(client, world.teacher, role="homeroom", classroom=world.c9b1.pk)
    assert response.status_code == 200
    assert "classroom" in response.context["role_form"].errors
    assert not RoleAssignment.objects.filter(classroom=world.c9b1, user=world.teacher).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"role": "office"},
        {"role": "superuser"},
        {"role": "homeroom", "classroom": "abc"},
        {"role": "homeroom", "classroom": "99999999999999999999999"},
        {"role": "group_head", "subject_group": "-1"},
        {"role": "vice_principal", "grades": ["5"]},
    ],
)
def test_tampered_role_data_is_a_form_error(client, world, data):
    login(client, world.principal)
    before = RoleAssignment.objects.count()
    response = _add_role(client, world.teacher, **data)
    assert response.status_code == 200
    assert response.context["role_form"].errors
    assert RoleAssignment.objects.count() == before


def test_a_subject_teacher_needs_class_and_subject(client, world):
    login(client, world.principal)
    response = _add_role(client, world.teacher, role="subject_teacher", classroom=world.c9a2.pk)
    assert response.context["role_form"].non_field_errors() == [str(MSG_CLASS_AND_SUBJECT)]
    toan = Subject.objects.get(code="TOAN")
    _add_role(
        client, world.teacher, role="subject_teacher", classroom=world.c9a2.pk, subject=toan.pk
    )
    assert world.teacher.assignments.filter(classroom=world.c9a2, subject=toan).exists()


def test_a_vice_principal_gets_grade_blocks(client, world):
    login(client, world.principal)
    response = _add_role(client, world.teacher, role="vice_principal")
    assert response.context["role_form"].errors["grades"] == [str(MSG_NEEDS_GRADES)]
    _add_role(client, world.teacher, role="vice_principal", grades=["7", "6"])
    assert world.teacher.assignments.get(role=Role.VICE_PRINCIPAL).grade_blocks == "6,7"


def test_a_group_head_gets_the_schools_group(client, world):
    login(client, world.principal)
    _add_role(client, world.teacher, role="group_head", subject_group=world.group.pk)
    assert world.teacher.assignments.get(role=Role.GROUP_HEAD).subject_group == world.group


def test_a_vice_principal_cannot_add_roles(client, world):
    login(client, world.vp)
    assert _add_role(client, world.teacher, role="clerk").status_code == 403
    assert not world.teacher.assignments.filter(role=Role.CLERK).exists()


def test_principal_removes_a_role_after_confirming(client, world):
    login(client, world.principal)
    role = world.teacher.assignments.get()
    url = reverse("role_remove", args=[role.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "schools/confirm.html" in [t.name for t in response.templates]
    assert RoleAssignment.objects.filter(pk=role.pk).exists()
    client.post(url)
    assert not RoleAssignment.objects.filter(pk=role.pk).exists()


def test_principal_cannot_remove_their_own_principal_role(client, world):
    login(client, world.principal)
    role = world.principal.assignments.get(role=Role.PRINCIPAL)
    response = client.post(reverse("role_remove", args=[role.pk]), follow=True)
    assert str(services.MSG_OWN_PRINCIPAL_ROLE) in [str(m) for m in response.context["messages"]]
    assert RoleAssignment.objects.filter(pk=role.pk).exists()


def test_a_vice_principal_cannot_remove_roles(client, world):
    login(client, world.vp)
    role = world.teacher.assignments.get()
    assert client.post(reverse("role_remove", args=[role.pk])).status_code == 403
    assert RoleAssignment.objects.filter(pk=role.pk).exists()


def test_another_schools_role_is_404_and_stays(client, world):
    login(client, world.principal)
    role = world.principal_b.assignments.get()
    assert client.post(reverse("role_remove", args=[role.pk])).status_code == 404
    assert RoleAssignment.objects.filter(pk=role.pk).exists()


def test_staff_page_lists_roles_and_offers_the_form_to_the_principal_only(client, world):
    login(client, world.principal)
    response = client.get(reverse("staff_detail", args=[world.gvcn.pk]))
    assert {a.role for a in response.context["assignments"]} == {
        Role.HOMEROOM,
        Role.SUBJECT_TEACHER,
    }
    assert response.context["role_form"] is not None
    login(client, world.vp)
    response = client.get(reverse("staff_detail", args=[world.gvcn.pk]))
    assert response.context["role_form"] is None
    assert reverse("role_add", args=[world.gvcn.pk]) not in response.content.decode()


def test_a_person_without_a_role_appears_on_the_leaders_home(client, world):
    newcomer = f.UserFactory(school=world.school_a, full_name="Nguyễn Văn Mới")
    login(client, world.principal)
    response = client.get(reverse("home"))
    assert response.context["without_role"] == [newcomer]
