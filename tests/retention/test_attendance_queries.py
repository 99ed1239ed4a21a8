"""The attendance pages and the save cost the same number of queries for 5 students as for 40.

Roughly, per request: the session and the user (2), the user's scope (3), then
* roll page: the class, the school settings, the day's holidays, the nearby school days, the
  enrolled students, the roll with who saved it, its absences;
* save: the same, plus the service's own checks (settings, holidays, enrolled ids), the locked
  roll, its absences, one bulk insert of the new absences and one of their history rows, the
  roll's update and its history row, the alerts refresh, and the fragment sent back;
* week and month: the class, the settings, the teaching days, the holidays, the enrollment spans
  with the students, the rolls, the absences, the lateness records;
* today's page: the classes, the settings, the day's rolls with absence counts, the homerooms.
"""

import datetime

import pytest
from django.urls import reverse

from retention.services_attendance import conduct_event_record, roll_call_save

from .. import factories as f
from ..conftest import login

TODAY = datetime.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def _grow_to(world, n):
    """9A1 gets ``n`` students, a few absences and a lateness record in the week."""
    have = world.c9a1.enrollments.count()
    for i in range(n - have):
        s = f.StudentFactory(school=world.school_a, given_name=f"Thêm{n}{i}")
        f.enroll(s, world.c9a1)
    students = list(world.c9a1.enrollments.values_list("student_id", flat=True))
    for day in (datetime.date(2026, 11, 16), datetime.date(2026, 11, 17)):
        if world.c9a1.roll_calls.filter(date=day).exists():
            continue
        roll_call_save(
            classroom=world.c9a1,
            date=day,
            session="morning",
            marks={students[-1]: ("K", ""), students[-2]: ("P", "ốm")},
            user=world.vp,
        )
    conduct_event_record(
        student=world.s9a1[n % 3], date=TODAY, kind="late", user=world.youth, year=world.year_a
    )


def _get(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _save(client, world, django_assert_max_num_queries, limit):
    """Three absences (one P with a reason, two K) posted through htmx, as on the phone."""
    ids = list(world.c9a1.enrollments.values_list("student_id", flat=True))
    data = {"version": "", "base": "{}"}
    data.update({f"s-{pk}": "present" for pk in ids})
    data.update({f"r-{pk}": "" for pk in ids})
    data.update({f"s-{ids[0]}": "P", f"r-{ids[0]}": "ốm", f"s-{ids[1]}": "K", f"s-{ids[2]}": "K"})
    url = f"{reverse('roll_call', args=[world.c9a1.pk])}?ngay=2026-11-18&buoi=morning"
    with django_assert_max_num_queries(limit) as ctx:
        response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"roll-saved" in response.content
    world.c9a1.roll_calls.filter(date=TODAY).delete()
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "query", "limit"),
    [
        ("roll_call", "ngay=2026-11-17&buoi=morning", 16),
        ("attendance_week", "ngay=2026-11-17", 16),
        ("attendance_month", "thang=2026-11", 16),
    ],
)
def test_class_pages_cost_the_same_for_5_and_40_students(
    client, world, django_assert_max_num_queries, name, query, limit
):
    login(client, world.gvcn)
    url = f"{reverse(name, args=[world.c9a1.pk])}?{query}"
    _grow_to(world, 5)
    few = _get(client, url, django_assert_max_num_queries, limit)
    _grow_to(world, 40)
    assert _get(client, url, django_assert_max_num_queries, limit) == few


def test_saving_the_roll_costs_the_same_for_5_and_40_students(
    client, world, django_assert_max_num_queries
):
    login(client, world.gvcn)
    _grow_to(world, 5)
    few = _save(client, world, django_assert_max_num_queries, 40)
    _grow_to(world, 40)
    assert _save(client, world, django_assert_max_num_queries, 40) == few


def test_today_page_costs_the_same_for_few_and_many_classes(
    client, world, django_assert_max_num_queries
):
    login(client, world.principal)
    url = reverse("attendance_today")
    _grow_to(world, 5)
    few = _get(client, url, django_assert_max_num_queries, 14)
    for n in range(8):
        classroom = f.ClassroomFactory(school_year=world.year_a, name=f"7X{n}", grade=7)
        f.enroll(f.StudentFactory(school=world.school_a), classroom)
    _grow_to(world, 40)
    assert _get(client, url, django_assert_max_num_queries, 14) == few


def test_student_page_panel_is_bounded(client, world, django_assert_max_num_queries):
    login(client, world.gvcn)
    url = reverse("student_detail", args=[world.s9a1[0].pk])
    _grow_to(world, 5)
    few = _get(client, url, django_assert_max_num_queries, 40)
    for day in (datetime.date(2026, 11, 12), datetime.date(2026, 11, 13)):
        roll_call_save(
            classroom=world.c9a1,
            date=day,
            session="morning",
            marks={world.s9a1[0].pk: ("K", "")},
            user=world.vp,
        )
    assert _get(client, url, django_assert_max_num_queries, 40) == few
