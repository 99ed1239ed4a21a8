"""The group pages: who sees and changes which group, creating a group from the weak students,
editing, a member leaving, the test scores, bad input and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tutoring import services_groups as sg
from tutoring.models import Checkpoint, Membership, TutoringGroup
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
def groups(world, subjects):
    """Toán 8 (tutor: the teacher, head: the group head) with the weak 8A1 student, and Ngữ văn
    9 exam review (tutor: the principal) with a 9A1 student (the GVCN's class)."""
    world.group.subjects.add(subjects["TOAN"], subjects["TIN"])
    toan = make_group(world, subjects["TOAN"], name="Phụ đạo Toán 8 – nhóm 1")
    weak(world.s8a1[0], subjects["TOAN"], world.year_a)
    join(toan, [world.s8a1[0]], world.principal, consent_by="Hà Văn Cha")
    nv = make_group(
        world,
        subjects["NV"],
        grade=9,
        kind="exam_review",
        name="Ôn thi vào 10 Ngữ văn – nhóm 1",
        tutors=[world.principal],
    )
    join(nv, [world.s9a1[0]], world.principal, reason="exam_review")
    return {"toan": toan, "nv": nv}


def listed(response):
    return [row.group.name for row in response.context["data"].rows]


# --- the list ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("principal", ["toan", "nv"]),
        ("vp", ["toan", "nv"]),
        ("clerk", ["toan", "nv"]),
        ("teacher", ["toan"]),
        ("group_head", ["toan"]),
        ("gvcn", ["nv"]),
        ("youth", []),
        ("principal_b", []),
    ],
)
def test_each_role_sees_its_groups(client, world, groups, role, expected):
    login(client, getattr(world, role))
    response = client.get(reverse("group_list"))
    assert response.status_code == 200
    assert listed(response) == [groups[k].name for k in expected]


def test_office_staff_do_not_see_groups(client, world, groups):
    login(client, world.office)
    assert client.get(reverse("group_list")).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("grade=8", ["toan"]),
        ("kind=exam_review", ["nv"]),
        ("grade=x", ["toan", "nv"]),  # not understood: ignored, never a 500
    ],
)
def test_the_list_filters(client, world, subjects, groups, query, expected):
    login(client, world.principal)
    response = client.get(f"{reverse('group_list')}?{query}")
    assert listed(response) == [groups[k].name for k in expected]
    by_subject = client.get(f"{reverse('group_list')}?subject={subjects['NV'].pk}")
    assert listed(by_subject) == [groups["nv"].name]
    by_tutor = client.get(f"{reverse('group_list')}?tutor={world.teacher.pk}")
    assert listed(by_tutor) == [groups["toan"].name]


def test_the_list_counts_members_sessions_periods_and_attendance(client, world, groups):
    toan = groups["toan"]
    extra = students_in(world.c8a1, 1, prefix="Phụ")
    weak(extra[0], toan.subject, world.year_a)
    join(toan, extra, world.principal)
    record_session(
        toan,
        date=d(16),
        first_period=1,
        periods=2,
        content="Phân thức",
        attendance={extra[0].pk: (False, "ốm")},
        user=world.teacher,
    )
    login(client, world.principal)
    row = client.get(reverse("group_list")).context["data"].rows[0]
    assert (row.members, row.sessions, row.periods) == (2, 1, 2)
    assert row.attendance_rate == Decimal("50.0")


# --- creating a group from the weak students -----------------------------------------------------


@pytest.fixture
def weak_8(world, subjects):
    """8A1: the weak student, a covered weak student, a student who is not weak."""
    toan = subjects["TOAN"]
    s, covered, fine = world.s8a1[0], *students_in(world.c8a1, 2)
    weak(s, toan, world.year_a, score="3.5")
    weak(covered, toan, world.year_a)
    other = make_group(world, toan, name="Nhóm khác", slots=[Slot(4, "afternoon", 1, 1)])
    join(other, [covered], world.principal)
    return {"weak": s, "covered": covered, "fine": fine}


def _create_url(subjects, grade=8, kind="remedial", code="TOAN"):
    return f"{reverse('group_create')}?subject={subjects[code].pk}&grade={grade}&kind={kind}"


