"""Families: contacts about learning, the student page's panel, and the progress letter (PDF)."""

import subprocess

import pytest
from django.urls import reverse

from retention.models import AbsenceAlert, FamilyContact
from schools.models import SchoolSettings
from schools.scoping import scope_for
from tutoring import selectors_family as sel
from tutoring.models import (
    Counselling,
    Membership,
    ScheduleSlot,
    SessionAttendance,
    Term,
    TermResult,
    TutoringGroup,
    TutoringSession,
)

from ..conftest import login
from .conftest import full_results, put_results
from .test_plans_helpers import (  # noqa: F401 - the fixture today
    d,
    math_teacher,
    pair,
    pdf_fonts,
    pdf_text,
    subject,
    today_fixture,
)

pytestmark = pytest.mark.django_db


def contact_data(**overrides):
    data = {
        "date": "20/11/2026",
        "method": "phone",
        "contact_person": "Nguyễn Văn Bố (bố)",
        "content": "Báo kết quả kiểm tra Toán, mời em đi học phụ đạo thứ Ba.",
    }
    data.update(overrides)
    return data


# --- contacts about learning --------------------------------------------------------------------


def test_the_gvcn_records_a_contact_about_learning(client, world, today):
    anh = world.s9a1[0]
    alert = AbsenceAlert.objects.create(
        student=anh,
        school_year=world.year_a,
        classroom=world.c9a1,
        kind=AbsenceAlert.Kind.CONSECUTIVE,
        reason="Nghỉ 4 ngày",
        first_day=d(9, 11),
        last_day=d(12, 11),
        opened_on=d(12, 11),
    )
    login(client, world.gvcn)
    url = reverse("learning_contact_create", args=[anh.pk])
    response = client.get(url)
    assert response.context["form"].initial["contact_person"] == "Nguyễn Văn Bố (Bố)" or (
        response.context["form"].initial["contact_person"].startswith("Nguyễn Văn Bố (")
    )
    response = client.post(url, contact_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("student_detail", args=[anh.pk])
    contact = FamilyContact.objects.get()
    assert (contact.topic, contact.method, contact.recorded_by, contact.date) == (
        "learning",
        "phone",
        world.gvcn,
        d(20, 11),
    )
    alert.refresh_from_db()
    assert alert.acknowledged_at is None  # a talk about learning answers no absence alert
    client.post(url, contact_data())  # a double submit
    assert FamilyContact.objects.count() == 1
    page = client.get(reverse("student_detail", args=[anh.pk])).content.decode()
    assert "Báo kết quả kiểm tra Toán" in page and 'id="learning-contacts"' in page


def test_a_contact_in_the_future_is_refused_and_kept(client, world, today):
    login(client, world.gvcn)
    url = reverse("learning_contact_create", args=[world.s9a1[0].pk])
    response = client.post(url, contact_data(date="30/11/2026"))
    assert response.status_code == 200 and "date" in response.context["form"].errors
    assert "Báo kết quả kiểm tra Toán" in response.content.decode()
    response = client.post(url, contact_data(date="01/08/2026", method="letter"))
    assert set(response.context["form"].errors) == {"method"}
    response = client.post(url, contact_data(date="01/08/2026"))
    assert "date" in response.context["form"].errors  # before the school year
    assert FamilyContact.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("gvcn", 200),
        ("principal", 200),
        ("vp", 200),
        ("teacher", 404),
        ("clerk", 403),
        ("youth", 403),
        ("group_head", 404),
    ],
)
def test_who_talks_to_the_family_and_prints_the_letter(client, world, today, role, status):
    put_results(world.s9a1[0], world.c9a1, Term.HK1, {"TOAN": "4,5"})
    login(client, getattr(world, role))
    for name in ("learning_contact_create", "progress_letter"):
        assert client.get(reverse(name, args=[world.s9a1[0].pk])).status_code == status, name


