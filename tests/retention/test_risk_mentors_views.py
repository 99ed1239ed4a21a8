"""Mentor pages: who mentors whom, taking on or assigning a mentor, one mentorship with its
contact log, ending it, and the panels. Who may, who may not, outsiders, bad input, queries."""

import datetime

import pytest
from django.urls import reverse

from retention.models import MentorContact, Mentorship, RecordAccess
from schools.models import Role
from schools.services import role_assign

from .. import factories as f
from ..conftest import login
from .risk_helpers import make_case, make_mentorship

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def assign_url(student=None):
    url = reverse("mentor_assign")
    return f"{url}?student={student.pk}" if student is not None else url


def detail_url(m):
    return reverse("mentorship_detail", args=[m.pk])


def end_url(m):
    return reverse("mentorship_end", args=[m.pk])


def form_data(**kw):
    data = {"reason": "at_risk", "start_date": "01/10/2026", "goals": "Đi học đều"}
    data.update(kw)
    return data


def contact(m, *, date=TODAY, content="Trò chuyện", by=None):
    return MentorContact.objects.create(
        mentorship=m, date=date, method="talk", content=content, recorded_by=by or m.teacher
    )


# --- the list -------------------------------------------------------------------------------------


def test_leaders_see_every_teacher_with_their_mentees_and_counts(client, world):
    m1 = make_mentorship(world.teacher, world.s9a1[0], reason="weak")
    make_mentorship(world.teacher, world.s8a1[0])
    m3 = make_mentorship(world.gvcn, world.s9a2[0], start_date=datetime.date(2026, 10, 2))
    contact(m3, date=datetime.date(2026, 11, 8))
    login(client, world.vp)
    response = client.get(reverse("mentor_list"))
    assert response.status_code == 200
    data = response.context["data"]
    counts = {t.teacher: t.count for t in data.teachers}
    assert counts[world.teacher] == 2 and counts[world.gvcn] == 1 and counts[world.clerk] == 0
    assert world.principal_b not in counts
    assert (data.mentees, data.full, data.with_one) == (3, 1, 1)
    assert data.without == len(counts) - 2
    page = response.content.decode()
    row = page[page.index(f'data-mentorship="{m3.pk}"') :]
    row = row[: row.index("</tr>")]
    for text in ("Trần Văn", "Bình", "9A2", "02/10/2026", "08/11/2026", detail_url(m3)):
        assert text in row
    assert m1.get_reason_display() in page
    # Vietnamese order of teachers: Chủ (gvcn) before Toán (teacher).
    assert page.index(f'data-teacher="{world.gvcn.pk}"') < page.index(
        f'data-teacher="{world.teacher.pk}"'
    )


@pytest.mark.parametrize(
    ("teachers", "expected"),
    [("none", {"clerk"}), ("full", {"teacher"}), ("room", {"gvcn", "clerk"})],
)
def test_leaders_filter_teachers_by_how_many_mentees_they_have(client, world, teachers, expected):
    make_mentorship(world.teacher, world.s9a1[0])
    make_mentorship(world.teacher, world.s8a1[0])
    make_mentorship(world.gvcn, world.s9a2[0])
    login(client, world.principal)
    data = client.get(reverse("mentor_list"), {"teachers": teachers}).context["data"]
    shown = {t.teacher for t in data.teachers}
    for name in ("clerk", "teacher", "gvcn"):
        assert (getattr(world, name) in shown) == (name in expected)


def test_leaders_filter_mentees_by_class_and_garbage_filters_fall_back(client, world):
    make_mentorship(world.teacher, world.s9a1[0])
    make_mentorship(world.teacher, world.s8a1[0])
    make_mentorship(world.gvcn, world.s9a2[0])
    login(client, world.principal)
    data = client.get(reverse("mentor_list"), {"classroom": world.c8a1.pk}).context["data"]
    assert [(t.teacher, [r.student for r in t.mentees]) for t in data.teachers] == [
        (world.teacher, [world.s8a1[0]])
    ]
    response = client.get(reverse("mentor_list"), {"classroom": "abc", "teachers": "<x>"})
    assert response.status_code == 200
    assert len(response.context["data"].teachers) > 2
    outsider = client.get(reverse("mentor_list"), {"classroom": world.c9b1.pk})
    assert outsider.status_code == 200 and len(outsider.context["data"].teachers) > 2