def test_the_create_page_offers_the_weak_students_of_the_grade(client, world, subjects, weak_8):
    login(client, world.group_head)
    world.group.subjects.add(subjects["TOAN"])
    response = client.get(_create_url(subjects))
    assert response.status_code == 200
    rows = {c.student.pk: c for c, _ in response.context["rows"]}
    assert set(rows) == {weak_8["weak"].pk, weak_8["covered"].pk}
    mine = rows[weak_8["weak"].pk]
    assert (mine.classroom.name, mine.weak.score, mine.covered_by) == ("8A1", Decimal("3.5"), [])
    assert mine.guardian_name == "Nguyễn Văn Bố"
    assert rows[weak_8["covered"].pk].covered_by == ["Nhóm khác"]
    page = response.content.decode()
    assert "3,5" in page and f'name="m-{weak_8["weak"].pk}"' in page
    assert response.context["form"].initial["name"].endswith("1")


def _post_data(subjects, world, *, ticks=(), **extra):
    data = {
        "kind": "remedial",
        "subject": subjects["TOAN"].pk,
        "grade": 8,
        "name": "Phụ đạo Toán 8 – nhóm A",
        "tutors": [world.teacher.pk],
        "plan": "",
        "room": "P.8",
        "start_date": "02/11/2026",
        "end_date": "16/01/2027",
        "note": "",
        "slot-TOTAL_FORMS": 2,
        "slot-INITIAL_FORMS": 0,
        "slot-MIN_NUM_FORMS": 0,
        "slot-MAX_NUM_FORMS": 10,
        "slot-0-weekday": 2,
        "slot-0-session": "afternoon",
        "slot-0-first_period": 1,
        "slot-0-periods": 2,
        "slot-0-room": "",
        "registered_on": "28/10/2026",
        "consent_on": "30/10/2026",
    }
    for student in ticks:
        data[f"m-{student.pk}"] = "1"
        data[f"cb-{student.pk}"] = "Hà Văn Cha"
        data[f"ex-{student.pk}"] = ""
    data.update(extra)
    return data


def test_a_group_head_creates_a_group_with_ticked_weak_students(client, world, subjects, weak_8):
    world.group.subjects.add(subjects["TOAN"])
    login(client, world.group_head)
    response = client.post(
        reverse("group_create"), _post_data(subjects, world, ticks=[weak_8["weak"]])
    )
    group = TutoringGroup.objects.get(name="Phụ đạo Toán 8 – nhóm A")
    assert response.status_code == 302
    assert response["Location"] == reverse("group_detail", args=[group.pk])
    m = group.members.get()
    assert (m.student, m.reason, m.registered_on, m.consent_on, m.consent_by) == (
        weak_8["weak"],
        "weak",
        d(28, 10),
        d(30, 10),
        "Hà Văn Cha",
    )
    assert list(group.tutors.all()) == [world.teacher]
    assert [(s.weekday, s.first_period, s.periods) for s in group.slots.all()] == [(2, 1, 2)]


def test_a_group_head_creates_groups_only_for_their_subjects(client, world, subjects, weak_8):
    world.group.subjects.add(subjects["TOAN"])
    login(client, world.group_head)
    data = _post_data(subjects, world, subject=subjects["NV"].pk)
    response = client.post(reverse("group_create"), data)
    assert response.status_code == 200
    assert "subject" in response.context["form"].errors
    assert not TutoringGroup.objects.filter(name="Phụ đạo Toán 8 – nhóm A").exists()


@pytest.mark.parametrize("role", ["youth", "clerk", "teacher", "gvcn", "office"])
def test_other_roles_cannot_create_groups(client, world, subjects, role):
    login(client, getattr(world, role))
    assert client.get(reverse("group_create")).status_code == 403
    response = client.post(reverse("group_create"), _post_data(subjects, world))
    assert response.status_code == 403
    assert not TutoringGroup.objects.exists()


def test_a_group_head_without_subjects_cannot_create(client, world, subjects):
    login(client, world.group_head)  # the tổ has no subjects yet
    assert client.get(reverse("group_create")).status_code == 403


