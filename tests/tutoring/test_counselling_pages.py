"""Grade-9 streaming counselling: recording a session, the class page with each student's latest
choice, the school's summary, who may do what, and query counts that do not grow with rows."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from tutoring import services_counselling as services
from tutoring.models import Counselling

from ..conftest import login
from .test_plans_helpers import d, students_in, today_fixture  # noqa: F401 - the fixture today

pytestmark = pytest.mark.django_db


def counsel(world, student, choice="upper_secondary", day=None, **fields):
    return Counselling.objects.create(
        student=student,
        school_year=world.year_a,
        date=day or d(10, 11),
        counsellor=fields.pop("counsellor", world.gvcn),
        choice=choice,
        **fields,
    )


def post_data(**overrides):
    data = {
        "date": "20/11/2026",
        "counsellor": "",
        "choice": "vocational",
        "parents_present": "on",
        "parent_names": "Nguyễn Văn Bố (bố)",
        "note": "Em thích nghề sửa xe máy",
    }
    data.update(overrides)
    return data


def test_the_gvcn_records_a_counselling_with_the_parents(client, world, today):
    anh = world.s9a1[0]
    login(client, world.gvcn)
    url = reverse("counselling_create", args=[anh.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["counsellor"] == world.gvcn.pk
    response = client.post(url, post_data(counsellor=world.gvcn.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("counselling_class", args=[world.c9a1.pk])
    record = Counselling.objects.get()
    assert (record.student, record.choice, record.parents_present, record.parent_names) == (
        anh,
        "vocational",
        True,
        "Nguyễn Văn Bố (bố)",
    )
    assert (record.date, record.counsellor, record.school_year) == (
        d(20, 11),
        world.gvcn,
        world.year_a,
    )
    # A double submit does not make a second record.
    client.post(url, post_data(counsellor=world.gvcn.pk))
    assert Counselling.objects.count() == 1


def test_bad_input_keeps_what_was_typed(client, world, today):
    login(client, world.gvcn)
    url = reverse("counselling_create", args=[world.s9a1[0].pk])
    response = client.post(url, post_data(counsellor=world.gvcn.pk, parent_names="  "))
    assert response.status_code == 200
    assert response.context["form"].errors["parent_names"] == [str(services.MSG_PARENT_NAMES)]
    assert "Em thích nghề sửa xe máy" in response.content.decode()
    response = client.post(url, post_data(counsellor=world.gvcn.pk, date="24/11/2026"))
    assert response.context["form"].errors["date"] == [str(services.MSG_DATE_FUTURE)]
    response = client.post(url, post_data(counsellor=world.principal_b.pk, choice="nghe"))
    assert set(response.context["form"].errors) == {"counsellor", "choice"}
    assert Counselling.objects.count() == 0


def test_counselling_is_for_grade_9_only(client, world, today):
    login(client, world.principal)
    response = client.post(
        reverse("counselling_create", args=[world.s8a1[0].pk]),
        post_data(counsellor=world.principal.pk),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("student_detail", args=[world.s8a1[0].pk])
    assert Counselling.objects.count() == 0
    with pytest.raises(ValidationError) as excinfo:
        services.counselling_record(
            student=world.s8a1[0],
            date=d(20, 11),
            counsellor=world.principal,
            choice="vocational",
            user=world.principal,
        )
    assert excinfo.value.messages == [str(services.MSG_NOT_GRADE_9)]
    assert client.get(reverse("counselling_class", args=[world.c8a1.pk])).status_code == 404


@pytest.mark.parametrize(
    ("role", "page", "create"),
    [
        ("principal", 200, 200),
        ("vp", 200, 200),
        ("gvcn", 200, 200),
        ("teacher", 404, 404),  # sees neither 9A1 nor its students
        ("group_head", 404, 404),
        ("clerk", 403, 403),  # sees the school's students, counsels nobody
        ("youth", 403, 403),
    ],
)
def test_who_counsels_9a1(client, world, today, role, page, create):
    login(client, getattr(world, role))
    assert client.get(reverse("counselling_class", args=[world.c9a1.pk])).status_code == page
    assert client.get(reverse("counselling_create", args=[world.s9a1[0].pk])).status_code == create


def test_the_gvcn_of_9a1_does_not_counsel_9a2_and_nobody_counsels_school_b(client, world, today):
    login(client, world.gvcn)
    assert client.get(reverse("counselling_class", args=[world.c9a2.pk])).status_code == 404
    assert (
        client.post(reverse("counselling_create", args=[world.s9a2[0].pk]), post_data()).status_code
        == 404
    )
    login(client, world.principal)
    assert client.get(reverse("counselling_class", args=[world.c9b1.pk])).status_code == 404
    url = reverse("counselling_create", args=[world.s9b1[0].pk])
    assert client.post(url, post_data(counsellor=world.principal.pk)).status_code == 404
    assert Counselling.objects.count() == 0


def test_the_class_page_shows_each_students_latest_choice_and_the_counts(client, world, today):
    anh, anh2, an = world.s9a1
    counsel(world, anh, "undecided", day=d(1, 10))
    counsel(
        world, anh, "upper_secondary", day=d(10, 11), parents_present=True, parent_names="Bà Lan"
    )
    counsel(world, anh2, "undecided")
    login(client, world.gvcn)
    response = client.get(reverse("counselling_class", args=[world.c9a1.pk]))
    data = response.context["data"]
    assert [(r.student, r.latest.choice if r.latest else None, r.sessions) for r in data.rows] == [
        (anh2, "undecided", 1),  # Anh, Ánh, Ân: Vietnamese order (a before â)
        (anh, "upper_secondary", 2),
        (an, None, 0),
    ]
    counts = {c.choice: (c.count, str(c.percent)) for c in data.counts}
    assert counts["upper_secondary"] == (1, "33.3")
    assert counts["undecided"] == (1, "33.3")
    assert counts["vocational"] == (0, "0.0")
    assert (data.never, data.total) == (1, 3)
    page = response.content.decode()
    assert "33,3 %" in page and "Bà Lan" in page
    assert 'class="table-danger"' in page and 'class="table-warning"' in page


def test_the_class_page_costs_the_same_with_many_students(
    client, world, today, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), the class, students, records: 8 at most.
    login(client, world.gvcn)
    url = reverse("counselling_class", args=[world.c9a1.pk])
    counsel(world, world.s9a1[0])
    with django_assert_max_num_queries(8) as few:
        assert client.get(url).status_code == 200
    for i, student in enumerate(students_in(world.c9a1, 25, world.school_a)):
        counsel(world, student, ["vocational", "undecided", "continuing"][i % 3])
        counsel(world, student, "upper_secondary", day=d(1, 10))
    with django_assert_max_num_queries(8) as many:
        response = client.get(url)
    assert response.context["data"].total == 28
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_summary_counts_every_grade_9_class_and_names_who_to_follow(client, world, today):
    anh, anh2, an = world.s9a1
    counsel(world, anh, "vocational")
    counsel(world, anh2, "undecided")
    counsel(world, an, "vocational", day=d(1, 10))
    counsel(world, an, "upper_secondary", day=d(15, 11))
    login(client, world.vp)
    response = client.get(reverse("counselling_summary"))
    data = response.context["data"]
    assert [(r.name, r.total, r.never) for r in data.rows] == [("9A1", 3, 0), ("9A2", 1, 1)]
    first = {c.choice: (c.count, str(c.percent)) for c in data.rows[0].counts}
    assert first == {
        "upper_secondary": (1, "33.3"),
        "continuing": (0, "0.0"),
        "vocational": (1, "33.3"),
        "undecided": (1, "33.3"),
    }
    total = {c.choice: (c.count, str(c.percent)) for c in data.total.counts}
    assert total["vocational"] == (1, "25.0") and (data.total.total, data.total.never) == (4, 1)
    assert data.rows[0].undecided_students == [(anh2.pk, anh2.full_name)]
    assert data.rows[1].never_students == [(world.s9a2[0].pk, world.s9a2[0].full_name)]
    page = response.content.decode()
    assert "25,0 %" in page and 'id="to-follow"' in page and world.s9a2[0].full_name in page


@pytest.mark.parametrize(
    ("role", "status"),
    [("principal", 200), ("vp", 200), ("gvcn", 302), ("teacher", 403), ("clerk", 403)],
)
def test_who_reads_the_summary(client, world, today, role, status):
    login(client, getattr(world, role))
    response = client.get(reverse("counselling_summary"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == reverse("counselling_class", args=[world.c9a1.pk])


def test_the_summary_costs_the_same_with_many_students(
    client, world, today, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), the students with their latest choice: 6.
    login(client, world.principal)
    url = reverse("counselling_summary")
    with django_assert_max_num_queries(6) as few:
        assert client.get(url).status_code == 200
    for classroom in (world.c9a1, world.c9a2):
        for i, student in enumerate(
            students_in(classroom, 15, world.school_a, prefix=classroom.name)
        ):
            if i % 4:
                counsel(world, student, ["vocational", "undecided", "continuing"][i % 3])
    with django_assert_max_num_queries(6) as many:
        response = client.get(url)
    assert response.context["data"].total.total == 34
    assert len(few.captured_queries) == len(many.captured_queries)
    assert _("Streaming counselling, grade 9") in response.content.decode()
