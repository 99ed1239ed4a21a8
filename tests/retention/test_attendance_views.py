"""Attendance pages: who sees what (404 outside the scope, 403 for readers who try to write),
the htmx save, and bad input that never answers 500 nor saves half a roll.

"Today" is pinned to Wednesday 18/11/2026.
"""

import datetime
import json

import pytest
from django.urls import reverse

from retention.models import Absence, ConductEvent, RollCall
from retention.services_attendance import conduct_event_record, roll_call_save

from ..conftest import login

TODAY = datetime.date(2026, 11, 18)
DAY = "ngay=2026-11-18&buoi=morning"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return TODAY


def roll_url(classroom, query=DAY):
    return f"{reverse('roll_call', args=[classroom.pk])}?{query}"


def marks(students, **status):
    """POST data for the roll: every student present unless named in ``status`` by index."""
    data = {"version": "", "base": "{}"}
    for i, s in enumerate(students):
        data[f"s-{s.pk}"] = status.get(f"s{i}", "present")
        data[f"r-{s.pk}"] = ""
    return data


# --- the roll page -------------------------------------------------------------------------------


def test_gvcn_opens_today_roll_with_the_class_in_vietnamese_order(client, world):
    login(client, world.gvcn)
    response = client.get(reverse("roll_call", args=[world.c9a1.pk]))
    assert response.status_code == 200
    sheet = response.context["sheet"]
    assert (sheet.day, sheet.session, sheet.taken) == (TODAY, "morning", False)
    # Order by given name: Anh < Ánh < Ân.
    assert [r.student.given_name for r in sheet.rows] == ["Anh", "Ánh", "Ân"]
    assert all(r.status == "present" for r in sheet.rows)
    html = response.content.decode()
    assert "roll-status is-open" in html and 'hx-post="' in html
    assert html.count('value="present" checked') == 3


def test_saving_without_javascript_redirects_back_to_the_day(client, world):
    login(client, world.gvcn)
    anh, lan, an = world.s9a1
    data = marks(world.s9a1, s0="P", s1="K")
    data[f"r-{anh.pk}"] = "ốm"
    response = client.post(roll_url(world.c9a1), data)
    assert response.status_code == 302
    assert response["Location"] == roll_url(world.c9a1)
    assert {(a.student_id, a.status, a.reason) for a in Absence.objects.all()} == {
        (anh.pk, "P", "ốm"),
        (lan.pk, "K", ""),
    }
    page = client.get(response["Location"])
    assert page.context["sheet"].taken
    assert "roll-status is-taken" in page.content.decode()


