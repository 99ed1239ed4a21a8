"""The tutor's phone pages: sessions still to record, recording one with absences, correcting
it (never overwriting someone else's save), who may, bad input and query counts."""

import pytest
from django.urls import reverse
from django.utils import translation

from schools.models import Holiday
from tutoring import services_sessions as ss
from tutoring.models import SessionAttendance, TutoringSession
from tutoring.selectors_groups import expected_sessions
from tutoring.services_groups import Slot
from tutoring.services_sessions import record_session

from ..conftest import login
from .test_groups_helpers import (  # noqa: F401 - the fixture today
    d,
    join,
    make_group,
    students_in,
    today,
    weak,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]


@pytest.fixture
def group(world, subjects):
    """Toán 8 from Mon 02/11, Mondays periods 1–1 and Thursdays period 3; tutor: the teacher;
    three weak students of 8A1."""
    toan = subjects["TOAN"]
    g = make_group(
        world, toan, slots=[Slot(0, "afternoon", 1, 1), Slot(3, "afternoon", 3, 1)], name="T8"
    )
    kids = [world.s8a1[0], *students_in(world.c8a1, 2)]
    for s in kids:
        weak(s, toan, world.year_a)
    join(g, kids, world.principal)
    return g


@pytest.fixture
def nv_group(world, subjects):
    """Ngữ văn 9 exam review tutored by the principal, with a 9A1 student (the GVCN's class)."""
    g = make_group(
        world, subjects["NV"], grade=9, kind="exam_review", tutors=[world.principal], name="V9"
    )
    join(g, [world.s9a1[0]], world.principal, reason="exam_review")
    return g


def ids(group):
    return list(group.members.order_by("student__sort_key").values_list("student_id", flat=True))


def _post(group, day="16/11/2026", first=1, absent=(), reasons=None, **extra):
    reasons = reasons or {}
    data = {"date": day, "first_period": first, "periods": 1, "content": "Phân thức", "note": ""}
    for sid in ids(group):
        data[f"a-{sid}"] = "0" if sid in absent else "1"
        data[f"r-{sid}"] = reasons.get(sid, "")
    data.update(extra)
    return data


# --- sessions to record --------------------------------------------------------------------------


def test_the_schedule_gives_the_sessions_to_record_newest_first(client, world, group):
    Holiday.objects.create(school_year=world.year_a, name="Nghỉ", start_date=d(9), end_date=d(9))
    record_session(
        group,
        date=d(12),
        first_period=3,
        periods=1,
        content="Đã dạy",
        attendance={},
        user=world.teacher,
    )
    login(client, world.teacher)
    response = client.get(reverse("group_sessions_due", args=[group.pk]))
    assert response.status_code == 200
    due = [(item.date, item.slot.first_period) for item in response.context["page"].due]
    # Mondays 2, (9 holiday), 16; Thursdays 5, (12 recorded); nothing after today (18/11).
    assert due == [(d(16), 1), (d(5), 3), (d(2), 1)]
    link = f"{reverse('session_entry', args=[group.pk])}?date=2026-11-16&amp;slot="
    assert link in response.content.decode()


def test_saturdays_count_for_tutoring_and_sundays_never(world, group):
    slots = [
        type("S", (), {"weekday": 5, "first_period": 1, "periods": 1})(),
        type("S", (), {"weekday": 6, "first_period": 1, "periods": 1})(),
    ]
    due = expected_sessions(group, slots, day=d(18), recorded=set(), holidays=[])
    assert [x.date for x in due] == [d(14), d(7)]


@pytest.mark.parametrize(
    ("role", "key", "status"),
    [
        ("teacher", "group", 200),
        ("group_head", "group", 404),  # the tổ has no subjects here
        ("teacher", "nv_group", 404),
        ("gvcn", "nv_group", 403),  # reads the group, does not teach it
        ("youth", "group", 404),
        ("principal", "group", 200),
    ],
)
def test_who_may_record_sessions(client, world, request, role, key, status):
    g = request.getfixturevalue(key)
    login(client, getattr(world, role))
    assert client.get(reverse("group_sessions_due", args=[g.pk])).status_code == status
    assert client.get(reverse("session_entry", args=[g.pk])).status_code == status
    response = client.post(reverse("session_entry", args=[g.pk]), _post(g))
    assert response.status_code == (302 if status == 200 else status)
    assert TutoringSession.objects.filter(group=g).count() == (1 if status == 200 else 0)


