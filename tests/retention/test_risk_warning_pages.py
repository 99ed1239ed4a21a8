"""The early-warning page and the home panel: who sees which students, the filters, the links to
a case, the access log, bad input and query counts."""

import pytest
from django.urls import reverse

from retention import selectors_warning
from retention.models import RecordAccess
from students.models import Student

from .. import factories as f
from ..conftest import login
from .risk_helpers import make_case
from .test_risk_warning_helpers import (  # noqa: F401 - the fixture today_is
    conduct,
    days_before,
    family,
    today_is_fixture,
    weak,
)

pytestmark = pytest.mark.django_db
URL = "warning_list"


def shown(response) -> list:
    return [row.student for row in response.context["rows"]]


@pytest.fixture
def at_risk(world):
    """One listed student in each class of School A (weak overall) and one in School B (two
    family circumstances), each with a name to look for."""
    for s in (world.s9a1[0], world.s9a2[0], world.s8a1[0]):
        weak(s, world.year_a, overall=True)
    family(world.s9b1[0], ethnicity="Mông", household=Student.Household.POOR)
    return world


@pytest.mark.parametrize("role", ["principal", "vp"])
def test_leaders_see_the_whole_school(client, at_risk, today_is, role):
    w = at_risk
    login(client, getattr(w, role))
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert set(shown(response)) == {w.s9a1[0], w.s9a2[0], w.s8a1[0]}
    page = response.content.decode()
    assert "Páo" not in page  # School B's student


def test_the_gvcn_sees_only_their_class(client, at_risk, today_is):
    login(client, at_risk.gvcn)
    response = client.get(reverse(URL))
    assert shown(response) == [at_risk.s9a1[0]]
    assert response.context["single_class"] is True
    # Asking for another class is not understood, and still shows only 9A1.
    response = client.get(reverse(URL), {"classroom": at_risk.c9a2.pk})
    assert shown(response) == [at_risk.s9a1[0]]
    assert response.context["form"].errors
    response = client.get(reverse(URL), {"grade": 8})
    assert shown(response) == []


@pytest.mark.parametrize("role", ["teacher", "group_head", "clerk", "youth", "office"])
def test_other_roles_may_not_read_the_list(client, at_risk, role):
    login(client, getattr(at_risk, role))
    assert client.get(reverse(URL)).status_code == 403
    assert client.get(reverse("warning_home_panel")).status_code == 403
    assert RecordAccess.objects.count() == 0


def test_another_office_may_not_read_it_either(client, at_risk):
    login(client, at_risk.office_z_user)
    assert client.get(reverse(URL)).status_code == 403


def test_the_outsider_school_sees_only_its_own_students(client, at_risk, today_is):
    w = at_risk
    login(client, w.principal_b)
    response = client.get(reverse(URL))
    assert shown(response) == [w.s9b1[0]]
    page = response.content.decode()
    for s in (w.s9a1[0], w.s9a2[0], w.s8a1[0]):
        assert s.given_name not in page
    # A School A class as a filter is not a choice: ignored.
    response = client.get(reverse(URL), {"classroom": w.c9a1.pk})
    assert shown(response) == [w.s9b1[0]]


def test_filters_by_class_grade_and_without_case(client, at_risk, today_is):
    w = at_risk
    make_case(w.s9a2[0], w.gvcn)
    login(client, w.principal)
    assert shown(client.get(reverse(URL), {"classroom": w.c9a1.pk})) == [w.s9a1[0]]
    assert shown(client.get(reverse(URL), {"grade": 8})) == [w.s8a1[0]]
    assert set(shown(client.get(reverse(URL), {"without_case": "on"}))) == {
        w.s9a1[0],
        w.s8a1[0],
    }
    response = client.get(reverse(URL), {"grade": 9, "without_case": "on"})
    assert shown(response) == [w.s9a1[0]]


@pytest.mark.parametrize(
    "query",
    [
        {"classroom": "abc"},
        {"classroom": "99999999"},
        {"grade": "12"},
        {"grade": "'; DROP"},
        {"page": "x"},
        {"page": "-3"},
        {"without_case": "maybe"},
    ],
)
def test_bad_filters_never_break_the_page(client, at_risk, today_is, query):
    login(client, at_risk.principal)
    response = client.get(reverse(URL), query)
    assert response.status_code == 200
    assert len(shown(response)) >= 1


def test_each_row_links_to_its_case_or_offers_to_open_one(client, at_risk, today_is, monkeypatch):
    w = at_risk
    # Stand-in page names, so the test does not wait for the cases pages to exist.
    monkeypatch.setattr(selectors_warning, "CASE_OPEN_URL", "warning_list")
    monkeypatch.setattr(selectors_warning, "CASE_DETAIL_URL", "student_detail")
    case = make_case(w.s9a2[0], w.gvcn)
    login(client, w.principal)
    page = client.get(reverse(URL)).content.decode()
    open_link = f"{reverse(URL)}?student={w.s9a1[0].pk}&amp;source=warning"
    assert open_link in page
    assert f"?student={w.s9a2[0].pk}&amp;source=warning" not in page
    assert reverse("student_detail", args=[case.pk]) in page
    assert page.count("data-no-case") == 2