def test_htmx_save_answers_the_form_fragment(client, world):
    login(client, world.gvcn)
    response = client.post(
        roll_url(world.c9a1), marks(world.s9a1, s2="K"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="roll-form"')
    assert "<html" not in html and "roll-saved" in html
    assert 'name="version" value="1"' in html
    assert RollCall.objects.get().version == 1


def test_a_roll_with_no_absence_shows_as_taken(client, world):
    login(client, world.gvcn)
    client.post(roll_url(world.c9a1), marks(world.s9a1))
    response = client.get(roll_url(world.c9a1))
    assert response.context["sheet"].taken and not Absence.objects.exists()
    assert "Phạm Thị Chủ" in response.content.decode()  # who saved it


def test_a_conflict_is_shown_with_both_marks(client, world):
    login(client, world.gvcn)
    anh = world.s9a1[0]
    loaded = client.get(roll_url(world.c9a1))
    # Meanwhile the VP marks Ánh… no, Anh (first in order) excused.
    roll_call_save(
        classroom=world.c9a1,
        date=TODAY,
        session="morning",
        marks={anh.pk: ("P", "giấy phép")},
        user=world.vp,
    )
    data = marks(world.s9a1, s0="K")
    data["version"] = loaded.context["form_version"] or ""
    data["base"] = loaded.context["form_base"]
    response = client.post(roll_url(world.c9a1), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "roll-conflicts" in html and "Lê Thị Phó" in html
    assert response["HX-Reswap"].startswith("outerHTML show:")
    assert Absence.objects.get().status == "P"


def test_a_refused_save_keeps_what_was_marked(client, world):
    login(client, world.gvcn)
    data = marks(world.s9a1, s0="K")
    data[f"r-{world.s9a1[0].pk}"] = "x" * 300
    response = client.post(roll_url(world.c9a1), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert not RollCall.objects.exists()
    row = next(r for r in response.context["sheet"].rows if r.student == world.s9a1[0])
    assert (row.status, row.reason) == ("K", "x" * 300)
    assert "roll-form is-dirty" in response.content.decode()


def test_a_double_submit_saves_once(client, world):
    login(client, world.gvcn)
    data = marks(world.s9a1, s0="P", s1="K")
    client.post(roll_url(world.c9a1), data, headers={"HX-Request": "true"})
    second = client.post(roll_url(world.c9a1), data, headers={"HX-Request": "true"})
    assert second.status_code == 200 and "roll-conflicts" not in second.content.decode()
    assert Absence.objects.count() == 2 and Absence.history.count() == 2


def test_gvcn_reads_but_cannot_change_a_day_older_than_the_window(client, world):
    login(client, world.gvcn)
    old = "ngay=2026-11-02&buoi=morning"
    page = client.get(roll_url(world.c9a1, old))
    assert page.status_code == 200 and not page.context["can_edit"]
    response = client.post(roll_url(world.c9a1, old), marks(world.s9a1, s0="K"))
    assert response.status_code == 200 and not RollCall.objects.exists()
    login(client, world.principal)
    assert client.post(roll_url(world.c9a1, old), marks(world.s9a1, s0="K")).status_code == 302


# --- scope ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "classroom", "get", "post"),
    [
        ("gvcn", "c9a1", 200, 302),
        ("principal", "c9a1", 200, 302),
        ("vp", "c8a1", 200, 302),
        ("gvcn", "c9a2", 404, 404),  # another class
        ("gvcn", "c9b1", 404, 404),  # another school
        ("principal", "c9b1", 404, 404),
        ("principal_b", "c9a1", 404, 404),
        ("office_z_user", "c9a1", 404, 404),
        ("teacher", "c9a1", 404, 404),  # does not teach 9A1
        ("teacher", "c8a1", 200, 403),  # teaches 8A1: reads only
        ("youth", "c9a1", 200, 403),  # reads school-wide, records lateness only
        ("clerk", "c9a1", 403, 403),
        ("office", "c9a1", 403, 403),  # office staff read figures only
    ],
)
def test_roll_page_scope(client, world, who, classroom, get, post):
    login(client, getattr(world, who))
    classroom = getattr(world, classroom)
    students = list(classroom.enrollments.values_list("student_id", flat=True))
    assert client.get(roll_url(classroom)).status_code == get
    data = {"version": "", "base": "{}", **{f"s-{pk}": "K" for pk in students}}
    assert client.post(roll_url(classroom), data).status_code == post
    assert RollCall.objects.exists() == (post == 302)


@pytest.mark.parametrize("name", ["attendance_week", "attendance_month"])
@pytest.mark.parametrize(
    ("who", "classroom", "status"),
    [
        ("gvcn", "c9a1", 200),
        ("gvcn", "c9a2", 404),
        ("vp", "c9b1", 404),
        ("teacher", "c8a1", 200),
        ("youth", "c9a2", 200),
        ("clerk", "c9a1", 403),
    ],
)
def test_week_and_month_scope(client, world, name, who, classroom, status):
    login(client, getattr(world, who))
    url = reverse(name, args=[getattr(world, classroom).pk])
    assert client.get(url).status_code == status
    assert client.post(url).status_code in (404, 405)


@pytest.mark.parametrize(
    ("who", "status"),
    [("principal", 200), ("gvcn", 200), ("teacher", 200), ("youth", 200), ("clerk", 403)]
    + [("group_head", 403), ("office", 403), ("principal_b", 200)],
)
def test_today_page_is_for_people_who_take_or_read_the_roll(client, world, who, status):
    login(client, getattr(world, who))
    assert client.get(reverse("attendance_today")).status_code == status


def test_today_page_lists_the_vp_grade_blocks_first_with_each_class_status(client, world):
    login(client, world.gvcn)
    client.post(roll_url(world.c9a1), marks(world.s9a1, s0="K"))
    login(client, world.vp)
    world.vp.assignments.update(grade_blocks="8")
    world.vp._donghanh_scope = None
    response = client.get(reverse("attendance_today"))
    blocks = response.context["blocks"]
    assert [b.grade for b in blocks] == [8, 9]
    nine = {c.classroom.name: c for c in blocks[1].classes}
    assert nine["9A1"].taken and not nine["9A2"].taken
    assert nine["9A1"].sessions[0].unexcused == 1
    assert response.context["taken"] == 1 and response.context["class_count"] == 3


def test_gvcn_sees_only_their_class_on_the_today_page(client, world):
    login(client, world.gvcn)
    response = client.get(reverse("attendance_today"))
    assert [c.classroom for b in response.context["blocks"] for c in b.classes] == [world.c9a1]


def test_anonymous_users_are_sent_to_login(client, world):
    for url in (reverse("attendance_today"), roll_url(world.c9a1)):
        assert client.get(url).status_code == 302


# --- bad input never 500 and never saves ---------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "ngay=abc",
        "ngay=2026-02-30",
        "ngay=9999-12-31",
        "ngay=0001-01-01",
        "ngay=2026-11-19",  # tomorrow
        "ngay=2026-11-15",  # Sunday
        "ngay=2026-08-01",  # before the year
        "ngay=2026-11-18&buoi=afternoon",  # not taught
        "ngay=2026-11-18&buoi=%3Cscript%3E",
        "buoi=morning",
        "ngay=18%2F11%2F2026&buoi=morning",  # dd/mm/yyyy from the "another day" box
        "",
    ],
)
def test_odd_days_and_sessions_answer_a_clear_page(client, world, query):
    login(client, world.gvcn)
    response = client.get(roll_url(world.c9a1, query))
    assert response.status_code == 200
    post = client.post(roll_url(world.c9a1, query), marks(world.s9a1, s0="K"))
    assert post.status_code in (200, 302)
    saved = RollCall.objects.filter(date=TODAY, session="morning").exists()
    assert saved == (query in ("ngay=18%2F11%2F2026&buoi=morning",))
    RollCall.objects.all().delete()


@pytest.mark.parametrize(
    "tamper",
    [
        {"s-{s9b1}": "K"},  # another school's student
        {"s-{s9a2}": "P"},  # another class's student
        {"s-{s0}": "X"},  # unknown status
        {"s-{s0}": ""},
        {"base": "not json"},
        {"base": '{"1": "P"}'},
        {"base": "[1, 2]"},
        {"version": "abc"},
        {"version": "-3"},
        {"version": "99999999999999999999"},
        {"s-abc": "K"},
        {"r-{s0}": "x" * 5000},
    ],
)
def test_tampered_posts_answer_200_and_save_nothing(client, world, tamper):
    login(client, world.gvcn)
    ids = {"s0": world.s9a1[0].pk, "s9b1": world.s9b1[0].pk, "s9a2": world.s9a2[0].pk}
    data = marks(world.s9a1, s1="K")
    for key, value in tamper.items():
        data[key.format(**ids)] = value.format(**ids) if value.startswith("{s") else value
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(roll_url(world.c9a1), data, headers=headers)
        if "s-abc" in tamper:  # an ignored field: the rest is saved
            assert response.status_code in (200, 302)
            return
        assert response.status_code == 200, tamper
    assert not RollCall.objects.exists() and not Absence.objects.exists()


@pytest.mark.parametrize(
    "query", ["ngay=9999-12-31", "ngay=0001-01-01", "ngay=x", "ngay=2027-12-01"]
)
def test_week_never_fails_on_odd_days(client, world, query):
    login(client, world.gvcn)
    url = f"{reverse('attendance_week', args=[world.c9a1.pk])}?{query}"
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("query", ["thang=abc", "thang=2026-13", "thang=0000-01", "thang=9999-12"])
def test_month_never_fails_on_odd_months(client, world, query):
    login(client, world.gvcn)
    url = f"{reverse('attendance_month', args=[world.c9a1.pk])}?{query}"
    assert client.get(url).status_code == 200


# --- week and month ------------------------------------------------------------------------------


def _absent(world, day, **marks_by_student):
    roll_call_save(
        classroom=world.c9a1, date=day, session="morning", marks=marks_by_student, user=world.vp
    )


def test_week_shows_absences_lateness_holidays_and_days_not_recorded(client, world):
    from schools.models import Holiday

    Holiday.objects.create(
        school_year=world.year_a,
        name="Nghỉ giữa kỳ",
        start_date=datetime.date(2026, 11, 20),
        end_date=datetime.date(2026, 11, 20),
    )
    anh, lan, _ = world.s9a1
    _absent(world, datetime.date(2026, 11, 16), **{str(anh.pk): ("P", "ốm")})
    _absent(world, datetime.date(2026, 11, 17), **{str(lan.pk): ("K", "")})
    conduct_event_record(
        student=anh,
        date=datetime.date(2026, 11, 17),
        kind="skipped",
        periods=[4, 5],
        user=world.youth,
    )
    login(client, world.gvcn)
    response = client.get(f"{reverse('attendance_week', args=[world.c9a1.pk])}?ngay=2026-11-19")
    grid = response.context["grid"]
    assert [c.day.day for c in grid.columns] == [16, 17, 18, 19, 20, 21]
    columns = {c.day.day: c for c in grid.columns}
    assert not columns[18].future and columns[18].missing  # today, not taken yet
    assert columns[19].future and not columns[20].school_day and columns[20].label == "Nghỉ giữa kỳ"
    rows = {r.student: r for r in grid.rows}
    assert [m.value for m in rows[anh].cells[0].marks] == ["P"]
    assert [m.value for m in rows[lan].cells[0].marks] == ["ok"]
    assert [m.value for m in rows[anh].cells[2].marks] == ["none"]
    assert rows[anh].cells[1].events[0].periods == "4,5"
    assert (rows[anh].excused, rows[lan].unexcused, rows[anh].skipped) == (1, 1, 1)
    html = response.content.decode()
    assert "Nghỉ giữa kỳ" in html and "att-ev" in html


def test_month_totals_per_student_and_day(client, world):
    anh, lan, _ = world.s9a1
    _absent(world, datetime.date(2026, 11, 2), **{str(anh.pk): ("P", ""), str(lan.pk): ("K", "")})
    _absent(world, datetime.date(2026, 11, 3), **{str(anh.pk): ("K", "")})
    _absent(world, datetime.date(2026, 10, 30), **{str(anh.pk): ("K", "")})  # another month
    login(client, world.gvcn)
    response = client.get(f"{reverse('attendance_month', args=[world.c9a1.pk])}?thang=2026-11")
    grid = response.context["grid"]
    rows = {r.student: r for r in grid.rows}
    assert (rows[anh].excused, rows[anh].unexcused, rows[lan].unexcused) == (1, 1, 1)
    assert (grid.excused, grid.unexcused) == (1, 2)
    assert grid.sessions_recorded == 2
    # 2–18 November: 15 school days (Monday to Saturday) up to today, one session each.
    assert grid.sessions_expected == 15
    assert grid.columns[0].excused == 1 and grid.columns[0].unexcused == 1


# --- lateness form -------------------------------------------------------------------------------


def test_youth_union_records_lateness_from_the_form(client, world):
    login(client, world.youth)
    url = f"{reverse('conduct_event_create')}?lop={world.c8a1.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert list(page.context["form"].fields["student"].queryset) == world.s8a1
    data = {
        "student": world.s8a1[0].pk,
        "date": "18/11/2026",
        "kind": "skipped",
        "periods": ["2", "3"],
        "note": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    event = ConductEvent.objects.get()
    assert (event.kind, event.periods, event.recorded_by) == ("skipped", "2,3", world.youth)


def test_lateness_form_refuses_a_student_of_another_class_or_school(client, world):
    login(client, world.gvcn)
    for outsider in (world.s9a2[0], world.s9b1[0]):
        data = {"student": outsider.pk, "date": "18/11/2026", "kind": "late"}
        response = client.post(f"{reverse('conduct_event_create')}?lop={world.c9a1.pk}", data)
        assert response.status_code == 200
    # Asking for another school's class shows no class at all.
    page = client.get(f"{reverse('conduct_event_create')}?lop={world.c9b1.pk}")
    assert page.status_code == 200 and page.context["classroom"] is None
    assert not ConductEvent.objects.exists()


def test_lateness_form_shows_a_clear_error_for_a_sunday(client, world):
    login(client, world.gvcn)
    data = {"student": world.s9a1[0].pk, "date": "15/11/2026", "kind": "late"}
    response = client.post(f"{reverse('conduct_event_create')}?lop={world.c9a1.pk}", data)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not ConductEvent.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("teacher", 403), ("clerk", 403), ("office", 403)])