def test_a_missing_consent_date_creates_nothing_and_keeps_the_ticks(
    client, world, subjects, weak_8
):
    login(client, world.principal)
    data = _post_data(subjects, world, ticks=[weak_8["weak"]], consent_on="")
    response = client.post(reverse("group_create"), data)
    assert response.status_code == 200
    assert "consent_on" in response.context["members_form"].errors
    assert not TutoringGroup.objects.filter(name="Phụ đạo Toán 8 – nhóm A").exists()
    page = response.content.decode()
    assert f'name="m-{weak_8["weak"].pk}" value="1" id="m-{weak_8["weak"].pk}" checked' in page
    assert 'value="Phụ đạo Toán 8 – nhóm A"' in page


def test_an_ineligible_tick_refuses_the_whole_group(client, world, subjects, weak_8):
    login(client, world.principal)
    data = _post_data(subjects, world, ticks=[weak_8["weak"], weak_8["fine"]])
    response = client.post(reverse("group_create"), data)
    assert response.status_code == 200
    errors = response.context["members_form"].non_field_errors()
    assert len(errors) == 1 and weak_8["fine"].full_name in errors[0]
    assert not TutoringGroup.objects.filter(name="Phụ đạo Toán 8 – nhóm A").exists()
    assert not Membership.objects.filter(student=weak_8["weak"]).exists()


