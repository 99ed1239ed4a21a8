"""The tutoring panels: a tutor's groups and next session on the home page, the leaders'
counts, and a student's groups on the student page."""

import pytest
from django.urls import reverse

from tutoring.services_groups import Slot
from tutoring.services_sessions import record_session

from ..conftest import login
from .test_groups_helpers import (  # noqa: F401 - the fixture today
    d,
    join,
    make_group,
    today,
    weak,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]


@pytest.fixture
def group(world, subjects):
    g = make_group(
        world,
        subjects["TOAN"],
        slots=[Slot(0, "afternoon", 1, 1), Slot(3, "afternoon", 3, 1)],
        name="Phụ đạo Toán 8 – nhóm 1",
    )
    weak(world.s8a1[0], subjects["TOAN"], world.year_a)
    join(g, [world.s8a1[0]], world.principal)
    return g


def panel(response, template="tutoring/groups/panel_home.html"):
    found = [p.context for p in response.context["panels"] if p.template == template]
    return found[0] if found else None


def test_a_tutor_sees_the_sessions_to_record_and_the_next_one(client, world, group):
    record_session(
        group, date=d(12), first_period=3, periods=1, content="x", attendance={}, user=world.teacher
    )
    login(client, world.teacher)
    response = client.get(reverse("home"))
    data = panel(response)
    [item] = data["groups"]
    assert [x.date for x in item.due] == [d(16), d(9), d(5), d(2)]
    assert data["next"][1].date == d(16) and data["counts"] is None
    link = f"{reverse('session_entry', args=[group.pk])}?date=2026-11-16&amp;slot="
    assert link in response.content.decode()


def test_leaders_see_the_schools_counts(client, world, group):
    record_session(
        group, date=d(16), first_period=1, periods=1, content="x", attendance={}, user=world.teacher
    )
    login(client, world.principal)
    counts = panel(client.get(reverse("home")))["counts"]
    assert (counts.groups, counts.students, counts.sessions_this_month) == (1, 1, 1)


def test_others_get_no_tutoring_panel(client, world, group):
    login(client, world.youth)
    assert panel(client.get(reverse("home"))) is None


def test_the_student_page_lists_the_students_groups_and_attendance(client, world, group):
    record_session(
        group,
        date=d(16),
        first_period=1,
        periods=1,
        content="x",
        attendance={world.s8a1[0].pk: (False, "ốm")},
        user=world.teacher,
    )
    record_session(
        group, date=d(12), first_period=3, periods=1, content="y", attendance={}, user=world.teacher
    )
    login(client, world.principal)
    response = client.get(reverse("student_detail", args=[world.s8a1[0].pk]))
    [row] = panel(response, "tutoring/groups/panel_student.html")["rows"]
    assert (row.membership.group, row.present, row.marked) == (group, 1, 2)
    assert "Phụ đạo Toán 8 – nhóm 1" in response.content.decode()
    login(client, world.youth)  # reads students, not tutoring groups
    response = client.get(reverse("student_detail", args=[world.s8a1[0].pk]))
    assert panel(response, "tutoring/groups/panel_student.html") is None
