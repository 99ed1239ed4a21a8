"""The progress page and its drill-down: who reads which groups, the filters, query counts."""

import pytest
from django.urls import reverse

from ..conftest import login
from .test_progress_summary import build_scene
from .test_weak_helpers import (
    HK1,
    SURVEY,
    checkpoint,
    d,
    group,
    head_of,
    last_year,
    member,
    put_results,
    students,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    return build_scene(world)


def group_labels(response):
    return [r.label for r in response.context["summary"].by_group]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("principal", ["Văn 8", "Toán 9"]),
        ("vp", ["Văn 8", "Toán 9"]),
        ("teacher", ["Văn 8", "Toán 9"]),  # tutors both
        ("gvcn", ["Toán 9"]),  # tutors one
    ],
)
def test_each_role_reads_its_groups(client, world, scene, role, expected):
    login(client, getattr(world, role))
    response = client.get(reverse("progress"))
    assert response.status_code == 200
    assert group_labels(response) == expected


def test_a_group_head_reads_the_groups_of_their_subjects(client, world, scene):
    head_of(world, "TOAN")
    login(client, world.group_head)
    assert group_labels(client.get(reverse("progress"))) == ["Toán 9"]


@pytest.mark.parametrize("role", ["clerk", "youth", "office", "office_z_user", "group_head"])
def test_roles_without_groups_are_refused(client, world, scene, role):
    login(client, getattr(world, role))
    assert client.get(reverse("progress")).status_code == 403
    assert client.get(reverse("progress_students")).status_code == 403


def test_another_schools_principal_sees_only_their_school(client, world, scene):
    login(client, world.principal_b)
    response = client.get(reverse("progress"))
    assert response.status_code == 200
    assert response.context["summary"].members == []


def test_the_page_shows_rates_with_a_decimal_comma_and_links_to_the_students(
    client,
    world,
    scene,
):
    login(client, world.principal)
    html = client.get(reverse("progress")).content.decode()
    assert "75,0 %" in html and "66,7 %" in html
    assert f"{reverse('progress_students')}?group={scene['toan'].pk}&amp;until=" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, "abcef"),
        ({"group": "toan"}, "abc"),
        ({"tutor": "gvcn"}, "abc"),
        ({"grade": "8"}, "ef"),
        ({"progressed": "yes"}, "ace"),
        ({"progressed": "no"}, "b"),
        ({"source": "checkpoint"}, "c"),
        ({"source": "none"}, "f"),
        ({"until": "1"}, "abcef"),
    ],
)
def test_the_drill_down(client, world, scene, query, expected):
    values = {"toan": scene["toan"].pk, "gvcn": world.gvcn.pk}
    query = {k: values.get(v, v) for k, v in query.items()}
    login(client, world.principal)
    response = client.get(reverse("progress_students"), query)
    assert response.status_code == 200
    shown = {m.student.pk for m in response.context["members"]}
    assert shown == {scene[k].pk for k in expected}


def test_the_drill_down_shows_before_and_after(client, world, scene):
    login(client, world.principal)
    response = client.get(reverse("progress_students"), {"group": scene["toan"].pk})
    html = response.content.decode()
    row = html[
        html.index(f'data-membership="{scene["toan"].members.get(student=scene["a"]).pk}"') :
    ]
    row = row[: row.index("</tr>")]
    assert "3,5" in row and "5,5" in row
    assert response.context["about"] == ["Toán 9"]


@pytest.mark.parametrize(
    "query",
    [
        {"group": "x"},
        {"tutor": "-3"},
        {"until": "9"},
        {"grade": "42"},
        {"source": "?"},
        {"group": "99999"},
    ],
)
def test_bad_drill_down_input_is_ignored(client, world, scene, query):
    login(client, world.principal)
    assert client.get(reverse("progress_students"), query).status_code == 200
    assert client.get(reverse("progress"), query).status_code == 200


def test_a_tutor_cannot_drill_into_another_tutors_group(client, world, scene):
    login(client, world.gvcn)
    response = client.get(reverse("progress_students"), {"group": scene["nv"].pk})
    assert response.context["members"] == []


@pytest.mark.parametrize("url", ["progress", "progress_students"])
def test_the_pages_cost_the_same_queries_for_few_or_many_groups(
    client,
    world,
    scene,
    django_assert_max_num_queries,
    url,
):
    login(client, world.principal)
    client.get(reverse(url))
    with django_assert_max_num_queries(14) as few:
        assert client.get(reverse(url)).status_code == 200
    for _ in range(5):
        g = group(world, "KHTN", 9, tutors=[world.vp, world.gvcn])
        for s in students(world.c9a2, 4, world.school_a):
            put_results(s, world.c9a2, SURVEY, {"KHTN": "3,0"})
            put_results(s, world.c9a2, HK1, {"KHTN": "6,0"})
            member(g, s, by=world.principal)
            checkpoint(g, s, "before", "3.0", d(10, 10, 2026), by=world.vp)
    with django_assert_max_num_queries(14) as many:
        assert client.get(reverse(url)).status_code == 200
    assert len(many) == len(few)


def test_last_years_progress_is_one_choice_away_and_other_schools_years_are_ignored(
    client, world, scene
):
    """The principal reads last year's groups by choosing the year; a year id of another
    school is ignored (the current year is shown), never a way into School B."""
    from schools.models import SchoolYear
    from tutoring.models import TutoringGroup

    previous = SchoolYear.objects.filter(
        school=world.school_a, start_year=2025
    ).first() or last_year(world)
    g = group(world, "TOAN", 9, tutors=[world.teacher], name="Toán 9 năm trước")
    TutoringGroup.objects.filter(pk=g.pk).update(
        school_year=previous, start_date=d(1, 10, 2025), end_date=d(29, 5, 2026)
    )
    member(g, world.s9a1[0], by=world.principal, joined=d(1, 10, 2025))
    login(client, world.principal)
    assert "Toán 9 năm trước" not in group_labels(client.get(reverse("progress")))
    response = client.get(reverse("progress"), {"year": previous.pk})
    assert group_labels(response) == ["Toán 9 năm trước"]
    assert f"year={previous.pk}" in response.content.decode()
    foreign = client.get(reverse("progress"), {"year": world.year_b.pk})
    assert foreign.status_code == 200
    assert group_labels(foreign) == ["Văn 8", "Toán 9"]
