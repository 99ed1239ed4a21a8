"""List pages and the student profile cost a fixed number of queries, whatever the rows."""

import pytest
from django.urls import reverse

from .. import factories as f
from ..conftest import login


def _grow(world, n):
    for i in range(n):
        s = f.StudentFactory(school=world.school_a, given_name=f"Thêm{i}")
        f.GuardianFactory(student=s)
        f.enroll(s, world.c9a1)


def _count_queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url_name", "args", "limit"),
    [
        ("student_list", [], 12),
        ("classroom_detail", ["c9a1"], 12),
        ("classroom_list", [], 12),
        # + the tutoring panels (weak register, groups, plans, imports) and the risk panels
        # (cases; mentors: own mentees, teachers, mentored)
        ("home", [], 19),
    ],
)
def test_lists_do_not_grow_with_rows(
    client, world, django_assert_max_num_queries, url_name, args, limit
):
    login(client, world.principal)
    url = reverse(url_name, args=[getattr(world, a).pk for a in args])
    few = _count_queries(client, url, django_assert_max_num_queries, limit)
    _grow(world, 30)
    many = _count_queries(client, url, django_assert_max_num_queries, limit)
    assert many == few


def test_student_profile_queries_are_bounded(client, world, django_assert_max_num_queries):
    login(client, world.principal)
    student = world.s9a1[0]
    url = reverse("student_detail", args=[student.pk])
    client.get(url)  # warm-up: the first visit creates the school's settings row
    # 24 for the profile, attendance and alerts; 3 for the tutoring panels (results, weak
    # register, groups, plans, counselling and contacts); 3 for the risk panels (cases, mentor,
    # support).
    few = _count_queries(client, url, django_assert_max_num_queries, 30)
    for i in range(5):
        f.GuardianFactory(student=student, full_name=f"Người thân {i}")
    student.notes = "đổi ghi chú"
    student.save()
    many = _count_queries(client, url, django_assert_max_num_queries, 30)
    assert many == few


def test_class_export_queries_are_bounded(client, world, django_assert_max_num_queries):
    login(client, world.principal)
    url = reverse("classroom_export", args=[world.c9a1.pk])
    few = _count_queries(client, url, django_assert_max_num_queries, 12)
    _grow(world, 30)
    assert _count_queries(client, url, django_assert_max_num_queries, 12) == few