# --- recording a session -------------------------------------------------------------------------


def test_the_entry_form_is_filled_from_the_schedule(client, world, group):
    slot = group.slots.get(weekday=3)
    login(client, world.teacher)
    url = f"{reverse('session_entry', args=[group.pk])}?date=2026-11-12&slot={slot.pk}"
    response = client.get(url)
    form = response.context["form"]
    assert (form["date"].value(), form["first_period"].value()) == (d(12), 3)
    assert [r["student"].pk for r in response.context["rows"]] == ids(group)
    assert all(r["present"] for r in response.context["rows"])
    assert 'value="12/11/2026"' in response.content.decode()


def test_a_tutor_records_a_session_with_two_absences(client, world, group):
    a, b, c = ids(group)
    login(client, world.teacher)
    data = _post(group, absent=(a, b), reasons={a: "Ốm, mẹ xin phép", c: "ignored"})
    response = client.post(reverse("session_entry", args=[group.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("group_sessions_due", args=[group.pk])
    session = TutoringSession.objects.get(group=group)
    assert (session.date, session.content, session.taught_by, session.version) == (
        d(16),
        "Phân thức",
        world.teacher,
        1,
    )
    marks = {x.student_id: (x.present, x.reason) for x in session.attendance.all()}
    assert marks == {a: (False, "Ốm, mẹ xin phép"), b: (False, ""), c: (True, "")}
    page = client.get(reverse("session_detail", args=[session.pk])).content.decode()
    assert "Ốm, mẹ xin phép" in page
    with translation.override("vi"):
        assert translation.gettext("no reason given") in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "19/11/2026"}, "date"),  # tomorrow
        ({"date": "30/10/2026"}, "date"),  # before the group starts
        ({"date": "31/02/2026"}, "date"),  # not a date
        ({"content": "  "}, "content"),
        ({"periods": "6"}, "periods"),
    ],
)
def test_bad_sessions_are_refused_and_nothing_saved(client, world, group, change, field):
    login(client, world.teacher)
    response = client.post(reverse("session_entry", args=[group.pk]), _post(group, **change))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not TutoringSession.objects.exists()
    assert not SessionAttendance.objects.exists()


def test_a_session_is_not_recorded_twice(client, world, group):
    login(client, world.teacher)
    client.post(reverse("session_entry", args=[group.pk]), _post(group))
    response = client.post(reverse("session_entry", args=[group.pk]), _post(group, content="Lần 2"))
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [
        str(ss.MSG_ALREADY_RECORDED) % {"date": "16/11/2026", "period": 1}
    ]
    assert TutoringSession.objects.get().content == "Phân thức"
    slot = group.slots.get(weekday=0)
    url = f"{reverse('session_entry', args=[group.pk])}?date=2026-11-16&slot={slot.pk}"
    session = TutoringSession.objects.get()
    assert client.get(url)["Location"] == reverse("session_edit", args=[session.pk])


def test_a_member_who_left_is_not_on_later_sessions(client, world, group):
    from tutoring.services_groups import remove_member

    first = group.members.order_by("student__sort_key").first()
    remove_member(first, left_on=d(10), left_reason="Chuyển lớp", user=world.principal)
    login(client, world.teacher)
    late = client.get(f"{reverse('session_entry', args=[group.pk])}?date=2026-11-16")
    early = client.get(f"{reverse('session_entry', args=[group.pk])}?date=2026-11-05")
    assert first.student_id not in [r["student"].pk for r in late.context["rows"]]
    assert first.student_id in [r["student"].pk for r in early.context["rows"]]


# --- correcting a session ------------------------------------------------------------------------


def _record(group, world, absent=()):
    return record_session(
        group,
        date=d(16),
        first_period=1,
        periods=1,
        content="Phân thức",
        attendance={sid: (False, "") for sid in absent},
        user=world.teacher,
    )


def test_a_tutor_corrects_a_session(client, world, group):
    a, b, _c = ids(group)
    session = _record(group, world, absent=(a,))
    login(client, world.teacher)
    data = _post(group, absent=(b,), reasons={b: "Đi viện"}, content="Phân thức (tiếp)")
    data["version"] = 1
    response = client.post(reverse("session_edit", args=[session.pk]), data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.content, session.version) == ("Phân thức (tiếp)", 2)
    marks = {x.student_id: (x.present, x.reason) for x in session.attendance.all()}
    assert marks[a] == (True, "") and marks[b] == (False, "Đi viện")