def test_a_teacher_sees_only_their_own_mentees(client, world):
    mine = make_mentorship(world.teacher, world.s8a1[0])
    other = make_mentorship(world.gvcn, world.s9a1[0])
    login(client, world.teacher)
    response = client.get(reverse("mentor_list"))
    data = response.context["data"]
    assert [r.mentorship for r in data.mine] == [mine]
    assert data.class_rows == [] and data.teachers == []
    page = response.content.decode()
    assert detail_url(mine) in page and detail_url(other) not in page
    assert "Nguyễn Thị" not in page


def test_the_gvcn_reads_the_mentorships_of_their_class_without_opening_them(client, world):
    theirs = make_mentorship(world.teacher, world.s9a1[0])
    make_mentorship(world.teacher, world.s9a2[0])  # another class
    login(client, world.gvcn)
    response = client.get(reverse("mentor_list"))
    data = response.context["data"]
    assert [r.mentorship for r in data.class_rows] == [theirs]
    page = response.content.decode()
    assert f'data-mentorship="{theirs.pk}"' in page and "Đỗ Văn Toán" in page
    assert detail_url(theirs) not in page
    assert "Trần Văn" not in page


def test_office_staff_and_outsiders(client, world):
    make_mentorship(world.teacher, world.s9a1[0])
    login(client, world.office)
    assert client.get(reverse("mentor_list")).status_code == 403
    login(client, world.principal_b)
    data = client.get(reverse("mentor_list")).context["data"]
    assert data.mentees == 0 and all(t.count == 0 for t in data.teachers)
    assert world.teacher not in {t.teacher for t in data.teachers}


def _grow(world, n):
    """n more teachers of School A, each mentoring a new 9A2 student with two contacts."""
    for i in range(n):
        t = f.UserFactory(username=f"t{i}", full_name=f"Giáo Viên {i}", school=world.school_a)
        role_assign(user=t, role=Role.SUBJECT_TEACHER, school_year=world.year_a)
        s = f.StudentFactory(school=world.school_a)
        f.enroll(s, world.c9a2)
        m = make_mentorship(t, s)
        contact(m)
        contact(m, content="lần 2")


@pytest.mark.parametrize("role", ["principal", "gvcn", "teacher"])
def test_the_list_costs_the_same_queries_for_few_or_many_mentors(
    client, world, django_assert_max_num_queries, role
):
    # session, user, scope (school, year, assignments), [leaders: the filter's classes, the
    # teachers], the mentorships, their classes, their contacts.
    make_mentorship(world.teacher, world.s9a1[0])
    make_mentorship(world.gvcn, world.s8a1[0])
    login(client, getattr(world, role))
    url = reverse("mentor_list")
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    _grow(world, 15)
    for s in world.s9a1[1:]:
        make_mentorship(world.teacher if s == world.s9a1[1] else world.gvcn, s)
    with django_assert_max_num_queries(12) as many:
        response = client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries)
    if role == "principal":
        assert response.context["data"].mentees > 15


# --- taking on, assigning -------------------------------------------------------------------------


def test_a_leader_assigns_a_teacher_full_ones_are_shown_disabled(client, world):
    make_mentorship(world.gvcn, world.s9a1[1])
    make_mentorship(world.gvcn, world.s9a1[2])
    login(client, world.principal)
    response = client.get(assign_url(world.s9a1[0]))
    assert response.status_code == 200
    page = response.content.decode()
    option = page[page.index(f'value="{world.gvcn.pk}"') - 10 :]
    option = option[: option.index("</option>")]
    assert "disabled" in option and "(2/2)" in option and "Lê Văn Anh" in option
    option = page[page.index(f'value="{world.teacher.pk}"') - 10 :]
    assert "disabled" not in option[: option.index("</option>")]
    assert "(0/2)" in option[: option.index("</option>")]
    response = client.post(assign_url(world.s9a1[0]), form_data(teacher=world.teacher.pk))
    m = Mentorship.objects.get(student=world.s9a1[0])
    assert response.status_code == 302 and response["Location"] == detail_url(m)
    assert (m.teacher, m.created_by, m.goals) == (world.teacher, world.principal, "Đi học đều")