def test_lateness_form_is_for_youth_union_leaders_and_homeroom_teachers(client, world, who, status):
    login(client, getattr(world, who))
    assert client.get(reverse("conduct_event_create")).status_code == status


def test_removing_lateness_scope(client, world):
    event = conduct_event_record(
        student=world.s9a1[0], date=TODAY, kind="late", user=world.youth, year=world.year_a
    )
    url = reverse("conduct_event_delete", args=[event.pk])
    login(client, world.teacher)  # cannot see 9A1
    assert client.post(url).status_code == 404
    login(client, world.principal_b)
    assert client.post(url).status_code == 404
    login(client, world.gvcn)
    assert client.get(url).status_code == 302 and ConductEvent.objects.exists()
    assert client.post(url).status_code == 302
    assert not ConductEvent.objects.exists()


# --- panels --------------------------------------------------------------------------------------


def test_student_page_shows_absences_toward_the_yearly_limit(client, world):
    anh = world.s9a1[0]
    _absent(world, datetime.date(2026, 11, 16), **{str(anh.pk): ("P", "ốm")})
    _absent(world, datetime.date(2026, 11, 17), **{str(anh.pk): ("K", "")})
    conduct_event_record(student=anh, date=TODAY, kind="late", user=world.youth)
    login(client, world.gvcn)
    response = client.get(reverse("student_detail", args=[anh.pk]))
    panel = next(p for p in response.context["panels"] if "attendance" in p.template)
    summary = panel.context["summary"]
    assert (summary.semester_excused, summary.semester_unexcused, summary.year_total) == (1, 1, 2)
    assert (summary.official, summary.limit, summary.late) == (2, 45, 1)
    assert [a.date.day for a in summary.recent] == [17, 16]
    assert 'id="attendance-panel"' in response.content.decode()


