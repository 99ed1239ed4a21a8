"""The class page: the GVCN records causes and confirms the whole class in one save, all or
nothing; who may open it; query counts."""

import pytest
from django.urls import reverse

from tutoring import services_weak as svc
from tutoring.models import WeakRecord

from ..conftest import login
from .test_weak_helpers import record, students

pytestmark = pytest.mark.django_db
Status = WeakRecord.Status


def url(classroom):
    return reverse("weak_class", args=[classroom.pk])


def rows_of(response):
    return {row["sheet"].student.pk: row for row in response.context["rows"]}


def form_data(response, **changes):
    """What the browser sends back: every student's form as shown, then ``changes``."""
    data = {}
    for row in response.context["rows"]:
        form = row["form"]
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if name == "confirm":
                if value:
                    data[key] = "on"
            elif value not in (None, ""):
                data[key] = value
    data.update(changes)
    return data


@pytest.fixture
def sheet(world):
    a, b, c = world.s9a1
    return {
        "a_toan": record(a, "TOAN"),
        "a_all": record(a, None),
        "b_nv": record(b, "NV", causes="health", cause_note="Hay ốm"),
        "c_dismissed": record(c, "TOAN", status=Status.DISMISSED),
        "9a2": record(world.s9a2[0], "TOAN"),
    }


def test_the_page_lists_the_class_weak_students_in_order_with_their_causes(client, world, sheet):
    login(client, world.gvcn)
    response = client.get(url(world.c9a1))
    assert response.status_code == 200
    rows = rows_of(response)
    a, b, c = world.s9a1
    assert list(rows) == [b.pk, a.pk]  # Anh before Ánh; Ân's only record is dismissed
    assert rows[b.pk]["form"]["causes"].value() == ["health"]
    assert rows[b.pk]["form"]["cause_note"].value() == "Hay ốm"
    assert [i.record.subject_id for i in rows[a.pk]["sheet"].items] == [
        None,
        sheet["a_toan"].subject_id,
    ]


def test_one_save_records_causes_and_confirms_many_students(client, world, sheet):
    login(client, world.gvcn)
    page = client.get(url(world.c9a1))
    a, b = world.s9a1[0], world.s9a1[1]
    data = form_data(
        page,
        **{
            f"s{a.pk}-causes": ["family", "attendance"],
            f"s{a.pk}-confirm": "on",
            f"s{b.pk}-confirm": "on",
        },
    )
    response = client.post(url(world.c9a1), data)
    assert response.status_code == 302 and response["Location"] == url(world.c9a1)
    for key in ("a_toan", "a_all", "b_nv"):
        sheet[key].refresh_from_db()
    assert sheet["a_toan"].causes == sheet["a_all"].causes == "attendance,family"
    assert sheet["a_toan"].status == sheet["a_all"].status == Status.CONFIRMED
    assert (sheet["b_nv"].status, sheet["b_nv"].causes) == (Status.CONFIRMED, "health")
    assert sheet["a_toan"].confirmed_by == world.gvcn


def test_one_bad_student_saves_nothing_and_keeps_what_was_typed(client, world, sheet):
    login(client, world.gvcn)
    page = client.get(url(world.c9a1))
    a, b = world.s9a1[0], world.s9a1[1]
    data = form_data(
        page,
        **{
            f"s{a.pk}-confirm": "on",  # no cause: refused
            f"s{b.pk}-cause_note": "Bố mẹ đi làm xa",
            f"s{b.pk}-confirm": "on",
        },
    )
    response = client.post(url(world.c9a1), data)
    assert response.status_code == 200
    rows = rows_of(response)
    assert rows[a.pk]["errors"] == [str(svc.CAUSE_NEEDED)]
    assert rows[b.pk]["errors"] == []
    assert rows[b.pk]["form"]["cause_note"].value() == "Bố mẹ đi làm xa"
    sheet["b_nv"].refresh_from_db()
    assert (sheet["b_nv"].cause_note, sheet["b_nv"].status) == ("Hay ốm", Status.PROPOSED)