def test_a_leader_cannot_give_a_teacher_a_third_mentee(client, world):
    make_mentorship(world.gvcn, world.s9a1[1])
    make_mentorship(world.gvcn, world.s9a1[2])
    login(client, world.principal)
    response = client.post(assign_url(world.s9a1[0]), form_data(teacher=world.gvcn.pk))
    assert response.status_code == 200
    errors = response.context["form"].errors["teacher"][0]
    assert "Phạm Thị Chủ" in errors and "Lê Văn Anh" in errors and "Đặng Thị Ân" in errors
    assert not Mentorship.objects.filter(student=world.s9a1[0]).exists()
    assert 'value="Đi học đều"' in response.content.decode() or "Đi học đều" in (
        response.content.decode()
    )


def test_a_student_with_a_mentor_cannot_get_a_second_one(client, world):
    make_mentorship(world.gvcn, world.s9a1[0])
    login(client, world.principal)
    page = client.get(assign_url(world.s9a1[0])).content.decode()
    assert 'id="has-mentor"' in page and "Phạm Thị Chủ" in page and 'id="assign-form"' not in page
    response = client.post(assign_url(world.s9a1[0]), form_data(teacher=world.teacher.pk))
    assert response.status_code == 200
    assert "Phạm Thị Chủ" in response.context["form"].non_field_errors()[0]
    assert Mentorship.objects.filter(student=world.s9a1[0]).count() == 1


def test_a_teacher_takes_on_a_student_of_their_class_only_as_themselves(client, world):
    login(client, world.teacher)
    page = client.get(assign_url(world.s8a1[0])).content.decode()
    assert 'name="teacher"' not in page
    response = client.post(
        assign_url(world.s8a1[0]), form_data(teacher=world.gvcn.pk)
    )  # a tampered teacher is ignored: the teacher takes the student on themselves
    m = Mentorship.objects.get()
    assert response.status_code == 302
    assert (m.teacher, m.student, m.created_by) == (world.teacher, world.s8a1[0], world.teacher)


def test_a_teacher_cannot_take_on_a_student_of_another_class(client, world):
    login(client, world.teacher)
    assert client.get(assign_url(world.s9a1[0])).status_code == 403
    assert client.post(assign_url(world.s9a1[0]), form_data()).status_code == 403
    assert not Mentorship.objects.exists()


def test_the_gvcn_takes_on_a_student_of_their_class(client, world):
    login(client, world.gvcn)
    assert client.post(assign_url(world.s9a1[2]), form_data()).status_code == 302
    assert Mentorship.objects.get().teacher == world.gvcn


@pytest.mark.parametrize("role", ["clerk", "youth", "group_head"])
def test_roles_without_classes_cannot_assign_mentors(client, world, role):
    login(client, getattr(world, role))
    assert client.get(assign_url(world.s9a1[0])).status_code == 403
    response = client.post(assign_url(world.s9a1[0]), form_data(teacher=world.teacher.pk))
    assert response.status_code == 403
    assert client.get(assign_url()).status_code == 403
    assert not Mentorship.objects.exists()