def test_a_subject_teacher_of_the_class_reads_but_does_not_write(client, world, today):
    colleague = math_teacher(world, classroom=world.c9a1, username="toan9a1")
    login(client, colleague)
    assert (
        client.get(reverse("learning_contact_create", args=[world.s9a1[0].pk])).status_code == 403
    )
    assert (
        client.post(reverse("progress_letter", args=[world.s9a1[0].pk]), {"term": 1}).status_code
        == 403
    )


def test_another_schools_student_is_404_and_unchanged(client, world, today):
    login(client, world.principal)
    for name in ("learning_contact_create", "progress_letter", "counselling_create"):
        url = reverse(name, args=[world.s9b1[0].pk])
        assert client.get(url).status_code == 404
        assert client.post(url, contact_data(term="1")).status_code == 404
    assert FamilyContact.objects.count() == 0


# --- the student page's panel ------------------------------------------------------------------


def test_the_panel_shows_contacts_counselling_and_pairs_to_who_may_see_them(client, world, today):
    anh, anh2, _an = world.s9a1
    FamilyContact.objects.create(
        student=anh,
        date=d(20, 11),
        method="meeting",
        topic="learning",
        contact_person="Bà Lan",
        content="Họp phụ huynh về kết quả Toán",
        recorded_by=world.gvcn,
    )
    FamilyContact.objects.create(
        student=anh,
        date=d(19, 11),
        method="phone",
        topic="attendance",
        contact_person="Bà Lan",
        content="Hỏi lý do nghỉ",
        recorded_by=world.gvcn,
    )
    Counselling.objects.create(
        student=anh,
        school_year=world.year_a,
        date=d(10, 11),
        counsellor=world.gvcn,
        choice="vocational",
    )
    pair(world, anh2, anh, note="Ngồi cạnh nhau")
    login(client, world.gvcn)
    data = client.get(reverse("student_detail", args=[anh.pk])).context["panels"]
    support = next(
        p.context["data"] for p in data if p.template == "tutoring/family/student_panel.html"
    )
    assert [c.content for c in support.contacts] == ["Họp phụ huynh về kết quả Toán"]
    assert [c.choice for c in support.counselling] == ["vocational"]
    assert [p.helper for p in support.pairs] == [anh2]
    assert support.can_follow and support.can_pair and support.grade9
    # A subject teacher of 9A1 sees the pairs only; the clerk sees no panel.
    colleague = math_teacher(world, classroom=world.c9a1, username="toan9a1")
    login(client, colleague)
    response = client.get(reverse("student_detail", args=[anh.pk]))
    support = next(
        p.context["data"]
        for p in response.context["panels"]
        if p.template == "tutoring/family/student_panel.html"
    )
    assert (support.contacts, support.counselling, len(support.pairs)) == ([], [], 1)
    assert 'id="learning-contacts"' not in response.content.decode()
    login(client, world.clerk)
    response = client.get(reverse("student_detail", args=[anh.pk]))
    assert 'id="learning-support-panel"' not in response.content.decode()


def test_the_panel_costs_the_same_with_many_records(world, today, django_assert_max_num_queries):
    anh, anh2, an = world.s9a1

    def grow(n):
        for i in range(n):
            FamilyContact.objects.create(
                student=anh,
                date=d(20, 11),
                method="phone",
                topic="learning",
                contact_person="Bố",
                content=f"Lần {i}",
                recorded_by=world.gvcn,
            )
            Counselling.objects.create(
                student=anh,
                school_year=world.year_a,
                date=d(10, 11),
                counsellor=world.gvcn,
                choice="undecided",
            )

    grow(1)
    pair(world, anh2, anh)
    scope_for(world.gvcn)  # the request's scope is built once, before any panel
    # the student's class now, learning contacts, counselling, pairs: 4.
    with django_assert_max_num_queries(4) as few:
        sel.student_support(world.gvcn, anh)
    grow(12)
    pair(world, an, anh, code="NV")
    with django_assert_max_num_queries(4) as many:
        support = sel.student_support(world.gvcn, anh)
    assert len(support.contacts) == 10 and len(support.pairs) == 2
    assert len(few.captured_queries) == len(many.captured_queries)


