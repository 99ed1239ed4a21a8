"""The site-wide permission sweep: every URL pattern × every role.

* Anonymous users are sent to the login page.
* Pages without ids never answer 500 to any role.
* Every URL with an id, given another school's object, answers 404 to every role of School A and
  to office staff of another office, for GET and POST, and changes nothing.
A new URL with ids needs a row in OUTSIDE_KWARGS, or the coverage test fails.
"""

import importlib
import pkgutil

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from retention.models import ConductEvent
from schools.models import Holiday, SubjectGroup
from students.models import RosterImport

from . import sweep_rows
from .conftest import login

SKIP_PREFIXES = ("quan-tri/",)  # Django admin: superusers only, its own permission system

# url name -> kwargs pointing at School B's objects (outside School A's scope).
OUTSIDE_KWARGS = {
    "school_detail": lambda w: {"pk": w.school_b.pk},
    "classroom_detail": lambda w: {"pk": w.c9b1.pk},
    "classroom_export": lambda w: {"pk": w.c9b1.pk},
    "student_detail": lambda w: {"pk": w.s9b1[0].pk},
    "student_edit": lambda w: {"pk": w.s9b1[0].pk},
    "movement_create": lambda w: {"pk": w.s9b1[0].pk},
    "roster_import_preview": lambda w: {"pk": _school_b_import(w).pk},
    "school_edit": lambda w: {"pk": w.school_b.pk},
    "staff_detail": lambda w: {"pk": w.principal_b.pk},
    "staff_edit": lambda w: {"pk": w.principal_b.pk},
    "staff_disable": lambda w: {"pk": w.principal_b.pk},
    "staff_enable": lambda w: {"pk": w.principal_b.pk},
    "staff_password_reset": lambda w: {"pk": w.principal_b.pk},
    "role_add": lambda w: {"pk": w.principal_b.pk},
    "role_remove": lambda w: {"pk": w.principal_b.assignments.get().pk},
    "school_year_edit": lambda w: {"pk": w.year_b.pk},
    "school_year_set_current": lambda w: {"pk": w.year_b.pk},
    "holiday_add": lambda w: {"pk": w.year_b.pk},
    "holiday_delete": lambda w: {
        "pk": Holiday.objects.create(
            school_year=w.year_b,
            name="Tết",
            start_date=w.year_b.start_date,
            end_date=w.year_b.start_date,
        ).pk
    },
    "classroom_edit": lambda w: {"pk": w.c9b1.pk},
    "subject_group_edit": lambda w: {
        "pk": SubjectGroup.objects.create(school=w.school_b, name="Tổ B").pk
    },
    "alert_detail": lambda w: {"pk": _school_b_alert(w).pk},
    "family_contact_create": lambda w: {"pk": w.s9b1[0].pk},
    "roll_call": lambda w: {"pk": w.c9b1.pk},
    "attendance_week": lambda w: {"pk": w.c9b1.pk},
    "attendance_month": lambda w: {"pk": w.c9b1.pk},
    "conduct_event_delete": lambda w: {
        "pk": ConductEvent.objects.create(
            student=w.s9b1[0], date=w.year_b.start_date, kind="late", recorded_by=w.principal_b
        ).pk
    },
    "classsize_class": lambda w: {"pk": w.c9b1.pk},
    "class_size_report": lambda w: {"pk": w.school_b.pk},
    "class_size_report_text": lambda w: {"pk": w.school_b.pk},
    "class_size_report_xlsx": lambda w: {"pk": w.school_b.pk},
    "class_size_report_pdf": lambda w: {"pk": w.school_b.pk},
}

# Later areas keep their rows in tests/sweep_rows/<area>.py (an OUTSIDE_KWARGS dict each).
for _module in pkgutil.iter_modules(sweep_rows.__path__):
    OUTSIDE_KWARGS.update(
        importlib.import_module(f"{sweep_rows.__name__}.{_module.name}").OUTSIDE_KWARGS
    )


def _school_b_import(w):
    """A pending roster import uploaded by School B's principal."""
    return RosterImport.objects.create(
        school=w.school_b,
        school_year=w.year_b,
        created_by=w.principal_b,
        file_name="b.xlsx",
        start_date=w.year_b.start_date,
    )


def _school_b_alert(w):
    """An open absence alert of School B's student."""
    from retention.models import AbsenceAlert

    return AbsenceAlert.objects.create(
        student=w.s9b1[0],
        school_year=w.year_b,
        classroom=w.c9b1,
        kind=AbsenceAlert.Kind.CONSECUTIVE,
        reason="Nghỉ 4 ngày liên tiếp",
        first_day=w.year_b.start_date,
        last_day=w.year_b.start_date,
        opened_on=w.year_b.start_date,
    )


ROLES_A = ["principal", "vp", "gvcn", "teacher", "group_head", "clerk", "youth"]
ALL_ROLES = [*ROLES_A, "principal_b", "office", "office_z_user"]


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if route.startswith(SKIP_PREFIXES):
            continue
        if isinstance(p, URLResolver):
            yield from _patterns(p, route)
        elif isinstance(p, URLPattern) and p.name:
            yield p.name, route, tuple(p.pattern.converters)


PATTERNS = sorted(set(_patterns()))
WITH_IDS = [(name, route) for name, route, conv in PATTERNS if conv]
WITHOUT_IDS = [(name, route) for name, route, conv in PATTERNS if not conv]


def _row_counts():
    """Rows of every model (history tables included): any write shows up here."""
    ignored = {"sessions", "axes"}  # logging in writes a session and an access log
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.managed and m._meta.app_label not in ignored
    }


def test_every_url_with_ids_has_an_outside_row():
    missing = [name for name, _ in WITH_IDS if name not in OUTSIDE_KWARGS]
    assert missing == [], f"add these URL names to OUTSIDE_KWARGS: {missing}"


@pytest.mark.parametrize(("name", "route"), WITHOUT_IDS + WITH_IDS)
def test_anonymous_users_are_sent_to_login(client, world, name, route):
    kwargs = OUTSIDE_KWARGS[name](world) if name in OUTSIDE_KWARGS else {}
    url = reverse(name, kwargs=kwargs)
    if name in ("login", "logout"):
        return
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "route"), WITHOUT_IDS)
def test_pages_without_ids_never_fail(client, world, name, route):
    if name == "logout":
        return
    for role in ALL_ROLES:
        login(client, getattr(world, role))
        status = client.get(reverse(name)).status_code
        assert status in (200, 302, 403, 405), f"{role} got {status} on {name}"


@pytest.mark.parametrize(("name", "route"), WITH_IDS)
def test_another_schools_objects_are_404_and_unchanged(client, world, name, route):
    url = reverse(name, kwargs=OUTSIDE_KWARGS[name](world))
    before = _row_counts()
    for role in [*ROLES_A, "office_z_user"]:
        login(client, getattr(world, role))
        assert client.get(url).status_code == 404, f"{role} GET {name}"
        status = client.post(url, {"pk": 1, "name": "x", "kind": "transfer_out"}).status_code
        assert status in (404, 405), f"{role} POST {name} got {status}"
    assert _row_counts() == before