def test_a_stale_correction_is_refused_with_the_current_values(client, world, group):
    a, b, _c = ids(group)
    session = _record(group, world)
    login(client, world.teacher)
    stale = _post(group, absent=(a,), content="Bản của tôi")
    stale["version"] = 1
    # Someone else saves first.
    record_session(
        group,
        date=d(16),
        first_period=1,
        periods=1,
        content="Bản của tổ trưởng",
        attendance={b: (False, "ốm")},
        user=world.principal,
        version=1,
        session=session,
    )
    response = client.post(reverse("session_edit", args=[session.pk]), stale)
    assert response.status_code == 200
    session.refresh_from_db()
    assert (session.content, session.version) == ("Bản của tổ trưởng", 2)
    assert session.attendance.get(student_id=a).present is True
    assert response.context["form"]["content"].value() == "Bản của tổ trưởng"
    assert response.context["form"]["version"].value() == 2
    assert response.context["stale_content"] == "Bản của tôi"
    rows = {r["student"].pk: r for r in response.context["rows"]}
    assert rows[b]["present"] is False and rows[b]["reason"] == "ốm"


def test_read_only_roles_see_a_session_but_cannot_correct_it(client, world, nv_group):
    session = record_session(
        nv_group,
        date=d(17),
        first_period=1,
        periods=2,
        content="Nghị luận xã hội",
        attendance={},
        user=world.principal,
    )
    login(client, world.gvcn)
    assert client.get(reverse("session_detail", args=[session.pk])).status_code == 200
    assert client.get(reverse("session_edit", args=[session.pk])).status_code == 403
    data = _post(nv_group, day="17/11/2026", content="Sửa", version=1)
    assert client.post(reverse("session_edit", args=[session.pk]), data).status_code == 403
    login(client, world.teacher)
    assert client.get(reverse("session_detail", args=[session.pk])).status_code == 404
    session.refresh_from_db()
    assert session.content == "Nghị luận xã hội"


# --- query counts --------------------------------------------------------------------------------


def _grow(group, world, n):
    have = group.members.count()
    new = students_in(group.school_year.classrooms.get(name="8A1"), n - have, prefix=f"Q{n}-")
    for s in new:
        weak(s, group.subject, world.year_a)
    join(group, new, world.principal)


def _count(client, method, url, data, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as ctx:
        response = getattr(client, method)(url, data)
    assert response.status_code in (200, 302)
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("name", "limit"), [("group_sessions_due", 10), ("session_entry", 9)])
def test_the_phone_pages_cost_the_same_for_3_and_40_students(
    client, world, group, django_assert_max_num_queries, name, limit
):
    """Session, user, scope (≈4), the group, tutored groups; then the slots, the recorded
    sessions and holidays (due) or the slots and the members on the date (entry)."""
    login(client, world.teacher)
    url = reverse(name, args=[group.pk])
    _record(group, world)
    few = _count(client, "get", url, {}, django_assert_max_num_queries, limit)
    _grow(group, world, 40)
    for day in (d(2), d(9)):
        record_session(
            group,
            date=day,
            first_period=1,
            periods=1,
            content="x",
            attendance={},
            user=world.teacher,
        )
    many = _count(client, "get", url, {}, django_assert_max_num_queries, limit)
    assert few == many


def test_saving_a_session_costs_the_same_for_3_and_40_students(
    client, world, group, django_assert_max_num_queries
):
    """Plus the save: members on the date, the clash check, the insert and its history row,
    one bulk insert of the attendance."""
    login(client, world.teacher)
    url = reverse("session_entry", args=[group.pk])
    first = ids(group)
    few = _count(
        client, "post", url, _post(group, absent=first[:2]), django_assert_max_num_queries, 18
    )
    _grow(group, world, 40)
    many = _count(
        client,
        "post",
        url,
        _post(group, day="12/11/2026", first=3, absent=first[:2]),
        django_assert_max_num_queries,
        18,
    )
    assert few == many
    assert SessionAttendance.objects.filter(session__date=d(12)).count() == 40