# --- the progress letter -------------------------------------------------------------------------


@pytest.fixture
def tutored(world, today):
    """Ánh: weak in Toán in HK1 (4,5), better in HK2 (6,0); in a Toán group with 3 sessions,
    present at 2; helped by Anh in Toán."""
    world.school_a.commune = "Xã Long Phú"
    world.school_a.save()
    anh, anh2, _an = world.s9a1
    put_results(
        anh, world.c9a1, Term.HK1, full_results(scores={"TOAN": "4,5"}, comments={"GDTC": "CD"})
    )
    put_results(anh, world.c9a1, Term.HK2, full_results(scores={"TOAN": "6,0", "NV": "6,5"}))
    TermResult.objects.create(
        student=anh,
        school_year=world.year_a,
        classroom=world.c9a1,
        term=Term.HK1,
        level="chua_dat",
        is_weak=True,
    )
    TermResult.objects.create(
        student=anh, school_year=world.year_a, classroom=world.c9a1, term=Term.HK2, level="dat"
    )
    group = TutoringGroup.objects.create(
        school=world.school_a,
        school_year=world.year_a,
        subject=subject("TOAN"),
        grade=9,
        name="Phụ đạo Toán 9 – nhóm 1",
        start_date=d(1, 10),
        end_date=d(15, 5, 2027),
    )
    group.tutors.add(world.gvcn)
    ScheduleSlot.objects.create(group=group, weekday=1, first_period=1, periods=2)
    Membership.objects.create(
        group=group,
        student=anh,
        reason="weak",
        registered_on=d(1, 10),
        consent_on=d(1, 10),
        consent_by="Nguyễn Văn Bố",
        joined_on=d(1, 10),
        added_by=world.principal,
    )
    for day, present in ((3, True), (10, False), (17, True)):
        session = TutoringSession.objects.create(
            group=group, date=d(day, 11), content="Phân số", taught_by=world.gvcn
        )
        SessionAttendance.objects.create(session=session, student=anh, present=present)
    pair(world, anh2, anh, note="Kèm Toán")
    return anh