def test_opening_the_list_is_logged_with_ids_only(client, at_risk, today_is):
    login(client, at_risk.gvcn)
    client.get(reverse(URL))
    (entry,) = RecordAccess.objects.all()
    assert (entry.user, entry.school, entry.kind) == (
        at_risk.gvcn,
        at_risk.school_a,
        RecordAccess.Kind.WARNING,
    )
    assert entry.object_id is None and entry.student_id_ref is None


def test_the_help_says_one_family_circumstance_is_not_enough(client, at_risk, today_is):
    from django.utils import translation

    login(client, at_risk.principal)
    with translation.override("en"):
        page = client.get(reverse(URL)).content.decode()
    assert "one alone never puts a student on the list: two or more together do" in page
    assert "absent more than 3 days, or 2 unexcused sessions or more, in the last 30 days" in page


def test_the_signals_show_on_the_page(client, world, today_is):
    ann = world.s9a1[0]
    for n in (1, 2, 3):
        conduct(ann, days_before(n))
    family(ann, ethnicity="Mông", distance_km="7.5")
    login(client, world.gvcn)
    page = client.get(reverse(URL)).content.decode()
    assert 'data-signal="conduct"' in page
    assert 'data-signal="far"' in page and "7,5 km" in page
    assert "Mông" in page


def test_no_current_year_shows_a_message(client, world):
    world.year_a.is_current = False
    world.year_a.save()
    login(client, world.principal)
    # Without a current year the principal has no role this year: not a reader.
    assert client.get(reverse(URL)).status_code == 403


def _grow(world, n):
    """n more listed students in a new class of each grade."""
    for grade in (6, 7):
        c = f.ClassroomFactory(school_year=world.year_a, name=f"{grade}A9", grade=grade)
        for _ in range(n):
            s = f.StudentFactory(school=world.school_a)
            f.enroll(s, c)
            weak(s, world.year_a, "TOAN", "NV", overall=True)
            conduct(s, days_before(1))
            family(s, ethnicity="Tày", household=Student.Household.POOR)
            if s.pk % 2:
                make_case(s, world.principal)
    for s in world.s9a1[1:]:
        weak(s, world.year_a, overall=True)


@pytest.mark.parametrize("role", ["principal", "gvcn"])
def test_the_list_costs_the_same_for_few_and_many_students(
    client, at_risk, today_is, django_assert_max_num_queries, role
):
    # session, user, scope (school, year, assignments), settings, enrollments, common
    # circumstances, absences, conduct, weak lines, results, the listed students, their cases,
    # mentors and groups, the access log, the filter's classes: 18 at most (a GVCN: no class
    # filter, 17), whatever the number of students.
    login(client, getattr(at_risk, role))
    url = reverse(URL)
    with django_assert_max_num_queries(18) as few:
        assert client.get(url).status_code == 200
    _grow(at_risk, 15)
    with django_assert_max_num_queries(18) as many:
        response = client.get(url)
    assert len(response.context["rows"]) >= 3
    assert len(few.captured_queries) == len(many.captured_queries)


# --- the home panel ----------------------------------------------------------------------------


def test_the_home_page_loads_the_panel_for_leaders_and_gvcn(client, at_risk):
    for role in ("principal", "gvcn"):
        login(client, getattr(at_risk, role))
        page = client.get(reverse("home")).content.decode()
        assert reverse("warning_home_panel") in page
    login(client, at_risk.teacher)
    assert reverse("warning_home_panel") not in client.get(reverse("home")).content.decode()


def test_the_panel_counts_students_without_a_case_and_the_share(client, at_risk, today_is):
    w = at_risk
    make_case(w.s9a2[0], w.gvcn)
    login(client, w.principal)
    response = client.get(reverse("warning_home_panel"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    data = response.context["data"]
    assert (data.listed, data.listed_without_case) == (3, 2)
    assert (data.total.needing, data.total.covered) == (3, 1)
    body = response.content.decode()
    assert "<html" not in body  # the fragment only
    assert "33,3 %" in body
    assert 'data-stat="without-case">2<' in body


def test_the_gvcn_panel_counts_their_class(client, at_risk, today_is):
    login(client, at_risk.gvcn)
    response = client.get(reverse("warning_home_panel"))
    assert "<html" in response.content.decode()  # without htmx: a page of its own
    data = response.context["data"]
    assert (data.listed, data.listed_without_case, data.total.needing) == (1, 1, 1)


def test_the_panel_costs_the_same_for_few_and_many_students(
    client, at_risk, today_is, django_assert_max_num_queries
):
    # session, user, scope (3), the coverage's queries (13 or 14), the classes: 19 at most.
    login(client, at_risk.principal)
    url = reverse("warning_home_panel")
    with django_assert_max_num_queries(19) as few:
        client.get(url, HTTP_HX_REQUEST="true")
    _grow(at_risk, 15)
    with django_assert_max_num_queries(19) as many:
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.context["data"].listed > 30
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_home_page_costs_no_query_for_the_panel(client, at_risk, django_assert_num_queries):
    from lib.panels import render_panels
    from retention.panels_warning import warning_home_panel

    login(client, at_risk.principal)
    request = client.get(reverse("home")).wsgi_request
    with django_assert_num_queries(0):
        assert warning_home_panel(request) == (
            "retention/warning/home_panel.html",
            {"leader": True},
        )
    assert any(
        p.template == "retention/warning/home_panel.html" for p in render_panels("home", request)
    )
