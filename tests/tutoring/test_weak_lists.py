"""The register's list and "not yet supported" pages: who sees which records, the filters,
counts and rates, coverage, bad input and query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tutoring import selectors_weak as sel
from tutoring.models import WeakRecord

from ..conftest import login
from .test_weak_helpers import (
    HK1,
    group,
    head_of,
    member,
    pair,
    put_results,
    record,
    students,
    subject,
)

pytestmark = pytest.mark.django_db
Status, Origin = WeakRecord.Status, WeakRecord.Origin


def listed(response) -> list[int]:
    return [row.student.pk for row in response.context["data"].rows]


def records_of(response) -> set[int]:
    return {item.record.pk for row in response.context["data"].rows for item in row.items}


@pytest.fixture
def register(world):
    """A record in each class of School A (Toán), one overall in 9A1, one NV in 9A2, and one
    in School B."""
    return {
        "9a1": record(world.s9a1[0], "TOAN", score=Decimal("4.5"), gap=Decimal("0.5")),
        "9a1_all": record(world.s9a1[0], None),
        "9a2": record(world.s9a2[0], "TOAN", score=Decimal("3.0"), gap=Decimal("2.0")),
        "9a2_nv": record(world.s9a2[0], "NV", score=Decimal("4.0")),
        "8a1": record(world.s8a1[0], "TOAN", score=Decimal("4.0")),
        "9b1": record(world.s9b1[0], "TOAN", year=world.year_b),
    }


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("principal", {"9a1", "9a1_all", "9a2", "9a2_nv", "8a1"}),
        ("vp", {"9a1", "9a1_all", "9a2", "9a2_nv", "8a1"}),
        ("clerk", {"9a1", "9a1_all", "9a2", "9a2_nv", "8a1"}),
        ("gvcn", {"9a1", "9a1_all"}),
        ("teacher", {"8a1"}),
        ("principal_b", {"9b1"}),
    ],
)
def test_each_role_sees_the_records_of_its_scope(client, world, register, role, expected):
    login(client, getattr(world, role))
    response = client.get(reverse("weak_list"))
    assert response.status_code == 200
    assert records_of(response) == {register[k].pk for k in expected}


def test_a_group_head_sees_the_records_of_the_groups_subjects(client, world, register):
    head_of(world, "TOAN")
    login(client, world.group_head)
    response = client.get(reverse("weak_list"))
    assert records_of(response) == {
        register[k].pk for k in ("9a1", "9a1_all", "9a2", "8a1")
    }  # not 9A2's Ngữ văn
    assert [r.label for r in response.context["data"].by_subject] == ["Toán"]


@pytest.mark.parametrize("role", ["youth", "office", "office_z_user"])
def test_roles_without_records_are_refused(client, world, register, role):
    login(client, getattr(world, role))
    assert client.get(reverse("weak_list")).status_code == 403
    assert client.get(reverse("weak_uncovered")).status_code == 403


# --- filters, order, counts and rates ----------------------------------------------------------


def test_students_are_in_vietnamese_order(client, world):
    # Ánh, Anh, Ân of 9A1: Vietnamese order is Anh, Ánh, Ân (a, á … â).
    for s in world.s9a1:
        record(s, "TOAN")
    login(client, world.principal)
    names = [s.given_name for s in (world.s9a1[1], world.s9a1[0], world.s9a1[2])]
    response = client.get(reverse("weak_list"))
    assert [r.student.given_name for r in response.context["data"].rows] == names


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"grade": "8"}, {"8a1"}),
        ({"subject": "overall"}, {"9a1_all"}),
        ({"status": "confirmed"}, {"9a2"}),
        ({"status": "dismissed"}, {"9a2_nv"}),
        ({"origin": "referral"}, {"8a1"}),
        ({"state": "resolved"}, {"9a1"}),
        ({"state": "all"}, {"9a1", "9a1_all", "9a2", "8a1"}),
    ],
)
def test_filters(client, world, register, query, expected):
    WeakRecord.objects.filter(pk=register["9a2"].pk).update(status=Status.CONFIRMED)
    WeakRecord.objects.filter(pk=register["9a2_nv"].pk).update(status=Status.DISMISSED)
    WeakRecord.objects.filter(pk=register["8a1"].pk).update(origin=Origin.REFERRAL)
    WeakRecord.objects.filter(pk=register["9a1"].pk).update(resolved_term=2)
    login(client, world.principal)
    response = client.get(reverse("weak_list"), query)
    assert records_of(response) == {register[k].pk for k in expected}


def test_class_and_subject_filters(client, world, register):
    login(client, world.principal)
    response = client.get(reverse("weak_list"), {"classroom": world.c9a2.pk})
    assert records_of(response) == {register["9a2"].pk, register["9a2_nv"].pk}
    response = client.get(reverse("weak_list"), {"subject": subject("NV").pk})
    assert records_of(response) == {register["9a2_nv"].pk}


@pytest.mark.parametrize(
    "query",
    [
        {"classroom": "abc"},
        {"classroom": "999999"},
        {"grade": "12"},
        {"subject": "x"},
        {"status": "lost"},
        {"page": "9999"},
        {"page": "-1"},
        {"state": "<script>"},
    ],
)
def test_bad_filters_are_ignored_not_errors(client, world, register, query):
    login(client, world.principal)
    response = client.get(reverse("weak_list"), query)
    assert response.status_code == 200
    assert len(records_of(response)) >= 1


def test_another_schools_class_is_not_a_filter(client, world, register):
    login(client, world.principal)
    response = client.get(reverse("weak_list"), {"classroom": world.c9b1.pk})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert register["9b1"].pk not in records_of(response)


def test_rates_count_still_weak_students_out_of_students_with_results(client, world):
    # 9A1: 3 students + 5 more = 8 with Toán results; 1 weak → 12,5 %.
    extra = students(world.c9a1, 5, world.school_a)
    for s in [*world.s9a1, *extra]:
        put_results(s, world.c9a1, HK1, {"TOAN": "7,0"})
    put_results(world.s8a1[0], world.c8a1, HK1, {"TOAN": "4,0", "NV": "4,0"})
    record(world.s9a1[0], "TOAN")
    record(world.s9a1[1], "TOAN", resolved_term=2)  # no longer weak: not counted
    record(world.s9a1[2], "TOAN", status=Status.DISMISSED)  # not counted
    record(world.s8a1[0], "TOAN")
    record(world.s8a1[0], "NV")
    record(world.s8a1[0], None)
    login(client, world.principal)
    response = client.get(reverse("weak_list"))
    data = response.context["data"]
    toan = next(r for r in data.by_subject if r.label == "Toán")
    assert (toan.weak, toan.total, toan.rate) == (2, 9, Decimal("22.2"))
    grades = {r.key: r for r in data.by_grade}
    assert (grades["9"].weak, grades["9"].total, grades["9"].rate) == (1, 8, Decimal("12.5"))
    assert (grades["8"].weak, grades["8"].overall, grades["8"].rate) == (1, 1, Decimal("100.0"))
    assert (data.total.weak, data.total.total) == (2, 9)
    html = response.content.decode()
    assert "12,5 %" in html and "22,2 %" in html
    # Within a class filter, the rates are the class's.
    response = client.get(reverse("weak_list"), {"classroom": world.c9a1.pk})
    toan = next(r for r in response.context["data"].by_subject if r.label == "Toán")
    assert (toan.weak, toan.total) == (1, 8)


def test_the_list_pages_by_fifty_students(client, world):
    for s in students(world.c8a1, 52, world.school_a):
        record(s, "TOAN")
    login(client, world.principal)
    first = client.get(reverse("weak_list"))
    assert len(first.context["data"].rows) == 50
    assert first.context["data"].student_count == 52
    second = client.get(reverse("weak_list"), {"page": 2})
    assert len(second.context["data"].rows) == 2


# --- coverage -------------------------------------------------------------------------------------


def test_covered_pairs_are_active_memberships_and_peer_pairs_of_this_year(world):
    a, b, c = world.s9a1
    toan = group(world, "TOAN", 9)
    nv = group(world, "NV", 9)
    member(toan, a, by=world.principal)
    member(nv, a, by=world.principal, left=nv.start_date)  # left: no longer covered
    pair(world.c9a1, c, b, "NN1", by=world.gvcn)
    pair(world.c9a1, c, a, "KHTN", by=world.gvcn, end=toan.start_date)  # ended
    assert sel.covered_pairs(world.year_a, [a.pk, b.pk, c.pk]) == {
        (a.pk, subject("TOAN").pk),
        (b.pk, subject("NN1").pk),
    }
    assert sel.covered_pairs(world.year_a, []) == set()


def test_an_overall_record_is_covered_by_any_subject():
    pairs = {(1, 10)}
    assert sel.is_covered(1, None, pairs) and sel.is_covered(1, 10, pairs)
    assert not sel.is_covered(1, 11, pairs) and not sel.is_covered(2, None, pairs)


def test_the_uncovered_page_lists_still_weak_students_nobody_supports(
    client, world, register, monkeypatch
):
    monkeypatch.setattr(sel, "GROUP_CREATE_URL", "weak_list")  # any page without arguments
    monkeypatch.setattr(sel, "PEER_PAIR_CREATE_URL", "weak_refer")
    member(group(world, "TOAN", 9), world.s9a2[0], by=world.principal)  # 9A2 Toán covered
    WeakRecord.objects.filter(pk=register["8a1"].pk).update(resolved_term=HK1)  # resolved
    login(client, world.principal)
    response = client.get(reverse("weak_uncovered"))
    data = response.context["data"]
    by_class = {
        c.classroom.name: {i.item.record.pk for s in c.students for i in s.items}
        for c in data.classes
    }
    assert by_class == {
        "9A1": {register["9a1"].pk, register["9a1_all"].pk},
        "9A2": {register["9a2_nv"].pk},
    }
    assert [c.classroom.name for c in data.classes] == ["9A1", "9A2"]
    html = response.content.decode()
    toan, nv = subject("TOAN").pk, subject("NV").pk
    assert f"{reverse('weak_list')}?subject={toan}&amp;grade=9" in html
    assert f"{reverse('weak_refer')}?student={world.s9a2[0].pk}&amp;subject={nv}" in html


def test_links_wait_for_their_pages_and_follow_the_users_rights(
    client, world, register, monkeypatch
):
    monkeypatch.setattr(sel, "GROUP_CREATE_URL", "no_such_page")
    monkeypatch.setattr(sel, "PEER_PAIR_CREATE_URL", "weak_refer")
    login(client, world.teacher)  # neither a tổ trưởng nor the GVCN of 8A1
    response = client.get(reverse("weak_uncovered"))
    items = [i for c in response.context["data"].classes for s in c.students for i in s.items]
    assert items and all(i.group_url is None and i.pair_url is None for i in items)
    monkeypatch.setattr(sel, "GROUP_CREATE_URL", "weak_list")
    head_of(world, "TOAN")
    login(client, world.group_head)
    items = [
        i
        for c in client.get(reverse("weak_uncovered")).context["data"].classes
        for s in c.students
        for i in s.items
    ]
    assert {i.item.record.pk for i in items if i.group_url} == {
        register[k].pk for k in ("9a1", "9a2", "8a1")
    }


def test_students_who_left_are_not_on_the_uncovered_page(client, world, register):
    span = world.s9a2[0].enrollments.get()
    span.end_date, span.end_kind = world.year_a.start_date, "transfer_out"
    span.save()
    login(client, world.principal)
    data = client.get(reverse("weak_uncovered")).context["data"]
    assert world.c9a2.pk not in {c.classroom.pk for c in data.classes}


def test_the_uncovered_filter_of_the_list(client, world, register):
    member(group(world, "TOAN", 9), world.s9a1[0], by=world.principal)
    login(client, world.principal)
    response = client.get(reverse("weak_list"), {"uncovered": "on"})
    assert records_of(response) == {register[k].pk for k in ("9a2", "9a2_nv", "8a1")}
    # the overall record of 9A1's student is covered by its Toán group
    assert response.context["data"].uncovered_count == 2


# --- query counts ---------------------------------------------------------------------------------


def _many(world, n):
    pupils = students(world.c9a2, n, world.school_a)
    g = group(world, "TOAN", 9)
    for i, p in enumerate(pupils):
        put_results(p, world.c9a2, HK1, {"TOAN": "4,0", "NV": "6,0"})
        record(p, "TOAN")
        record(p, None)
        if i % 2:
            member(g, p, by=world.principal)
        if i % 3 == 0:
            pair(world.c9a2, world.s9a2[0], p, "NV", by=world.principal)


@pytest.mark.parametrize("role", ["principal", "gvcn", "teacher", "group_head"])
@pytest.mark.parametrize("url", ["weak_list", "weak_uncovered"])
def test_the_lists_cost_the_same_queries_for_few_or_many_records(
    client, world, register, django_assert_max_num_queries, role, url
):
    head_of(world, "TOAN")
    login(client, getattr(world, role))
    client.get(reverse(url))  # warm the session
    # 17: one more since active mentorships cover students too (issue 6, covered_pairs).
    with django_assert_max_num_queries(17) as few:
        assert client.get(reverse(url)).status_code == 200
    _many(world, 30)
    for s in world.s9a1 + world.s8a1:
        record(s, "NV")
    with django_assert_max_num_queries(17) as many:
        assert client.get(reverse(url)).status_code == 200
    assert len(many) == len(few)
