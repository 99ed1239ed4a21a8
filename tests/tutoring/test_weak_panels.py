"""The register on the home page (leaders, GVCN) and on the student page."""

import pytest
from django.urls import reverse

from tutoring import selectors_weak as sel
from tutoring.models import WeakRecord

from ..conftest import login
from .test_weak_helpers import group, member, record

pytestmark = pytest.mark.django_db
Status = WeakRecord.Status


def panel_templates(response):
    return [p.template for p in response.context["panels"]]


@pytest.fixture
def recs(world):
    a, b, _c = world.s9a1
    return {
        "a_toan": record(a, "TOAN"),
        "a_nv": record(a, "NV", status=Status.CONFIRMED),
        "a_all": record(a, None),
        "b_toan": record(b, "TOAN", resolved_term=2),  # no longer weak
        "9a2": record(world.s9a2[0], "NN1"),
        "8a1": record(world.s8a1[0], "TOAN", status=Status.DISMISSED),
        "9b1": record(world.s9b1[0], "TOAN", year=world.year_b),
    }


def test_leaders_see_the_schools_counts(client, world, recs):
    member(group(world, "NN1", 9), world.s9a2[0], by=world.principal)
    login(client, world.principal)
    response = client.get(reverse("home"))
    assert "tutoring/weak/home_panel.html" in panel_templates(response)
    summary = sel.home_summary(world.principal)
    assert summary.leader
    assert (summary.subject_students, summary.subject_records, summary.overall) == (2, 3, 1)
    assert summary.proposed == 2  # students with a record waiting for the GVCN
    assert summary.uncovered_students == 1  # 9A2's student is in an NN1 group
    assert reverse("weak_uncovered") in response.content.decode()


def test_a_gvcn_sees_their_class_with_a_link_to_its_causes_page(client, world, recs):
    login(client, world.gvcn)
    response = client.get(reverse("home"))
    summary = sel.home_summary(world.gvcn)
    assert not summary.leader
    assert (summary.subject_students, summary.overall, summary.uncovered_students) == (1, 1, 1)
    assert summary.classes == [world.c9a1]
    assert reverse("weak_class", args=[world.c9a1.pk]) in response.content.decode()


@pytest.mark.parametrize("role", ["teacher", "youth", "clerk", "office", "group_head"])
def test_other_roles_get_no_home_panel(client, world, recs, role):
    login(client, getattr(world, role))
    response = client.get(reverse("home"))
    assert "tutoring/weak/home_panel.html" not in panel_templates(response)


def test_the_home_panel_costs_the_same_for_many_records(
    client, world, recs, django_assert_max_num_queries
):
    from .test_weak_helpers import students

    login(client, world.principal)
    client.get(reverse("home"))
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("home"))
    for p in students(world.c9a2, 20, world.school_a):
        record(p, "TOAN")
    with django_assert_max_num_queries(60) as many:
        client.get(reverse("home"))
    assert len(many) == len(few)


def test_the_student_page_shows_records_causes_and_support(client, world, recs):
    a = world.s9a1[0]
    WeakRecord.objects.filter(pk=recs["a_nv"].pk).update(causes="family")
    member(group(world, "TOAN", 9, name="Toán 9A"), a, by=world.principal)
    login(client, world.gvcn)
    response = client.get(reverse("student_detail", args=[a.pk]))
    assert "tutoring/weak/student_panel.html" in panel_templates(response)
    panel = next(p for p in response.context["panels"] if p.template.startswith("tutoring/weak"))
    items = {i.record.pk: i for i in panel.context["data"].items}
    assert set(items) == {recs["a_toan"].pk, recs["a_nv"].pk, recs["a_all"].pk}
    assert items[recs["a_toan"].pk].covered and not items[recs["a_nv"].pk].covered
    assert items[recs["a_all"].pk].covered  # any subject covers "weak overall"
    assert panel.context["can_refer"]
    html = response.content.decode()
    assert "Toán 9A" in html
    assert f"{reverse('weak_refer')}?student={a.pk}" in html


def test_the_student_panel_follows_the_register_scope(client, world, recs):
    login(client, world.youth)  # reads students, not the register
    response = client.get(reverse("student_detail", args=[world.s9a1[0].pk]))
    assert "tutoring/weak/student_panel.html" not in panel_templates(response)