def test_bad_group_fields_are_shown_in_place(client, world, subjects):
    login(client, world.principal)
    data = _post_data(
        subjects,
        world,
        kind="exam_review",
        end_date="30/06/2027",
        **{"slot-1-weekday": 4, "slot-1-session": "afternoon", "slot-1-first_period": 1},
        **{"slot-1-periods": 1},
    )
    response = client.post(reverse("group_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["grade"] == [str(sg.MSG_EXAM_REVIEW_GRADE_9)]
    assert "end_date" in form.errors
    assert response.context["slot_errors"] == [
        str(sg.MSG_WEEKLY_LIMIT) % {"periods": 3, "limit": 2}
    ]
    assert not TutoringGroup.objects.exists()


def test_show_the_students_suggests_a_name_and_saves_nothing(client, world, subjects, weak_8):
    login(client, world.principal)
    data = _post_data(subjects, world, name="", refresh="1")
    response = client.post(reverse("group_create"), data)
    assert response.status_code == 200
    assert response.context["form"]["name"].value()
    assert len(response.context["rows"]) == 2
    assert TutoringGroup.objects.count() == 1  # only weak_8's other group


# --- editing, the group page, members leaving ----------------------------------------------------


def _edit_data(group, **extra):
    slots = list(group.slots.all())
    data = {
        "kind": group.kind,
        "subject": group.subject_id,
        "grade": group.grade,
        "name": group.name,
        "tutors": [t.pk for t in group.tutors.all()],
        "plan": "",
        "room": "P.9",
        "start_date": group.start_date.strftime("%d/%m/%Y"),
        "end_date": group.end_date.strftime("%d/%m/%Y"),
        "note": "",
        "loaded_at": group.updated_at.isoformat(),
        "slot-TOTAL_FORMS": len(slots),
        "slot-INITIAL_FORMS": len(slots),
        "slot-MIN_NUM_FORMS": 0,
        "slot-MAX_NUM_FORMS": 10,
        "registered_on": "",
        "consent_on": "",
    }
    for i, s in enumerate(slots):
        data.update(
            {
                f"slot-{i}-weekday": s.weekday,
                f"slot-{i}-session": s.session,
                f"slot-{i}-first_period": s.first_period,
                f"slot-{i}-periods": s.periods,
                f"slot-{i}-room": s.room,
            }
        )
    data.update(extra)
    return data


def test_the_group_head_edits_and_adds_a_student(client, world, subjects, groups):
    toan = groups["toan"]
    new = students_in(world.c8a1, 1, prefix="Mới")[0]
    weak(new, subjects["TOAN"], world.year_a)
    login(client, world.group_head)
    page = client.get(reverse("group_edit", args=[toan.pk]))
    assert page.status_code == 200
    assert [c.student for c, _ in page.context["rows"] if not c.in_group] == [new]
    data = _edit_data(toan, registered_on="01/11/2026", consent_on="01/11/2026")
    data.update({f"m-{new.pk}": "1", f"cb-{new.pk}": "Mẹ em Mới"})
    response = client.post(reverse("group_edit", args=[toan.pk]), data)
    assert response.status_code == 302
    toan.refresh_from_db()
    assert toan.room == "P.9"
    assert toan.members.filter(left_on__isnull=True).count() == 2


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(client, world, groups):
    toan = groups["toan"]
    login(client, world.principal)
    old = _edit_data(toan)
    toan.room = "P.1"
    toan.save()
    response = client.post(reverse("group_edit", args=[toan.pk]), old)
    assert response.status_code == 302
    assert response["Location"] == reverse("group_edit", args=[toan.pk])
    toan.refresh_from_db()
    assert toan.room == "P.1"


@pytest.mark.parametrize(
    ("role", "key", "status"),
    [
        ("teacher", "toan", 403),  # a tutor teaches the group, does not manage it
        ("gvcn", "nv", 403),  # reads the group of their student
        ("group_head", "nv", 404),  # not their subject: not visible
        ("teacher", "nv", 404),
    ],
)
def test_who_may_not_edit(client, world, groups, role, key, status):
    group = groups[key]
    login(client, getattr(world, role))
    assert client.get(reverse("group_edit", args=[group.pk])).status_code == status
    before = group.updated_at
    response = client.post(reverse("group_edit", args=[group.pk]), _edit_data(group))
    assert response.status_code == status
    group.refresh_from_db()
    assert group.updated_at == before


def test_the_group_page_shows_members_schedule_and_sessions(client, world, groups):
    toan = groups["toan"]
    record_session(
        toan,
        date=d(16),
        first_period=1,
        periods=2,
        content="Phân thức đại số",
        attendance={world.s8a1[0].pk: (False, "")},
        user=world.teacher,
    )
    Checkpoint.objects.create(
        group=toan,
        student=world.s8a1[0],
        kind="before",
        date=d(3),
        score=Decimal("3.5"),
        recorded_by=world.teacher,
    )
    login(client, world.teacher)
    response = client.get(reverse("group_detail", args=[toan.pk]))
    assert response.status_code == 200
    detail = response.context["detail"]
    [row] = detail.members
    assert (row.classroom.name, row.present, row.marked, row.before.score) == (
        "8A1",
        0,
        1,
        Decimal("3.5"),
    )
    assert detail.due_count == 3  # the Tuesday slot: 03/11, 10/11, 17/11 (16/11 is a Monday)
    page = response.content.decode()
    assert "Phân thức đại số" in page and "3,5" in page and "Hà Văn Cha" in page
    assert response.context["can_teach"] and not response.context["can_manage"]


def test_a_group_outside_ones_scope_is_404(client, world, groups):
    login(client, world.teacher)
    assert client.get(reverse("group_detail", args=[groups["nv"].pk])).status_code == 404
    login(client, world.youth)
    assert client.get(reverse("group_detail", args=[groups["toan"].pk])).status_code == 404


def test_a_member_leaves_and_the_row_is_kept(client, world, groups):
    m = groups["toan"].members.get()
    url = reverse("group_member_remove", args=[m.pk])
    login(client, world.teacher)
    assert client.post(url, {"left_on": "17/11/2026", "left_reason": "x"}).status_code == 403
    login(client, world.group_head)
    response = client.post(url, {"left_on": "17/11/2026", "left_reason": ""})
    assert response.status_code == 200 and "left_reason" in response.context["form"].errors
    response = client.post(url, {"left_on": "17/11/2026", "left_reason": "Hết yếu sau KT giữa kì"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.left_on, m.left_reason) == (d(17), "Hết yếu sau KT giữa kì")


def test_the_gvcn_cannot_remove_a_member(client, world, groups):
    m = groups["nv"].members.get()
    login(client, world.gvcn)
    url = reverse("group_member_remove", args=[m.pk])
    assert client.post(url, {"left_on": "17/11/2026", "left_reason": "x"}).status_code == 403
    m.refresh_from_db()
    assert m.left_on is None


# --- test scores ---------------------------------------------------------------------------------


def test_the_tutor_enters_scores_for_the_whole_group(client, world, groups):
    toan = groups["toan"]
    other = students_in(world.c8a1, 1, prefix="Hai")[0]
    weak(other, toan.subject, world.year_a)
    join(toan, [other], world.principal)
    url = reverse("group_checkpoints", args=[toan.pk])
    login(client, world.teacher)
    assert client.get(url).status_code == 200
    data = {
        "kind": "before",
        "date": "10/11/2026",
        "note": "",
        f"s-{world.s8a1[0].pk}": "6,5",
        f"s-{other.pk}": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    [c] = Checkpoint.objects.filter(group=toan)
    assert (c.student, c.kind, c.date, c.score) == (world.s8a1[0], "before", d(10), Decimal("6.5"))


def test_a_bad_score_saves_nothing_and_is_shown_for_that_student(client, world, groups):
    toan = groups["toan"]
    other = students_in(world.c8a1, 1, prefix="Hai")[0]
    weak(other, toan.subject, world.year_a)
    join(toan, [other], world.principal)
    login(client, world.teacher)
    data = {
        "kind": "after",
        "date": "17/11/2026",
        f"s-{world.s8a1[0].pk}": "7,5",
        f"s-{other.pk}": "11",
    }
    response = client.post(reverse("group_checkpoints", args=[toan.pk]), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [f"s-{other.pk}"]
    assert not Checkpoint.objects.exists()
    assert 'value="7,5"' in response.content.decode()


def test_read_only_roles_cannot_enter_scores(client, world, groups):
    login(client, world.gvcn)
    url = reverse("group_checkpoints", args=[groups["nv"].pk])
    assert client.get(url).status_code == 403
    data = {"kind": "before", "date": "10/11/2026", f"s-{world.s9a1[0].pk}": "5"}
    assert client.post(url, data).status_code == 403
    assert not Checkpoint.objects.exists()


# --- query counts --------------------------------------------------------------------------------


def _grow(world, subjects, n_groups):
    toan = subjects["TOAN"]
    for i in range(n_groups):
        group = make_group(world, toan, name=f"Nhóm {i}", slots=[Slot(i % 6, "afternoon", 1, 1)])
        s = students_in(world.c8a1, 1, prefix=f"G{i}-")[0]
        weak(s, toan, world.year_a)
        join(group, [s], world.principal)
        record_session(
            group,
            date=d(2) + datetime.timedelta(days=i % 6),
            first_period=1,
            periods=1,
            content="Ôn tập",
            attendance={s.pk: (i % 2 == 0, "")},
            user=world.teacher,
        )


def _queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_for_1_and_12_groups(
    client, world, subjects, django_assert_max_num_queries
):
    """Session, user, scope (≈5), the groups with their counts, tutors, slots, the filter's
    tutors and subjects."""
    login(client, world.principal)
    _grow(world, subjects, 1)
    few = _queries(client, reverse("group_list"), django_assert_max_num_queries, 11)
    for i in range(11):
        group = make_group(
            world, subjects["TOAN"], name=f"Thêm {i}", slots=[Slot(i % 6, "afternoon", 2, 1)]
        )
        group.tutors.add(world.vp)
    many = _queries(client, reverse("group_list"), django_assert_max_num_queries, 11)
    assert few == many


def test_the_group_page_costs_the_same_for_3_and_40_members(
    client, world, subjects, django_assert_max_num_queries
):
    """Session, user, scope, the group, tutored groups, then the page: settings, tutors, slots,
    members, classes, attendance, checkpoints, sessions, holidays, plus the template's
    permission checks."""
    toan = subjects["TOAN"]
    settings = sg.SchoolSettings.for_school(world.school_a)
    settings.group_max_students = 45
    settings.save()
    group = make_group(world, toan, name="Đông")
    login(client, world.principal)

    def grow(n):
        have = group.members.count()
        new = students_in(world.c8a1, n - have, prefix=f"N{n}-")
        for s in new:
            weak(s, toan, world.year_a)
        join(group, new, world.principal)
        ids = list(group.members.values_list("student_id", flat=True))
        record_session(
            group,
            date=d(2) + datetime.timedelta(days=7 * (n % 3)),
            first_period=1,
            periods=2,
            content="Ôn tập",
            attendance={ids[0]: (False, "ốm")},
            user=world.principal,
        )
        Checkpoint.objects.create(
            group=group,
            student_id=ids[-1],
            kind="before",
            date=d(3),
            score=5,
            recorded_by=world.principal,
        )

    grow(3)
    few = _queries(
        client, reverse("group_detail", args=[group.pk]), django_assert_max_num_queries, 15
    )
    grow(40)
    many = _queries(
        client, reverse("group_detail", args=[group.pk]), django_assert_max_num_queries, 15
    )
    assert few == many