def test_the_letter_page_offers_the_terms_with_results(client, world, tutored):
    login(client, world.gvcn)
    response = client.get(reverse("progress_letter", args=[tutored.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert [value for value, _label in form.fields["term"].choices] == [Term.HK1, Term.HK2]
    assert form.initial["term"] == Term.HK2
    letter = response.context["letter"]
    assert letter.addressee == "Ông Nguyễn Văn Bố"
    assert (letter.term_label, letter.before_label) == ("Học kì II", "Học kì I")
    assert (letter.term_phrase, letter.has_before) == ("học kì II", True)


def test_the_letter_pdf_tells_results_tutoring_and_the_comment(client, world, tutored, tmp_path):
    login(client, world.gvcn)
    response = client.post(
        reverse("progress_letter", args=[tutored.pk]),
        {"term": Term.HK2, "comment": "Em đã cố gắng nhiều, cần giữ nếp học ở nhà."},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "letter.pdf"
    path.write_bytes(response.content)
    text = pdf_text(path)
    for expected in (
        "TRƯỜNG THCS A",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Long Phú, ngày 23 tháng 11 năm 2026",
        "THƯ THÔNG BÁO KẾT QUẢ HỌC TẬP VÀ PHỤ ĐẠO",
        "Học kì II, năm học 2026-2027",
        "Kính gửi: Ông Nguyễn Văn Bố, phụ huynh em Nguyễn Thị Ánh, lớp 9A1",
        "4,5 (*)",  # HK1 Toán, weak
        "6,0",
        "6,5",
        "Chưa đạt (*)",  # GDTC in HK1
        "Đã tiến bộ",
        "Kết quả học tập học kì II: Đạt (học kì I: Chưa đạt)",
        "Phụ đạo Toán 9 – nhóm 1",
        "2/3",  # present at 2 of 3 sessions
        "không thu tiền của học sinh",
        "Được bạn Lê Văn Anh giúp đỡ môn Toán",
        "Em đã cố gắng nhiều, cần giữ nếp học ở nhà.",
        "PHỤ HUYNH HỌC SINH",
        "GIÁO VIÊN CHỦ NHIỆM",
        "Phạm Thị Chủ",
    ):
        assert expected in text, expected
    for columns in pdf_fonts(path):
        assert columns[-5] == "yes", columns  # every font embedded
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "l")],
        check=True,
    )
    assert list(tmp_path.glob("l-*.png"))
    # The comment was printed, not kept; nothing was written.
    assert FamilyContact.objects.count() == 0


def test_the_first_term_compares_with_last_year(world, tutored):
    from tests import factories as f

    last = f.SchoolYearFactory(
        school=world.school_a,
        start_year=2025,
        start_date=d(5, 9, 2025),
        semester1_end=d(16, 1, 2026),
        semester2_start=d(18, 1, 2026),
        end_date=d(29, 5, 2026),
        enrollment_snapshot_date=d(5, 9, 2025),
        is_current=False,
    )
    c8 = f.ClassroomFactory(school_year=last, name="8A1-cũ", grade=8)
    put_results(tutored, c8, Term.YEAR, {"TOAN": "3,8"})
    letter = sel.progress_letter(
        student=tutored,
        year=world.year_a,
        classroom=world.c9a1,
        term=Term.HK1,
        comment="",
        on=d(23, 11),
    )
    assert letter.before_label == "Cả năm 2025-2026"
    toan = next(line for line in letter.results if line.subject == "Toán")
    assert (toan.before, toan.before_weak, toan.now, toan.now_weak) == ("3,8", True, "4,5", True)
    assert letter.weak_now == 2  # Toán and GDTC


def test_the_letter_costs_the_same_with_many_sessions(world, tutored, django_assert_num_queries):
    def build():
        return sel.progress_letter(
            student=tutored,
            year=world.year_a,
            classroom=world.c9a1,
            term=Term.HK2,
            comment="",
            on=d(23, 11),
        )

    SchoolSettings.for_school(world.school_a)  # created once, on the school's first page
    build()  # warm up: the student's school
    # settings, results, learning results, guardian, memberships, tutors, attendance, pairs,
    # the GVCN: 9, whatever the number of sessions, groups or subjects.
    with django_assert_num_queries(9) as few:
        build()
    group = TutoringGroup.objects.get()
    for day in range(18, 23):
        session = TutoringSession.objects.create(
            group=group, date=d(day, 11), content="Ôn tập", taught_by=world.gvcn
        )
        SessionAttendance.objects.create(session=session, student=tutored, present=True)
    with django_assert_num_queries(9):
        letter = build()
    assert (letter.groups[0].present, letter.groups[0].total) == (7, 8)
    assert len(few.captured_queries) == 9


def test_a_student_without_results_gets_no_letter(client, world, today):
    login(client, world.gvcn)
    response = client.get(reverse("progress_letter", args=[world.s9a1[1].pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("student_detail", args=[world.s9a1[1].pk])


def test_a_letter_for_a_term_without_results_is_refused_with_the_form(client, world, tutored):
    login(client, world.gvcn)
    url = reverse("progress_letter", args=[tutored.pk])
    for term in ("3", "abc", ""):
        response = client.post(url, {"term": term, "comment": "Giữ nguyên nhận xét"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert "term" in response.context["form"].errors
        assert "Giữ nguyên nhận xét" in response.content.decode()
