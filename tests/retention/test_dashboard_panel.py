"""The dashboard the home page loads for the principal and the vice-principals (today's
absences, rolls not taken, alerts, class size by week, dropouts against the target), the GVCN's
smaller one, and the student page's panel."""

import pytest
from django.urls import reverse

from retention.models import AbsenceAlert
from schools.models import Role, SchoolSettings
from schools.services import role_assign
from students.models import Enrollment

from .. import factories as f
from ..conftest import login
from .test_alerts_helpers import K, P, alert, d, roll, rolls, today_is_fixture  # noqa: F401 - the fixture today_is

Kind = AbsenceAlert.Kind
pytestmark = pytest.mark.django_db


@pytest.fixture
def wednesday(world, today_is):
    """Wed 18/11/2026: 9A1 and 8A1 took the morning roll, 9A2 did not; one overdue alert;
    Trần Văn Bình (9A2) dropped out on 01/10."""
    today_is(d(18))
    roll(world.c9a1, d(18), absent=[(world.s9a1[0], P), (world.s9a1[1], K)])
    roll(world.c8a1, d(18), absent=[(world.s8a1[0], K)])
    alert(world.s9a1[0], world.c9a1, opened_on=d(13))
    alert(world.s8a1[0], world.c8a1, opened_on=d(18), first=d(16), last=d(18))
    Enrollment.objects.filter(student=world.s9a2[0]).update(
        end_date=d(1, 10), end_kind=Enrollment.EndKind.DROPPED_OUT
    )
    return d(18)


def dash(client, user):
    login(client, user)
    response = client.get(reverse("alerts_dashboard"))
    assert response.status_code == 200
    return response


def test_the_leaders_see_today_at_a_glance(client, world, wednesday):
    response = dash(client, world.principal)
    data = response.context["dash"]
    assert [(e.classroom.name, e.excused, e.unexcused) for e in data.absent_classes] == [
        ("8A1", 0, 1),
        ("9A1", 1, 1),
    ]
    assert (data.excused, data.unexcused) == (1, 2)
    assert [(e.classroom.name, e.missing) for e in data.missing_classes] == [("9A2", ["Sáng"])]
    assert (data.open_alerts, data.overdue_alerts) == (2, 1)
    assert (data.dropouts.dropped_out, data.dropouts.start_of_year) == (1, 5)
    page = response.content.decode()
    assert "20,00 %" in page and "chỉ tiêu ≤ 2,00 %" in page
    assert not data.dropouts.within_target


def test_the_missing_roll_names_the_homeroom_teacher(client, world, wednesday):
    teacher = f.UserFactory(school=world.school_a, full_name="Lý Thị Chín")
    role_assign(user=teacher, role=Role.HOMEROOM, school_year=world.year_a, classroom=world.c9a2)
    page = dash(client, world.vp).content.decode()
    assert "Lý Thị Chín" in page


def test_class_size_by_week_as_a_chart_and_the_same_numbers_as_a_table(client, world, wednesday):
    response = dash(client, world.principal)
    trend = response.context["dash"].trend
    # Saturdays from the opening day (Sat 05/09) to today (Wed 18/11).
    assert trend.dates[0] == d(5, 9) and trend.dates[-1] == d(18)
    assert trend.dates[-2] == d(14)
    assert [label for label, _v in trend.series] == ["Khối 8", "Khối 9"]
    assert trend.total[0] == 5  # Bình was still in 9A2
    assert trend.total[-1] == 4  # and dropped out on 01/10
    assert trend.series[1][1][-1] == 3
    page = response.content.decode()
    assert 'id="size-trend"' in page and 'id="size-trend-data"' in page
    assert "chart.umd.min.js" in page and "js/dashboard.js" in page
    table = page[page.index('id="size-trend-table"') :]
    assert "05/09/2026" in table and "18/11/2026" in table
    assert "<script>" not in page.replace("<script src=", "")  # CSP: no inline code


def test_a_vice_principal_sees_their_grade_blocks_first(client, world, wednesday):
    vp9 = f.UserFactory(school=world.school_a)
    role_assign(user=vp9, role=Role.VICE_PRINCIPAL, school_year=world.year_a, grade_blocks="9")
    data = dash(client, vp9).context["dash"]
    assert [e.classroom.name for e in data.classes] == ["9A1", "9A2", "8A1"]
    assert [label for label, _v in data.trend.series] == ["Khối 9", "Khối 8"]
    assert (data.my_dropouts.dropped_out, data.my_dropouts.start_of_year) == (1, 4)
    assert str(data.my_dropouts.rate) == "25.00"
    assert (data.my_open_alerts, data.my_overdue_alerts) == (1, 1)  # 9A1's; 8A1's is not theirs


def test_a_sunday_is_not_a_school_day(client, world, today_is):
    today_is(d(22))
    page = dash(client, world.principal)
    assert page.context["dash"].missing_classes == []
    assert "Hôm nay không phải ngày học." in page.content.decode()


def test_the_dropout_rate_has_two_decimals_with_a_comma(client, world, today_is):
    today_is(d(18))
    for _ in range(45):
        f.enroll(f.StudentFactory(school=world.school_a), world.c9a2)
    # 50 at the start of the year, 1 dropout: 2,00 % — at the target.
    Enrollment.objects.filter(student=world.s9a2[0]).update(
        end_date=d(1, 10), end_kind=Enrollment.EndKind.DROPPED_OUT
    )
    response = dash(client, world.principal)
    assert response.context["dash"].dropouts.within_target
    assert "2,00 %" in response.content.decode()