def test_a_student_changed_meanwhile_is_refused_and_shown_as_saved(client, world, sheet):
    login(client, world.gvcn)
    page = client.get(url(world.c9a1))
    a, b = world.s9a1[0], world.s9a1[1]
    r = sheet["b_nv"]
    svc.weak_record_update(
        record=r,
        version=svc.record_version(r),
        causes=["language"],
        cause_note="Nói tiếng Mông ở nhà",
        evidence="",
        user=world.principal,
    )
    data = form_data(page, **{f"s{b.pk}-cause_note": "Lười", f"s{a.pk}-causes": ["health"]})
    response = client.post(url(world.c9a1), data)
    assert response.status_code == 200
    rows = rows_of(response)
    assert rows[b.pk]["errors"] == [str(svc.STALE_STUDENT)]
    assert rows[b.pk]["form"]["cause_note"].value() == "Nói tiếng Mông ở nhà"
    assert rows[a.pk]["form"]["causes"].value() == ["health"]  # still what was typed
    r.refresh_from_db()
    assert r.cause_note == "Nói tiếng Mông ở nhà"
    sheet["a_toan"].refresh_from_db()
    assert sheet["a_toan"].causes == ""


def test_unknown_causes_are_refused(client, world, sheet):
    login(client, world.gvcn)
    page = client.get(url(world.c9a1))
    a = world.s9a1[0]
    response = client.post(url(world.c9a1), form_data(page, **{f"s{a.pk}-causes": ["magic"]}))
    assert response.status_code == 200
    assert rows_of(response)[a.pk]["form"].errors
    assert not WeakRecord.objects.exclude(causes="").exclude(pk=sheet["b_nv"].pk).exists()


def test_nothing_changed_is_said(client, world, sheet):
    login(client, world.gvcn)
    page = client.get(url(world.c9a1))
    before = WeakRecord.history.count()
    response = client.post(url(world.c9a1), form_data(page))
    assert response.status_code == 302
    assert WeakRecord.history.count() == before


@pytest.mark.parametrize(
    ("role", "classroom", "status"),
    [
        ("principal", "c9a1", 200),
        ("vp", "c9a2", 200),
        ("gvcn", "c9a1", 200),
        ("gvcn", "c9a2", 404),  # not their class
        ("teacher", "c8a1", 403),  # teaches it, is not its GVCN
        ("teacher", "c9a1", 404),
        ("youth", "c9a1", 403),
        ("clerk", "c9a1", 403),
        ("group_head", "c9a1", 404),
        ("office", "c9a1", 404),
        ("principal_b", "c9a1", 404),
    ],
)
def test_who_may_open_the_class_page(client, world, sheet, role, classroom, status):
    login(client, getattr(world, role))
    target = getattr(world, classroom)
    assert client.get(url(target)).status_code == status
    a = world.s9a1[0]
    response = client.post(
        url(target),
        {
            f"s{a.pk}-version": svc.student_version([sheet["a_toan"], sheet["a_all"]]),
            f"s{a.pk}-causes": ["health"],
        },
    )
    if status != 200:
        assert response.status_code == status
        sheet["a_toan"].refresh_from_db()
        assert sheet["a_toan"].causes == ""


def test_the_class_page_costs_the_same_for_few_or_many_students(
    client, world, sheet, django_assert_max_num_queries
):
    login(client, world.gvcn)
    client.get(url(world.c9a1))
    with django_assert_max_num_queries(14) as few:
        client.get(url(world.c9a1))
    for p in students(world.c9a1, 25, world.school_a):
        record(p, "TOAN")
        record(p, "NN1")
    with django_assert_max_num_queries(14) as many:
        page = client.get(url(world.c9a1))
    assert len(many) == len(few)
    data = form_data(page)
    for row in page.context["rows"]:
        data[row["form"].add_prefix("causes")] = ["health"]
    with django_assert_max_num_queries(20):
        assert client.post(url(world.c9a1), data).status_code == 302
    assert WeakRecord.objects.filter(causes="health").count() == 2 + 2 * 25 + 1