def test_gvcn_home_page_links_to_today_roll(client, world):
    login(client, world.gvcn)
    html = client.get(reverse("home")).content.decode()
    assert 'id="attendance-home"' in html and reverse("roll_call", args=[world.c9a1.pk]) in html
    login(client, world.teacher)
    assert 'id="attendance-home"' not in client.get(reverse("home")).content.decode()


def test_the_base_json_matches_what_the_page_shows(client, world):
    _absent(world, TODAY, **{str(world.s9a1[0].pk): ("P", "ốm")})
    login(client, world.gvcn)
    response = client.get(roll_url(world.c9a1))
    assert json.loads(response.context["form_base"]) == {str(world.s9a1[0].pk): ["P", "ốm"]}
    assert response.context["form_version"] == 1


def test_a_school_teaching_two_sessions_takes_each_roll_apart(client, world):
    from schools.models import SchoolSettings

    settings = SchoolSettings.for_school(world.school_a)
    settings.sessions = "both"
    settings.save()
    login(client, world.gvcn)
    page = client.get(reverse("roll_call", args=[world.c9a1.pk]))
    assert [t["value"] for t in page.context["tabs"]] == ["morning", "afternoon"]
    afternoon = "ngay=2026-11-18&buoi=afternoon"
    assert (
        client.post(roll_url(world.c9a1, afternoon), marks(world.s9a1, s0="K")).status_code == 302
    )
    assert RollCall.objects.get().session == "afternoon"
    week = client.get(f"{reverse('attendance_week', args=[world.c9a1.pk])}?ngay=2026-11-18")
    row = next(r for r in week.context["grid"].rows if r.student == world.s9a1[0])
    assert [(m.session, m.value) for m in row.cells[2].marks] == [
        ("morning", "none"),
        ("afternoon", "K"),
    ]
    today = client.get(reverse("attendance_today"))
    [nine] = [b for b in today.context["blocks"] if b.grade == 9]
    assert [s.taken for s in nine.classes[0].sessions] == [False, True]


def test_a_sunday_today_points_to_the_latest_school_day(client, world, monkeypatch):
    monkeypatch.setattr(
        "django.utils.timezone.localdate", lambda *a, **k: datetime.date(2026, 11, 22)
    )
    login(client, world.gvcn)
    page = client.get(reverse("roll_call", args=[world.c9a1.pk]))
    assert page.status_code == 200 and page.context["sheet"] is None
    assert page.context["latest_day"] == datetime.date(2026, 11, 21)
    home = client.get(reverse("home")).content.decode()
    assert 'id="attendance-home"' in home
