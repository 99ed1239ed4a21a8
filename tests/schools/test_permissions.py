"""Who may open each organisation page: one row per (page, role) with the status they get.

anonymous → 302 to login; outside the scope → 404 (same as "does not exist"); a role that may
see but not change → 403; the right role → 200. GET only: write pages show a form or a
confirmation on GET, so a 200 here means the role may act. POSTs are checked in the flow tests.
"""

import pytest
from django.urls import reverse

from ..conftest import login
from .conftest import add_holiday

SCHOOL_A = ["principal", "vp", "gvcn", "teacher", "group_head", "clerk", "youth"]
EVERYONE = [*SCHOOL_A, "principal_b", "office", "office_z_user"]


def _statuses(default: int, **overrides: int) -> dict[str, int]:
    return {role: overrides.get(role, default) for role in EVERYONE}


LEADERS_ONLY = _statuses(403, principal=200, vp=200, principal_b=200)
PRINCIPAL_ONLY = _statuses(403, principal=200, principal_b=200)
# An object of School A's set-up: School B and Phòng Z do not see it; other roles of A see it.
A_SETUP_OBJECT = _statuses(403, principal=200, vp=200, principal_b=404, office_z_user=404)
# A staff account of School A (the subject teacher): colleagues without a leader role see only
# themselves, so another person's account is 404 to them.
A_TEACHER_WRITE = _statuses(404, principal=200, vp=403, teacher=403, office=403)

MATRIX = {
    "home": (lambda w: {}, _statuses(200)),
    "school_list": (lambda w: {}, _statuses(403, office=200, office_z_user=200)),
    "school_create": (lambda w: {}, _statuses(403, office=200, office_z_user=200)),
    "school_detail": (
        lambda w: {"pk": w.school_a.pk},
        _statuses(200, principal_b=404, office_z_user=404),
    ),
    "school_edit": (
        lambda w: {"pk": w.school_a.pk},
        _statuses(403, office=200, principal_b=404, office_z_user=404),
    ),
    "classroom_list": (lambda w: {}, _statuses(200, office=403, office_z_user=403)),
    "staff_list": (lambda w: {}, LEADERS_ONLY),
    "staff_create": (lambda w: {}, PRINCIPAL_ONLY),
    "staff_detail": (
        lambda w: {"pk": w.teacher.pk},
        _statuses(404, principal=200, vp=200, teacher=200, office=200),
    ),
    "staff_edit": (lambda w: {"pk": w.teacher.pk}, A_TEACHER_WRITE),
    "staff_disable": (lambda w: {"pk": w.teacher.pk}, A_TEACHER_WRITE),
    "staff_enable": (lambda w: {"pk": w.teacher.pk}, A_TEACHER_WRITE),
    "staff_password_reset": (lambda w: {"pk": w.teacher.pk}, A_TEACHER_WRITE),
    "role_add": (lambda w: {"pk": w.teacher.pk}, A_TEACHER_WRITE),
    "role_remove": (
        lambda w: {"pk": w.teacher.assignments.get().pk},
        A_TEACHER_WRITE,
    ),
    "school_settings": (lambda w: {}, LEADERS_ONLY),
    "school_rules_edit": (lambda w: {}, LEADERS_ONLY),
    "school_year_create": (lambda w: {}, LEADERS_ONLY),
    "school_year_edit": (lambda w: {"pk": w.year_a.pk}, A_SETUP_OBJECT),
    "school_year_set_current": (lambda w: {"pk": w.year_a.pk}, A_SETUP_OBJECT),
    "holiday_add": (lambda w: {"pk": w.year_a.pk}, A_SETUP_OBJECT),
    "holiday_delete": (lambda w: {"pk": add_holiday(w.year_a).pk}, A_SETUP_OBJECT),
    "classroom_create": (lambda w: {}, LEADERS_ONLY),
    "classroom_edit": (
        # 8A1: the GVCN of 9A1 does not see it (404); its subject teacher sees it (403).
        lambda w: {"pk": w.c8a1.pk},
        _statuses(
            403,
            principal=200,
            vp=200,
            gvcn=404,
            group_head=404,
            principal_b=404,
            office_z_user=404,
        ),
    ),
    "subject_group_create": (lambda w: {}, LEADERS_ONLY),
    "subject_group_edit": (lambda w: {"pk": w.group.pk}, A_SETUP_OBJECT),
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_each_role_gets_the_expected_status(client, world, name):
    kwargs_for, statuses = MATRIX[name]
    url = reverse(name, kwargs=kwargs_for(world))
    got = {}
    for role in EVERYONE:
        login(client, getattr(world, role))
        got[role] = client.get(url).status_code
    assert got == statuses


@pytest.mark.parametrize("name", list(MATRIX))
def test_anonymous_users_are_sent_to_login(client, world, name):
    kwargs_for, _ = MATRIX[name]
    response = client.get(reverse(name, kwargs=kwargs_for(world)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_organisation_url_has_a_row():
    from schools.urls import urlpatterns

    auth = {"login", "logout", "password_change", "password_change_done"}
    names = {p.name for p in urlpatterns} - auth | {"home"}
    assert names == set(MATRIX)


def test_office_resets_only_principals_passwords(client, world):
    login(client, world.office)
    assert client.get(reverse("staff_password_reset", args=[world.principal.pk])).status_code == 200
    assert client.get(reverse("staff_password_reset", args=[world.vp.pk])).status_code == 403
    login(client, world.office_z_user)
    assert client.get(reverse("staff_password_reset", args=[world.principal.pk])).status_code == 404


def test_a_disabled_account_is_logged_out(client, world):
    login(client, world.teacher)
    world.teacher.is_active = False
    world.teacher.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
