"""The alert lists and the alert page: who sees which alerts, in which order, the overdue
highlighting, the filters, the 45-session section, bad input and query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from retention.models import AbsenceAlert
from retention.selectors_alerts import SchoolCalendar, risk_case_url
from schools.models import SchoolSettings

from .. import factories as f
from ..conftest import login
from .test_alerts_helpers import P, alert, d, holiday, rolls, today_is_fixture  # noqa: F401 - the fixture today_is

Kind = AbsenceAlert.Kind
pytestmark = pytest.mark.django_db


def listed(response):
    return [row.alert for row in response.context["data"].rows]


@pytest.fixture
def alerts(world):
    """One open alert in each class of School A, raised on Mon 16/11, and one in School B."""
    return {
        "9a1": alert(world.s9a1[0], world.c9a1),
        "9a2": alert(world.s9a2[0], world.c9a2),
        "8a1": alert(world.s8a1[0], world.c8a1),
        "9b1": alert(world.s9b1[0], world.c9b1),
    }


# --- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("principal", ["8a1", "9a1", "9a2"]),
        ("vp", ["8a1", "9a1", "9a2"]),
        ("gvcn", ["9a1"]),
        ("teacher", ["8a1"]),
        ("youth", ["8a1", "9a1", "9a2"]),
        ("clerk", ["8a1", "9a1", "9a2"]),
        ("group_head", []),
        ("principal_b", ["9b1"]),
    ],
)
def test_each_role_sees_the_alerts_of_its_classes(client, world, alerts, today_is, role, expected):
    today_is(d(18))
    login(client, getattr(world, role))
    response = client.get(reverse("alert_list"))
    assert response.status_code == 200
    assert listed(response) == [alerts[k] for k in expected]


def test_office_staff_read_figures_not_childrens_alerts(client, world, alerts):
    login(client, world.office)
    assert client.get(reverse("alert_list")).status_code == 403
    assert client.get(reverse("alert_detail", args=[alerts["9a1"].pk])).status_code == 404


def test_a_vice_principal_sees_their_grade_blocks_first(client, world, alerts, today_is):
    today_is(d(18))
    c6 = f.ClassroomFactory(school_year=world.year_a, name="6A1", grade=6)
    s6 = f.StudentFactory(school=world.school_a)
    f.enroll(s6, c6)
    a6 = alert(s6, c6)
    login(client, world.vp)  # grades 8 and 9
    response = client.get(reverse("alert_list"))
    assert listed(response) == [alerts["8a1"], alerts["9a1"], alerts["9a2"], a6]
    page = response.content.decode()
    assert page.index("Các khối bạn phụ trách (8, 9)") < page.index("Các khối khác")
    login(client, world.principal)
    assert listed(client.get(reverse("alert_list")))[0] == a6


def test_the_gvcn_cannot_open_another_class_alert(client, world, alerts, today_is):
    today_is(d(18))
    login(client, world.gvcn)
    assert client.get(reverse("alert_detail", args=[alerts["9a1"].pk])).status_code == 200
    assert client.get(reverse("alert_detail", args=[alerts["9a2"].pk])).status_code == 404
    assert client.get(reverse("alert_detail", args=[alerts["9b1"].pk])).status_code == 404


def test_read_only_roles_see_no_record_button(client, world, alerts, today_is):
    today_is(d(18))
    login(client, world.teacher)
    page = client.get(reverse("alert_detail", args=[alerts["8a1"].pk])).content.decode()
    assert reverse("family_contact_create", args=[world.s8a1[0].pk]) not in page
    login(client, world.principal)
    page = client.get(reverse("alert_detail", args=[alerts["8a1"].pk])).content.decode()
    assert reverse("family_contact_create", args=[world.s8a1[0].pk]) in page


def test_each_row_says_who_where_what_why_since_and_waiting(client, world, today_is):
    today_is(d(18))
    a = alert(
        world.s9a1[0],
        world.c9a1,
        opened_on=d(16),
        first=d(11),
        last=d(16),
        reason="Nghỉ 5 ngày liên tiếp (11/11 – 16/11/2026)",
    )
    login(client, world.gvcn)
    page = client.get(reverse("alert_list")).content.decode()
    row = page[page.index(f'data-alert="{a.pk}"') :]
    row = row[: row.index("</tr>")]
    for text in (
        "Nguyễn Thị",
        "Ánh",
        "9A1",
        "Nghỉ nhiều ngày liên tiếp",
        "Nghỉ 5 ngày liên tiếp (11/11 – 16/11/2026)",
        "11/11/2026",
        "2 ngày học",
        "Ghi liên hệ gia đình",
        "Mở hồ sơ nguy cơ",
        reverse("risk_case_open_from_alert", args=[a.pk]),
        "quá hạn",
    ):
        assert text in row, text


def test_the_risk_case_action_leads_to_the_case_form():
    # One function builds the link from the alert's id.
    assert risk_case_url(AbsenceAlert(pk=7)) == reverse("risk_case_open_from_alert", args=[7])


# --- overdue ----------------------------------------------------------------------------------


def test_alerts_unanswered_for_two_school_days_are_overdue(client, world, today_is):
    # Raised Fri 13 (Sat 14, [Sun 15], [holiday Mon 16], Tue 17: 2 school days by Tue 17);
    # raised Sat 14: 1 school day (Tue 17) by Tue 17.
    holiday(world.year_a, d(16))
    today_is(d(17))
    old = alert(world.s9a1[0], world.c9a1, opened_on=d(13))
    new = alert(world.s9a1[1], world.c9a1, opened_on=d(14))
    answered = alert(world.s9a1[2], world.c9a1, opened_on=d(9))
    answered.acknowledged_at = timezone.now()
    answered.save()
    login(client, world.vp)
    data = client.get(reverse("alert_list")).context["data"]
    rows = {r.alert: r for r in data.rows}
    assert (rows[old].waiting, rows[old].overdue) == (2, True)
    assert (rows[new].waiting, rows[new].overdue) == (1, False)
    assert (data.open_count, data.overdue_count, data.acknowledged_count) == (2, 1, 1)
    overdue = client.get(reverse("alert_list"), {"state": "overdue"})
    assert listed(overdue) == [old]
    assert 'class="table-danger"' in overdue.content.decode()


def test_the_escalation_delay_is_a_school_setting(client, world, today_is):
    s = SchoolSettings.for_school(world.school_a)
    s.alert_escalation_days = 4
    s.save()
    today_is(d(17))
    alert(world.s9a1[0], world.c9a1, opened_on=d(13))
    login(client, world.vp)
    assert client.get(reverse("alert_list")).context["data"].overdue_count == 0


def test_school_calendar_counts_school_days_only(world):
    holiday(world.year_a, d(16))
    cal = SchoolCalendar(world.year_a)
    assert cal.between(d(13), d(17)) == 2  # Sat 14, Tue 17
    assert cal.overdue_before(d(17), 2) == d(14)
    assert cal.overdue_before(d(7, 9), 5) == d(1, 1, 1)  # too early in the year: none
    assert cal.overdue_before(d(17), 0) == d(18)


# --- filters and bad input --------------------------------------------------------------------


def test_filters_by_class_kind_and_state(client, world, alerts, today_is):
    today_is(d(18))
    unexcused = alert(world.s9a1[1], world.c9a1, Kind.UNEXCUSED)
    alerts["9a2"].acknowledged_at = timezone.now()
    alerts["9a2"].save()
    login(client, world.principal)
    url = reverse("alert_list")
    # Vietnamese name order: Lê Văn Anh before Nguyễn Thị Ánh.
    assert listed(client.get(url, {"classroom": world.c9a1.pk})) == [unexcused, alerts["9a1"]]
    assert listed(client.get(url, {"kind": "unexcused"})) == [unexcused]
    assert listed(client.get(url, {"state": "acknowledged"})) == [alerts["9a2"]]
    assert len(listed(client.get(url, {"state": "all"}))) == 4


@pytest.mark.parametrize(
    "params",
    [
        {"classroom": "abc"},
        {"classroom": "999999"},
        {"kind": "<script>"},
        {"state": "deleted"},
        {"page": "-3"},
        {"page": "zzz"},
        {"classroom": "", "kind": "", "state": ""},
    ],
)
def test_bad_filters_fall_back_to_the_defaults(client, world, alerts, today_is, params):
    today_is(d(18))
    login(client, world.principal)
    response = client.get(reverse("alert_list"), params)
    assert response.status_code == 200
    assert listed(response) == [alerts["8a1"], alerts["9a1"], alerts["9a2"]]


def test_another_schools_class_is_not_a_filter(client, world, alerts, today_is):
    today_is(d(18))
    login(client, world.principal)
    response = client.get(reverse("alert_list"), {"classroom": world.c9b1.pk})
    assert alerts["9b1"] not in listed(response)


def test_the_pages_refuse_writes(client, world, alerts):
    login(client, world.principal)
    assert client.post(reverse("alert_list")).status_code == 405
    assert client.post(reverse("alert_detail", args=[alerts["9a1"].pk])).status_code == 405


# --- the 45-session section -------------------------------------------------------------------


def test_the_45_session_section_counts_students_per_level(client, world, today_is):
    today_is(d(18, 12))
    days = world.year_a.school_days(d(7, 9), d(18, 12))
    ana, anh, an = world.s9a1
    absent = {}
    for n, day in enumerate(days):
        who = []
        if n < 46:
            who.append((ana, P))
        if n < 41:
            who.append((anh, P))
        if n < 32:
            who.append((an, P))
        absent[day] = who
    rolls(world.c9a1, days, absent_on=absent)
    login(client, world.gvcn)
    bands = client.get(reverse("alert_list")).context["data"].sessions
    assert [(b.label, [(s, n) for s, _c, n in b.rows]) for b in bands] == [
        ("Trên 45 buổi", [(ana, 46)]),
        ("Từ 40 đến 45 buổi", [(anh, 41)]),
        ("Từ 30 đến 39 buổi", [(an, 32)]),
    ]
    login(client, world.teacher)  # 8A1 only
    bands = client.get(reverse("alert_list")).context["data"].sessions
    assert all(not b.rows for b in bands)


# --- query counts -----------------------------------------------------------------------------


def _grow(world, n):
    for _ in range(n):
        s = f.StudentFactory(school=world.school_a)
        f.enroll(s, world.c9a1)
        alert(s, world.c9a1)
        alert(s, world.c9a1, Kind.UNEXCUSED)


@pytest.mark.parametrize("role", ["principal", "vp", "gvcn"])
def test_the_list_costs_the_same_for_few_and_many_alerts(
    client, world, alerts, today_is, django_assert_max_num_queries, role
):
    # session, user, scope (school, year, assignments), settings, holidays, the filter's
    # classes, counts, page count, page rows, the 45-session counts (and their students when
    # any): 13 at most, whatever the number of alerts or students.
    today_is(d(18))
    SchoolSettings.for_school(world.school_a)
    login(client, getattr(world, role))
    url = reverse("alert_list")
    with django_assert_max_num_queries(13) as few:
        assert client.get(url).status_code == 200
    _grow(world, 20)
    with django_assert_max_num_queries(13) as many:
        response = client.get(url)
    assert len(response.context["data"].rows) > 20
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_alert_page_costs_the_same_with_many_contacts(
    client, world, today_is, django_assert_max_num_queries
):
    from .test_alerts_contacts import record

    today_is(d(18))
    SchoolSettings.for_school(world.school_a)
    a = alert(world.s9a1[0], world.c9a1)
    record(world, world.s9a1[0])
    login(client, world.gvcn)
    url = reverse("alert_detail", args=[a.pk])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(5):
        record(world, world.s9a1[0], alerts=[], content=f"Lần {n}")
        a.contacts.add(*a.student.family_contacts.all())
    with django_assert_max_num_queries(12) as many:
        client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries)