def test_outsiders_and_garbage_student_ids_are_404(client, world):
    login(client, world.principal_b)
    assert client.get(assign_url(world.s9a1[0])).status_code == 404
    assert client.post(assign_url(world.s9a1[0]), form_data()).status_code == 404
    login(client, world.principal)
    for raw in ("abc", "99999999", "-1", "1e3"):
        assert client.get(f"{reverse('mentor_assign')}?student={raw}").status_code == 404
    assert client.get(assign_url(world.s9b1[0])).status_code == 404
    assert (
        client.post(assign_url(world.s9b1[0]), form_data(teacher=world.teacher.pk)).status_code
        == 404
    )
    login(client, world.office)
    assert client.get(assign_url(world.s9a1[0])).status_code == 403
    assert not Mentorship.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start_date": "19/11/2026"}, "start_date"),
        ({"start_date": "31/02/2026"}, "start_date"),
        ({"start_date": "hôm qua"}, "start_date"),
        ({"reason": "bored"}, "reason"),
        ({"teacher": "abc"}, "teacher"),
        ({"teacher": "999999"}, "teacher"),
    ],
)
def test_bad_input_keeps_what_was_typed(client, world, data, field):
    login(client, world.principal)
    payload = form_data(teacher=world.teacher.pk, goals="Mục tiêu riêng")
    payload.update(data)
    response = client.post(assign_url(world.s9a1[0]), payload)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "Mục tiêu riêng" in response.content.decode()
    assert not Mentorship.objects.exists()


def test_a_tampered_teacher_of_school_b_is_a_field_error(client, world):
    login(client, world.principal)
    response = client.post(assign_url(world.s9a1[0]), form_data(teacher=world.principal_b.pk))
    assert "teacher" in response.context["form"].errors
    assert not Mentorship.objects.exists()


def test_without_a_student_the_form_asks_for_one_among_the_users_students(client, world):
    login(client, world.teacher)
    response = client.get(assign_url())
    assert response.status_code == 200
    choices = dict(response.context["form"].fields["student"].choices)
    assert "8A1" in choices and "9A1" not in choices
    response = client.post(assign_url(), form_data(student=world.s8a1[0].pk))
    assert response.status_code == 302
    assert Mentorship.objects.get().student == world.s8a1[0]
    response = client.post(assign_url(), form_data(student=world.s9a1[0].pk))
    assert "student" in response.context["form"].errors
    login(client, world.principal)
    choices = dict(client.get(assign_url()).context["form"].fields["student"].choices)
    assert {"8A1", "9A1", "9A2"} <= set(choices)


# --- one mentorship -------------------------------------------------------------------------------


def test_the_mentor_opens_their_mentee_and_the_opening_is_logged(client, world):
    m = make_mentorship(world.teacher, world.s8a1[0])
    contact(m, date=datetime.date(2026, 11, 10), content="Em hứa đi học đều")
    f.GuardianFactory(
        student=world.s8a1[0], full_name="Hà Văn Bố", phone="0912 345 678", is_primary=True
    )
    login(client, world.teacher)
    response = client.get(detail_url(m))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Hà Thị", "8A1", "Hà Văn Bố", "tel:0912345678", "Em hứa đi học đều", "10/11/2026"):
        assert text in page
    assert 'id="contact-form"' in page and end_url(m) in page
    log = RecordAccess.objects.get()
    assert (log.user, log.kind, log.object_id, log.student_id_ref) == (
        world.teacher,
        RecordAccess.Kind.MENTEE,
        m.pk,
        world.s8a1[0].pk,
    )


def test_the_page_shows_the_gvcn_weak_subjects_and_the_case_when_readable(client, world):
    from schools.models import Subject
    from tutoring.models import WeakRecord

    m = make_mentorship(world.teacher, world.s9a1[0])
    WeakRecord.objects.create(
        school=world.school_a,
        school_year=world.year_a,
        student=world.s9a1[0],
        subject=Subject.objects.get(code="TOAN"),
        origin=WeakRecord.Origin.RESULTS,
        term=1,
        score="4.0",
        gap="1.0",
        identified_on=world.year_a.start_date,
    )
    case = make_case(world.s9a1[0], world.gvcn)
    login(client, world.teacher)
    d = client.get(detail_url(m)).context["d"]
    assert d.gvcn == world.gvcn and d.classroom == world.c9a1
    assert d.weak == [Subject.objects.get(code="TOAN").name]
    assert d.case == case  # the mentor reads the case of their mentee