def test_the_home_page_loads_the_dashboard_without_a_query_more(client, world, wednesday):
    login(client, world.principal)
    page = client.get(reverse("home")).content.decode()
    assert f'hx-get="{reverse("alerts_dashboard")}"' in page
    login(client, world.gvcn)
    assert f'hx-get="{reverse("alerts_dashboard")}"' in client.get(reverse("home")).content.decode()
    login(client, world.teacher)
    assert reverse("alerts_dashboard") not in client.get(reverse("home")).content.decode()


def test_htmx_gets_the_panel_alone(client, world, wednesday):
    login(client, world.principal)
    response = client.get(reverse("alerts_dashboard"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="leader-dashboard"' in body


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("teacher", 403),
        ("youth", 403),
        ("clerk", 403),
        ("group_head", 403),
        ("office", 403),
        ("office_z_user", 403),
        ("principal_b", 200),
        ("gvcn", 200),
        ("vp", 200),
    ],
)
def test_who_sees_a_dashboard(client, world, wednesday, role, status):
    login(client, getattr(world, role))
    assert client.get(reverse("alerts_dashboard")).status_code == status


def test_another_schools_leader_sees_only_their_school(client, world, wednesday):
    data = dash(client, world.principal_b).context["dash"]
    assert [e.classroom.name for e in data.classes] == ["9B1"]
    assert (data.open_alerts, data.excused, data.unexcused) == (0, 0, 0)


def test_the_leader_dashboard_costs_the_same_for_few_and_many_classes(
    client, world, wednesday, django_assert_max_num_queries
):
    # session, user, scope (school, year, assignments), settings, classes, holidays, today's
    # roll calls, today's absences by class, homeroom teachers of classes without a roll, alert
    # counts, class sizes, the weekly trend (one query for every week): 14 at most.
    SchoolSettings.for_school(world.school_a)
    login(client, world.principal)
    url = reverse("alerts_dashboard")
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for n in range(6):
        room = f.ClassroomFactory(
            school_year=world.year_a, name=f"{6 + n % 4}X{n}", grade=6 + n % 4
        )
        students = []
        for _ in range(5):
            s = f.StudentFactory(school=world.school_a)
            f.enroll(s, room)
            students.append(s)
        if n % 2:
            roll(room, d(18), absent=[(students[0], P), (students[1], K)])
        alert(students[2], room, opened_on=d(9))
    with django_assert_max_num_queries(14) as many:
        response = client.get(url)
    assert len(response.context["dash"].classes) == 9
    assert len(few.captured_queries) == len(many.captured_queries)


# --- the GVCN's panel -------------------------------------------------------------------------


def test_the_gvcn_sees_their_class_alerts_and_this_weeks_absences(client, world, today_is):
    today_is(d(18))
    ana, anh, _an = world.s9a1
    roll(world.c9a1, d(16), absent=[(ana, P)])
    roll(world.c9a1, d(18), absent=[(ana, K), (anh, P)])  # nobody took Tue 17
    roll(world.c9a1, d(14), absent=[(anh, K)])  # last week
    mine = alert(ana, world.c9a1, opened_on=d(13))
    alert(world.s9a2[0], world.c9a2)
    data = dash(client, world.gvcn).context["dash"]
    assert [r.alert for r in data.alert_rows] == [mine]
    assert data.alert_rows[0].overdue
    assert data.week_days == [d(16), d(17), d(18)]
    assert [(r.student, r.cells, r.excused, r.unexcused) for r in data.week_rows] == [
        (anh, ["", "", "P"], 1, 0),
        (ana, ["P", "", "K"], 1, 1),
    ]
    assert data.not_taken == [d(17)]


def test_the_gvcn_panel_costs_the_same_for_few_and_many_students(
    client, world, today_is, django_assert_max_num_queries
):
    # session, user, scope (3), settings, classes, holidays, open alerts, the week's absences,
    # the week's roll calls: 11 at most.
    today_is(d(18))
    SchoolSettings.for_school(world.school_a)
    login(client, world.gvcn)
    url = reverse("alerts_dashboard")
    with django_assert_max_num_queries(11) as few:
        client.get(url)
    students = []
    for _ in range(20):
        s = f.StudentFactory(school=world.school_a)
        f.enroll(s, world.c9a1)
        alert(s, world.c9a1)
        students.append(s)
    rolls(world.c9a1, [d(16), d(17), d(18)], absent_on={d(17): [(s, K) for s in students]})
    with django_assert_max_num_queries(11) as many:
        client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries)


# --- the student page -------------------------------------------------------------------------


def test_the_student_page_shows_alerts_and_contacts(client, world, today_is):
    from .test_alerts_contacts import record

    today_is(d(18))
    ana = world.s9a1[0]
    rolls(world.c9a1, [d(16), d(17)], absent_on={d(16): [(ana, P)], d(17): [(ana, K)]})
    a = alert(ana, world.c9a1, Kind.UNEXCUSED, reason="2 buổi nghỉ không phép")
    record(world, ana, alerts=[], content="Đã gọi cho bố em.")
    login(client, world.gvcn)
    page = client.get(reverse("student_detail", args=[ana.pk])).content.decode()
    panel = page[page.index('id="alerts-panel"') :]
    assert "2 buổi nghỉ không phép" in panel and reverse("alert_detail", args=[a.pk]) in panel
    assert "Đã gọi cho bố em." in panel
    assert reverse("family_contact_create", args=[ana.pk]) in panel
    login(client, world.youth)  # reads the student and the alert, not what the family said
    panel = client.get(reverse("student_detail", args=[ana.pk])).content.decode()
    assert "2 buổi nghỉ không phép" in panel
    assert "Đã gọi cho bố em." not in panel
    assert reverse("family_contact_create", args=[ana.pk]) not in panel
