"""Sponsor and support pages: the sponsors with the school's totals for a year, one sponsor's
history, recording, correcting and deleting support, and the student page's panel. Who may,
who may not, outsiders, bad input, queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from retention.models import Sponsor, Support

from .. import factories as f
from ..conftest import login
from .risk_helpers import make_case

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def sponsor(world, name="Công ty May Bình Minh", school=None, **kw):
    return Sponsor.objects.create(school=school or world.school_a, name=name, **kw)


def support(world, student, *, value=1500000, kind="money", sponsor=None, by=None, **kw):
    year = kw.pop("year", world.year_a if student.school_id == world.school_a.pk else world.year_b)
    return Support.objects.create(
        school_year=year,
        student=student,
        sponsor=sponsor,
        kind=kind,
        value=None if value is None else Decimal(value),
        date=kw.pop("date", datetime.date(2026, 11, 2)),
        recorded_by=by or world.principal,
        **kw,
    )


def create_url(student=None, case=None):
    url = reverse("support_create")
    if student is None:
        return url
    url += f"?student={student.pk}"
    return url + (f"&case={case.pk}" if case else "")


def support_data(**kw):
    data = {"kind": "money", "value": "1.500.000", "date": "02/11/2026", "description": ""}
    data.update(kw)
    return data


# --- the sponsors' page ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["principal", "vp", "clerk"])
def test_leaders_and_the_clerk_see_sponsors_and_the_schools_totals(client, world, role):
    a = sponsor(world)
    b = sponsor(world, name="Ông Nguyễn Văn Hảo", kind="person")
    support(world, world.s9a1[0], sponsor=a)
    support(world, world.s9a1[1], sponsor=a, value=500000, kind="books")
    support(world, world.s9a1[0], sponsor=b, value=None, kind="bicycle")
    support(world, world.s8a1[0], value=None, kind="encouragement")  # the school itself
    support(world, world.s9b1[0], sponsor=sponsor(world, school=world.school_b))  # School B
    login(client, getattr(world, role))
    response = client.get(reverse("sponsor_list"))
    assert response.status_code == 200
    data = response.context["data"]
    rows = {r.sponsor.name: (r.students, r.count, r.value) for r in data.rows}
    assert rows == {a.name: (2, 2, Decimal(2000000)), b.name: (1, 1, Decimal(0))}
    assert (data.students, data.material_value, data.material_count, data.moral_count) == (
        3,
        Decimal(2000000),
        3,
        1,
    )
    assert (data.school_row.students, data.school_row.count) == (1, 1)
    assert {k.kind: (k.count, k.value) for k in data.material} == {
        "money": (1, Decimal(1500000)),
        "books": (1, Decimal(500000)),
        "bicycle": (1, Decimal(0)),
    }
    page = response.content.decode()
    assert "2.000.000 đ" in page and "1.500.000 đ" in page
    # Vietnamese order: Công before Ông.
    assert page.index(f'data-sponsor="{a.pk}"') < page.index(f'data-sponsor="{b.pk}"')


@pytest.mark.parametrize(
    "role", ["gvcn", "teacher", "group_head", "youth", "office", "office_z_user"]
)
def test_other_roles_may_not_see_the_sponsors(client, world, role):
    login(client, getattr(world, role))
    assert client.get(reverse("sponsor_list")).status_code == 403
    assert client.get(reverse("sponsor_create")).status_code == 403


def test_the_year_selector_shows_another_years_totals(client, world):
    old = f.SchoolYearFactory(
        school=world.school_a,
        start_year=2025,
        start_date=datetime.date(2025, 9, 5),
        semester1_end=datetime.date(2026, 1, 16),
        semester2_start=datetime.date(2026, 1, 18),
        end_date=datetime.date(2026, 5, 29),
        enrollment_snapshot_date=datetime.date(2025, 9, 5),
        is_current=False,
    )
    a = sponsor(world)
    support(world, world.s9a1[0], sponsor=a, year=old, date=datetime.date(2026, 3, 1), value=800000)
    support(world, world.s9a1[0], sponsor=a)
    login(client, world.principal)
    data = client.get(reverse("sponsor_list")).context["data"]
    assert data.year == world.year_a and data.material_value == Decimal(1500000)
    assert [y.pk for y in data.years] == [world.year_a.pk, old.pk]
    data = client.get(reverse("sponsor_list"), {"year": old.pk}).context["data"]
    assert data.year == old and data.material_value == Decimal(800000)
    for garbage in ("abc", "-1", str(world.year_b.pk), "99999999999999999999"):
        response = client.get(reverse("sponsor_list"), {"year": garbage})
        assert response.status_code == 200 and response.context["data"].year == world.year_a


def _grow(world, n):
    for i in range(n):
        s = sponsor(world, name=f"Mạnh thường quân {i}")
        pupil = f.StudentFactory(school=world.school_a)
        f.enroll(pupil, world.c9a2)
        support(world, pupil, sponsor=s, value=100000 * (i + 1))
        support(world, pupil, sponsor=s, value=None, kind="counselling")


def test_the_sponsors_page_costs_the_same_queries_for_few_or_many(
    client, world, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), years, sponsors, per sponsor, per kind,
    # students helped.
    support(world, world.s9a1[0], sponsor=sponsor(world))
    login(client, world.principal)
    url = reverse("sponsor_list")
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url).status_code == 200
    _grow(world, 25)
    with django_assert_max_num_queries(10) as many:
        response = client.get(url)
    assert len(response.context["data"].rows) == 26
    assert len(few.captured_queries) == len(many.captured_queries)


# --- one sponsor ----------------------------------------------------------------------------------


def test_a_sponsors_history_lists_each_support_with_the_students_class(client, world):
    a = sponsor(world, contact_person="Chị Lan", phone="0987 654 321")
    x = support(world, world.s9a1[0], sponsor=a, description="Học bổng")
    y = support(world, world.s8a1[0], sponsor=a, kind="uniform", value=None, date=TODAY)
    support(world, world.s9a2[0])  # the school itself, not this sponsor
    login(client, world.clerk)
    response = client.get(reverse("sponsor_detail", args=[a.pk]))
    assert response.status_code == 200
    data = response.context["data"]
    assert [(line.support, line.classroom) for line in data.lines] == [
        (y, world.c8a1),
        (x, world.c9a1),
    ]
    assert (data.students, data.value) == (2, Decimal(1500000))
    page = response.content.decode()
    row = page[page.index(f'data-support="{x.pk}"') :]
    row = row[: row.index("</tr>")]
    for text in ("02/11/2026", "Nguyễn Thị", "Ánh", "9A1", "Học bổng", "1.500.000 đ"):
        assert text in row
    assert "Trần Văn" not in page


def test_the_sponsor_page_costs_the_same_queries_for_few_or_many(
    client, world, django_assert_max_num_queries
):
    a = sponsor(world)
    support(world, world.s9a1[0], sponsor=a)
    login(client, world.principal)
    url = reverse("sponsor_detail", args=[a.pk])
    client.get(url)
    with django_assert_max_num_queries(9) as few:
        client.get(url)
    for i in range(20):
        pupil = f.StudentFactory(school=world.school_a)
        f.enroll(pupil, world.c9a2 if i % 2 else world.c8a1)
        support(world, pupil, sponsor=a, value=10000 * i)
    with django_assert_max_num_queries(9) as many:
        response = client.get(url)
    assert len(response.context["data"].lines) == 21
    assert len(few.captured_queries) == len(many.captured_queries)


def test_teachers_may_not_open_a_sponsor_and_outsiders_get_404(client, world):
    a = sponsor(world)
    login(client, world.gvcn)
    assert client.get(reverse("sponsor_detail", args=[a.pk])).status_code == 403
    assert client.get(reverse("sponsor_edit", args=[a.pk])).status_code == 403
    assert (
        client.post(
            reverse("sponsor_edit", args=[a.pk]), {"name": "X", "kind": "person"}
        ).status_code
        == 403
    )
    for user in (world.principal_b, world.office, world.office_z_user):
        login(client, user)
        assert client.get(reverse("sponsor_detail", args=[a.pk])).status_code == 404
        assert (
            client.post(
                reverse("sponsor_edit", args=[a.pk]), {"name": "X", "kind": "person"}
            ).status_code
            == 404
        )
    a.refresh_from_db()
    assert a.name == "Công ty May Bình Minh"


# --- adding and editing sponsors ------------------------------------------------------------------


def test_the_clerk_adds_and_edits_a_sponsor(client, world):
    login(client, world.clerk)
    payload = {"kind": "organisation", "name": "Hội Khuyến học xã", "phone": "0912 111 222"}
    response = client.post(reverse("sponsor_create"), payload)
    s = Sponsor.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "sponsor_detail", args=[s.pk]
    )
    assert (s.school, s.kind, s.phone) == (world.school_a, "organisation", "0912 111 222")
    payload["contact_person"] = "Bà Tư"
    assert client.post(reverse("sponsor_edit", args=[s.pk]), payload).status_code == 302
    s.refresh_from_db()
    assert s.contact_person == "Bà Tư"


def test_a_duplicate_sponsor_name_is_a_field_error_and_the_form_keeps_the_input(client, world):
    sponsor(world)
    login(client, world.principal)
    payload = {"kind": "business", "name": "công ty may bình minh", "address": "Thôn 3"}
    response = client.post(reverse("sponsor_create"), payload)
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert "Thôn 3" in response.content.decode()
    assert Sponsor.objects.count() == 1
    response = client.post(reverse("sponsor_create"), {"kind": "alien", "name": ""})
    assert {"kind", "name"} <= set(response.context["form"].errors)


# --- recording support ----------------------------------------------------------------------------


def test_the_gvcn_records_support_for_their_student(client, world):
    a = sponsor(world)
    login(client, world.gvcn)
    response = client.get(create_url(world.s9a1[0]))
    assert response.status_code == 200
    response = client.post(create_url(world.s9a1[0]), support_data(sponsor=a.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("student_detail", args=[world.s9a1[0].pk])
    x = Support.objects.get()
    assert (x.student, x.sponsor, x.value, x.recorded_by, x.school_year) == (
        world.s9a1[0],
        a,
        Decimal(1500000),
        world.gvcn,
        world.year_a,
    )
    client.post(create_url(world.s9a1[0]), support_data(value="200000", kind="food"))
    assert Support.objects.filter(sponsor__isnull=True).get().value == Decimal(200000)


def test_support_is_linked_to_the_students_case(client, world):
    case = make_case(world.s9a1[0], world.gvcn)
    login(client, world.gvcn)
    response = client.post(create_url(world.s9a1[0], case), support_data(case=case.pk))
    assert response.status_code == 302
    assert Support.objects.get().case == case
    other = make_case(world.s9a1[1], world.gvcn)
    assert client.get(create_url(world.s9a1[0], other)).status_code == 404
    assert client.get(f"{create_url(world.s9a1[0])}&case=abc").status_code == 404
    response = client.post(create_url(world.s9a1[0]), support_data(case=other.pk))
    assert "case" in response.context["form"].errors
    assert Support.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"value": "abc"}, "value"),
        ({"value": "-1.500.000"}, "value"),
        ({"value": "1,5"}, "value"),
        ({"value": ""}, "value"),
        ({"date": "19/11/2026"}, "date"),
        ({"date": "31/02/2026"}, "date"),
        ({"kind": "gold"}, "kind"),
        ({"kind": "counselling", "value": "100.000"}, "value"),
        ({"sponsor": "abc"}, "sponsor"),
    ],
)
def test_bad_support_input_is_a_field_error_and_the_form_keeps_it(client, world, data, field):
    login(client, world.principal)
    payload = support_data(description="Ghi chú riêng")
    payload.update(data)
    response = client.post(create_url(world.s9a1[0]), payload)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "Ghi chú riêng" in response.content.decode()
    assert not Support.objects.exists()


def test_a_tampered_sponsor_of_school_b_is_a_field_error(client, world):
    outside = sponsor(world, school=world.school_b)
    login(client, world.principal)
    response = client.post(create_url(world.s9a1[0]), support_data(sponsor=outside.pk))
    assert response.status_code == 200
    assert "sponsor" in response.context["form"].errors
    assert not Support.objects.exists()


@pytest.mark.parametrize("role", ["teacher", "youth", "group_head"])
def test_roles_who_may_not_record_support_get_403(client, world, role):
    login(client, getattr(world, role))
    assert client.get(create_url(world.s8a1[0])).status_code == 403
    assert client.post(create_url(world.s8a1[0]), support_data()).status_code == 403
    assert client.get(create_url()).status_code == 403
    assert not Support.objects.exists()


def test_the_gvcn_may_not_record_support_for_another_class(client, world):
    login(client, world.gvcn)
    assert client.post(create_url(world.s9a2[0]), support_data()).status_code == 403
    assert not Support.objects.exists()


def test_the_owner_of_an_active_case_records_support(client, world):
    make_case(world.s8a1[0], world.teacher)
    login(client, world.teacher)
    assert client.post(create_url(world.s8a1[0]), support_data()).status_code == 302
    assert Support.objects.get().recorded_by == world.teacher


def test_outsiders_and_garbage_student_ids_are_404(client, world):
    login(client, world.principal_b)
    assert client.get(create_url(world.s9a1[0])).status_code == 404
    assert client.post(create_url(world.s9a1[0]), support_data()).status_code == 404
    login(client, world.principal)
    for raw in ("abc", "99999999", "1;2"):
        assert client.get(f"{reverse('support_create')}?student={raw}").status_code == 404
    assert client.post(create_url(world.s9b1[0]), support_data()).status_code == 404
    login(client, world.office)
    assert client.get(create_url(world.s9a1[0])).status_code == 403
    assert not Support.objects.exists()


def test_without_a_student_the_clerk_chooses_one(client, world):
    login(client, world.clerk)
    response = client.get(create_url())
    assert response.status_code == 200
    assert {"9A1", "9A2", "8A1"} <= set(dict(response.context["form"].fields["student"].choices))
    response = client.post(create_url(), support_data(student=world.s9a2[0].pk))
    assert response.status_code == 302
    assert Support.objects.get().student == world.s9a2[0]
    response = client.post(create_url(), support_data(student=world.s9b1[0].pk))
    assert "student" in response.context["form"].errors
    assert Support.objects.count() == 1


# --- correcting and deleting ----------------------------------------------------------------------


def test_the_recorder_corrects_and_deletes_their_support(client, world):
    x = support(world, world.s9a1[0], by=world.gvcn)
    login(client, world.gvcn)
    url = reverse("support_edit", args=[x.pk])
    page = client.get(url).content.decode()
    assert 'value="1.500.000"' in page
    response = client.post(url, support_data(value="2.000.000", kind="scholarship"))
    assert response.status_code == 302
    x.refresh_from_db()
    assert (x.value, x.kind) == (Decimal(2000000), "scholarship")
    delete = reverse("support_delete", args=[x.pk])
    assert client.get(delete).status_code == 200
    assert Support.objects.exists()
    assert client.post(delete).status_code == 302
    assert not Support.objects.exists()


@pytest.mark.parametrize("role", ["principal", "vp", "clerk"])
def test_leaders_and_the_clerk_correct_anyones_support(client, world, role):
    x = support(world, world.s9a1[0], by=world.gvcn)
    login(client, getattr(world, role))
    response = client.post(reverse("support_edit", args=[x.pk]), support_data(value="900.000"))
    assert response.status_code == 302
    x.refresh_from_db()
    assert x.value == Decimal(900000)


def test_the_gvcn_may_not_change_support_someone_else_recorded(client, world):
    x = support(world, world.s9a1[0], by=world.principal)
    login(client, world.gvcn)
    assert client.get(reverse("support_edit", args=[x.pk])).status_code == 403
    assert (
        client.post(reverse("support_edit", args=[x.pk]), support_data(value="1")).status_code
        == 403
    )
    assert client.post(reverse("support_delete", args=[x.pk])).status_code == 403
    x.refresh_from_db()
    assert x.value == Decimal(1500000)


def test_support_outside_the_users_reach_is_404_and_unchanged(client, world):
    x = support(world, world.s9a2[0], by=world.principal)
    outside = support(world, world.s9b1[0], by=world.principal_b)
    for user in (world.gvcn, world.teacher, world.youth, world.office):
        login(client, user)
        assert client.get(reverse("support_edit", args=[x.pk])).status_code == 404
        assert client.post(reverse("support_delete", args=[x.pk])).status_code == 404
    login(client, world.principal)
    assert (
        client.post(reverse("support_edit", args=[outside.pk]), support_data()).status_code == 404
    )
    assert client.post(reverse("support_delete", args=[outside.pk])).status_code == 404
    assert Support.objects.count() == 2


def test_a_bad_correction_changes_nothing(client, world):
    x = support(world, world.s9a1[0])
    login(client, world.principal)
    response = client.post(reverse("support_edit", args=[x.pk]), support_data(value="abc"))
    assert response.status_code == 200 and "value" in response.context["form"].errors
    x.refresh_from_db()
    assert x.value == Decimal(1500000)


# --- the student page's panel ---------------------------------------------------------------------


def test_the_student_page_shows_support_with_totals_to_those_allowed(client, world):
    a = sponsor(world)
    x = support(world, world.s9a1[0], sponsor=a, by=world.gvcn)
    y = support(world, world.s9a1[0], value=500000, kind="books", by=world.principal)
    login(client, world.gvcn)
    response = client.get(reverse("student_detail", args=[world.s9a1[0].pk]))
    page = response.content.decode()
    panel = page[page.index('id="support-panel"') :]
    assert "2.000.000 đ" in panel and a.name in panel
    assert reverse("support_edit", args=[x.pk]) in panel
    assert reverse("support_edit", args=[y.pk]) not in panel  # not theirs
    assert create_url(world.s9a1[0]) in panel
    login(client, world.youth)
    page = client.get(reverse("student_detail", args=[world.s9a1[0].pk])).content.decode()
    assert 'id="support-panel"' not in page and a.name not in page