def test_a_mentor_sees_only_their_mentees(client, world):
    theirs = make_mentorship(world.gvcn, world.s9a2[0])
    login(client, world.teacher)
    assert client.get(detail_url(theirs)).status_code == 404
    assert (
        client.post(
            detail_url(theirs), {"date": "18/11/2026", "method": "talk", "content": "x"}
        ).status_code
        == 404
    )
    assert client.post(end_url(theirs), {"date": "18/11/2026", "reason": "x"}).status_code == 404
    assert not MentorContact.objects.exists()
    assert Mentorship.objects.get().is_active


def test_the_gvcn_of_the_class_may_not_open_another_teachers_mentorship(client, world):
    m = make_mentorship(world.teacher, world.s9a1[0])
    login(client, world.gvcn)
    assert client.get(detail_url(m)).status_code == 403
    payload = {"date": "18/11/2026", "method": "talk", "content": "x"}
    assert client.post(detail_url(m), payload).status_code == 403
    assert client.post(end_url(m), {"date": "18/11/2026", "reason": "x"}).status_code == 403
    assert not MentorContact.objects.exists() and Mentorship.objects.get().is_active
    assert not RecordAccess.objects.exists()


@pytest.mark.parametrize("role", ["principal", "vp"])
def test_leaders_open_any_mentorship_and_log_contacts(client, world, role):
    m = make_mentorship(world.teacher, world.s9a1[0])
    login(client, getattr(world, role))
    assert client.get(detail_url(m)).status_code == 200
    payload = {"date": "17/11/2026", "method": "phone", "content": "Gọi cho mẹ em"}
    assert client.post(detail_url(m), payload).status_code == 302
    assert MentorContact.objects.get().recorded_by == getattr(world, role)


def test_outsiders_get_404_and_nothing_changes(client, world):
    m = make_mentorship(world.teacher, world.s9a1[0])
    for user in (world.principal_b, world.office, world.clerk, world.youth):
        login(client, user)
        assert client.get(detail_url(m)).status_code == 404
        assert (
            client.post(
                detail_url(m), {"date": "18/11/2026", "method": "talk", "content": "x"}
            ).status_code
            == 404
        )
        assert client.post(end_url(m), {"date": "18/11/2026", "reason": "x"}).status_code == 404
    assert not MentorContact.objects.exists() and Mentorship.objects.get().is_active


def test_the_mentor_logs_a_contact(client, world):
    m = make_mentorship(world.teacher, world.s8a1[0])
    login(client, world.teacher)
    payload = {"date": "17/11/2026", "method": "visit", "content": "Thăm nhà em"}
    response = client.post(detail_url(m), payload)
    assert response.status_code == 302 and response["Location"] == detail_url(m)
    c = MentorContact.objects.get()
    assert (c.date, c.method, c.content, c.recorded_by) == (
        datetime.date(2026, 11, 17),
        "visit",
        "Thăm nhà em",
        world.teacher,
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"date": "19/11/2026", "method": "talk", "content": "Ngày mai"}, "date"),
        ({"date": "01/09/2026", "method": "talk", "content": "Trước khi nhận"}, "date"),
        ({"date": "xx", "method": "talk", "content": "Ngày sai"}, "date"),
        ({"date": "18/11/2026", "method": "fax", "content": "Cách lạ"}, "method"),
        ({"date": "18/11/2026", "method": "talk", "content": "   "}, "content"),
    ],
)
def test_a_bad_contact_is_refused_and_kept_in_the_form(client, world, payload, field):
    m = make_mentorship(world.teacher, world.s8a1[0])
    login(client, world.teacher)
    response = client.post(detail_url(m), payload)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    if payload["content"].strip():
        assert payload["content"] in response.content.decode()
    assert not MentorContact.objects.exists()


# --- ending ---------------------------------------------------------------------------------------


def test_the_mentor_ends_the_mentorship(client, world):
    m = make_mentorship(world.teacher, world.s8a1[0])
    login(client, world.teacher)
    assert client.get(end_url(m)).status_code == 200
    response = client.post(end_url(m), {"date": "18/11/2026", "reason": "Em đã tiến bộ"})
    assert response.status_code == 302 and response["Location"] == reverse("mentor_list")
    m.refresh_from_db()
    assert (m.end_date, m.end_reason) == (TODAY, "Em đã tiến bộ")
    page = client.get(detail_url(m)).content.decode()
    assert 'id="contact-form"' not in page and end_url(m) not in page
    assert client.post(end_url(m), {"date": "18/11/2026", "reason": "lại"}).status_code == 302
    m.refresh_from_db()
    assert m.end_reason == "Em đã tiến bộ"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"date": "19/11/2026", "reason": "x"}, "date"),
        ({"date": "01/09/2026", "reason": "x"}, "date"),
        ({"date": "18/11/2026", "reason": ""}, "reason"),
    ],
)
def test_ending_with_bad_input_changes_nothing(client, world, payload, field):
    m = make_mentorship(world.teacher, world.s8a1[0], start_date=datetime.date(2026, 10, 1))
    login(client, world.teacher)
    response = client.post(end_url(m), payload)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    m.refresh_from_db()
    assert m.is_active


# --- panels ---------------------------------------------------------------------------------------


def student_page(client, student):
    return client.get(reverse("student_detail", args=[student.pk])).content.decode()


def test_the_student_page_offers_a_teacher_to_take_on_a_student_of_their_class(client, world):
    login(client, world.teacher)
    page = student_page(client, world.s8a1[0])
    assert 'id="mentor-panel"' in page and assign_url(world.s8a1[0]) in page
    make_mentorship(world.teacher, world.s9a1[0])
    make_mentorship(world.teacher, world.s9a1[1])
    page = student_page(client, world.s8a1[0])
    assert 'id="mentor-panel"' in page and assign_url(world.s8a1[0]) not in page  # full


def test_the_student_page_shows_the_mentor_and_leaders_may_assign(client, world):
    login(client, world.principal)
    assert assign_url(world.s9a1[0]) in student_page(client, world.s9a1[0])
    m = make_mentorship(world.gvcn, world.s9a1[0])
    page = student_page(client, world.s9a1[0])
    assert "Phạm Thị Chủ" in page and detail_url(m) in page
    assert assign_url(world.s9a1[0]) not in page


def test_the_gvcn_sees_the_mentor_of_their_student_without_a_link(client, world):
    m = make_mentorship(world.teacher, world.s9a1[0])
    login(client, world.gvcn)
    page = student_page(client, world.s9a1[0])
    panel = page[page.index('id="mentor-panel"') :]
    assert "Đỗ Văn Toán" in panel and detail_url(m) not in panel


def test_the_youth_union_sees_no_mentor_panel(client, world):
    make_mentorship(world.teacher, world.s9a1[0])
    login(client, world.youth)
    page = student_page(client, world.s9a1[0])
    assert 'id="mentor-panel"' not in page


def test_a_teachers_home_lists_their_mentees_with_the_last_contact(client, world):
    m = make_mentorship(world.teacher, world.s8a1[0])
    contact(m, date=datetime.date(2026, 11, 8))
    login(client, world.teacher)
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert 'id="mentors-home"' in page and detail_url(m) in page and "08/11/2026" in page
    login(client, world.clerk)
    assert 'id="mentors-home"' not in client.get(reverse("home")).content.decode()


def test_the_leaders_home_counts_teachers_without_a_mentee(client, world):
    make_mentorship(world.teacher, world.s8a1[0])
    make_mentorship(world.gvcn, world.s9a1[0])
    login(client, world.principal)
    response = client.get(reverse("home"))
    panel = next(
        p.context["data"]
        for p in response.context["panels"]
        if p.template == "retention/mentors/home_panel.html"
    )
    # 7 School A staff with a role this year, 2 of them mentor.
    assert (panel.leader, panel.teachers, panel.without, panel.mentees) == (True, 7, 5, 2)
    page = response.content.decode()
    assert 'id="mentors-home"' in page and f"{reverse('mentor_list')}?teachers=none" in page
