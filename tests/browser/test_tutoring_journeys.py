"""Issue 5 journeys in headless Chromium: import a class's results and see the weak list; a tổ
trưởng creates a group from weak students; a tutor logs a session on a 390 px phone; the
principal sees progress. "Today" is pinned to Monday 23/11/2026 (semester I of the world's
2026-2027) in the live server, which runs in the test's process.
"""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from lib.xlsx import workbook_bytes
from schools.models import Subject
from tutoring import samples
from tutoring.models import (
    GroupKind,
    Membership,
    ResultImport,
    SessionAttendance,
    SubjectResult,
    Term,
    TutoringGroup,
    TutoringSession,
    WeakRecord,
)
from tutoring.services_groups import NewMember, Slot, create_group
from tutoring.services_results import StudentValues, record_results
from tutoring.services_weak import sync_from_results

from ..tutoring.conftest import full_results, put_results
from .conftest import SCREENSHOTS, ui_login

TODAY = datetime.date(2026, 11, 23)  # a Monday
PHONE_WIDTH = 390


def d(day: int, month: int, year: int) -> datetime.date:
    return datetime.date(year, month, day)


@pytest.fixture(autouse=True)
def _today_and_subjects(monkeypatch, world):
    """Pin today, and put back the subjects the migration seeds: the live server's
    transactional tests flush every table after each test, the seeded subjects too."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    seed = importlib.import_module("schools.migrations.0002_seed_subjects")
    seed.forward(apps, None)


def subject(code: str) -> Subject:
    return Subject.objects.get(code=code)


def url(live_server, name: str, *args, query: str = "") -> str:
    path = reverse(name, args=args)
    return f"{live_server.url}{path}{'?' + query if query else ''}"


def no_horizontal_scroll(page) -> int:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url}: {width} px wide on a {PHONE_WIDTH} px phone"
    return width


def record(classroom, term, values_by_student: dict, user) -> None:
    """Results of a class for a term through the results service (classified, weak register
    synced): ``{student: {"TOAN": "4,0", "GDTC": "D", ...}}``."""
    ids = {s.code: s.pk for s in Subject.objects.all()}
    rows = [
        StudentValues(student_id=student.pk, values={ids[c]: v for c, v in values.items()})
        for student, values in values_by_student.items()
    ]
    record_results(
        classroom=classroom, term=term, rows=rows, user=user, source="manual", replace=False
    )


# --- a) import a class's results, see the weak list -----------------------------------------

# Scores in samples.SCORED order: Toán, Ngữ văn, Tiếng Anh, GDCD, LS&ĐL, KHTN, Công nghệ, Tin học.
SCORES_9A1 = {
    "Lê Văn Anh": ("7,6", "6,8", "7,2", "8,5", "7,0", "7,4", "8,0", "8,3"),
    "Nguyễn Thị Ánh": ("4,2", "6,5", "5,8", "7,9", "6,6", "5,9", "7,5", "7,0"),
    "Đặng Thị Ân": ("3,8", "5,6", "5,2", "7,0", "6,1", "5,5", "6,9", "6,4"),
}


def gradebook_9a1(world) -> bytes:
    """9A1's semester I as SMAS exports it (samples.gradebook): two-row header, 8 scored
    subjects, 5 comment columns, KQHT and KQRL; two weak scores, both in Toán."""
    by_name = {s.full_name: s for s in world.s9a1}
    students = [
        samples.SampleStudent(
            code=by_name[name].code,
            full_name=name,
            date_of_birth=by_name[name].date_of_birth,
            scores=scores,
            comments=samples.D5,
            conduct="Tốt",
        )
        for name, scores in SCORES_9A1.items()
    ]
    header = [*samples.FIXED, *samples.SCORED, *samples.COMMENTED, *samples.RESULTS]
    first_scored = len(samples.FIXED)
    first_comment = first_scored + len(samples.SCORED)
    groups = [
        (samples.SCORE_GROUP, first_scored, first_comment - 1),
        (samples.COMMENT_GROUP, first_comment, first_comment + len(samples.COMMENTED) - 1),
    ]
    title = (
        "PHÒNG GD&ĐT A",
        "TRƯỜNG THCS A",
        "",
        "BẢNG ĐIỂM TỔNG HỢP HỌC KỲ I",
        "Năm học 2026 - 2027      Lớp: 9A1",
        "",
    )
    rows = [samples.student_row(n, s, numeric=n == 2) for n, s in enumerate(students, start=1)]
    book = samples.gradebook(rows, header=header, groups=groups, title=title, sheet="9A1")
    return workbook_bytes(book)


WEAK_CELLS = """() => Array.from(document.querySelectorAll('table.res-grid tbody td.is-weak'))
  .map((td) => {
    const row = td.closest('tr');
    const head = td.closest('table').tHead.rows[0].cells[td.cellIndex];
    const value = td.childNodes[0].textContent.trim();
    return [row.querySelector('.res-student').textContent.trim(), head.title, value];
  })"""


def test_principal_imports_9a1_results_and_sees_the_weak_list(
    live_server, world, desktop, phone, shot, tmp_path
):
    sample = tmp_path / "bang-diem-hk1-9A1.xlsx"
    sample.write_bytes(gradebook_9a1(world))
    ui_login(desktop, live_server, "principal")

    desktop.goto(url(live_server, "results_import"))
    desktop.select_option("#id_classroom", str(world.c9a1.pk))
    desktop.select_option("#id_term", str(Term.HK1))
    desktop.set_input_files("#id_file", str(sample))
    shot(desktop, "issue5-journey-a-upload")
    desktop.locator("#results-upload button[type=submit]").click()
    desktop.wait_for_load_state("networkidle")

    # The preview: three students matched, two weak cells, no error, nothing saved yet.
    expect(desktop.locator("#import-actions button[value=apply]")).to_be_visible()
    expect(desktop.locator("#import-errors")).to_have_count(0)
    expect(desktop.locator("#import-rows tbody tr")).to_have_count(3)
    expect(desktop.locator("#import-rows td.is-weak")).to_have_count(2)
    expect(desktop.locator("#import-rows")).to_contain_text("Đặng Thị Ân")
    assert SubjectResult.objects.count() == 0
    shot(desktop, "issue5-journey-a-preview")

    desktop.once("dialog", lambda dialog: dialog.accept())  # "Import these results now?"
    desktop.locator("#import-actions button[value=apply]").click()
    desktop.wait_for_load_state("networkidle")

    # Lands on the class's semester I grid, the two weak Toán cells highlighted.
    assert desktop.url.endswith(f"{reverse('results_class', args=[world.c9a1.pk])}?term=1")
    expect(desktop.locator(".alert-success")).to_be_visible()
    weak = {name: (head, value) for name, head, value in desktop.evaluate(WEAK_CELLS)}
    assert weak == {"Nguyễn Thị Ánh": ("Toán", "4,2"), "Đặng Thị Ân": ("Toán", "3,8")}
    shot(desktop, "issue5-journey-a-class-grid")

    done = ResultImport.objects.get()
    assert done.status == ResultImport.Status.APPLIED and done.applied_by == world.principal
    toan = subject("TOAN")
    scores = dict(
        SubjectResult.objects.filter(subject=toan, term=Term.HK1).values_list(
            "student__given_name", "score"
        )
    )
    assert scores == {"Anh": Decimal("7.6"), "Ánh": Decimal("4.2"), "Ân": Decimal("3.8")}
    assert SubjectResult.objects.filter(term=Term.HK1).count() == 3 * 12  # NT from 2 columns
    weak_ids = set(
        WeakRecord.objects.filter(subject=toan, term=Term.HK1).values_list("student_id", flat=True)
    )
    ánh, anh, ân = world.s9a1
    assert weak_ids == {ánh.pk, ân.pk}

    # The weak-student register lists the two students, weak in Toán; not the third.
    desktop.goto(url(live_server, "weak_list"))
    rows = desktop.locator("#weak-table tbody tr[data-student]")
    expect(rows).to_have_count(2)
    for student in (ánh, ân):
        row = desktop.locator(f'#weak-table tr[data-student="{student.pk}"]')
        expect(row).to_contain_text(student.given_name)
        expect(row).to_contain_text("Toán")
    expect(desktop.locator(f'#weak-table tr[data-student="{anh.pk}"]')).to_have_count(0)
    # Toán: 2 weak of the 3 students with results.
    rate = desktop.locator(f'#rates-subject tr[data-subject="{toan.pk}"] td')
    expect(rate).to_have_text(["Toán", "2", "3", "66,7 %"])
    shot(desktop, "issue5-journey-a-weak-list")

    # The same list on a phone, for the screenshot review.
    ui_login(phone, live_server, "principal")
    phone.goto(url(live_server, "results_class", world.c9a1.pk, query="term=1"))
    no_horizontal_scroll(phone)  # the grid scrolls inside its own box
    shot(phone, "issue5-journey-a-class-grid-390")
    phone.goto(url(live_server, "weak_list"))
    expect(phone.locator("#weak-table tbody tr[data-student]")).to_have_count(2)
    no_horizontal_scroll(phone)
    shot(phone, "issue5-journey-a-weak-list-390")


# --- b) a tổ trưởng creates a group from weak students ------------------------------------------


def test_group_head_creates_a_group_from_weak_students(live_server, world, desktop, shot):
    toan = subject("TOAN")
    world.group.subjects.add(toan)
    ánh, anh, ân = world.s9a1
    (bình,) = world.s9a2
    # The start-of-year survey: three weak in Toán (two classes), one not.
    for student, classroom, score in (
        (ánh, world.c9a1, "3,5"),
        (anh, world.c9a1, "7,0"),
        (ân, world.c9a1, "4,0"),
        (bình, world.c9a2, "4,5"),
    ):
        put_results(student, classroom, Term.SURVEY, {"TOAN": score})
    sync_from_results(world.year_a, [ánh.pk, anh.pk, ân.pk, bình.pk])
    weak = set(WeakRecord.objects.filter(subject=toan).values_list("student_id", flat=True))
    assert weak == {ánh.pk, ân.pk, bình.pk}

    ui_login(desktop, live_server, "group_head")
    desktop.goto(url(live_server, "group_create", query=f"subject={toan.pk}&grade=9"))
    candidates = desktop.locator("#candidate-table tbody tr[data-student]")
    expect(candidates).to_have_count(3)
    expect(desktop.locator(f'#candidate-table tr[data-student="{anh.pk}"]')).to_have_count(0)
    shot(desktop, "issue5-journey-b-candidates")

    for student in (ánh, ân, bình):
        desktop.check(f"#m-{student.pk}")
    desktop.fill("#id_registered_on", "16/11/2026")
    desktop.fill("#id_consent_on", "18/11/2026")
    desktop.select_option("#id_tutors", [str(world.group_head.pk), str(world.teacher.pk)])
    desktop.select_option("#id_slot-0-weekday", "5")  # Saturday
    desktop.select_option("#id_slot-0-session", "morning")
    desktop.fill("#id_slot-0-first_period", "3")
    desktop.fill("#id_slot-0-periods", "2")
    desktop.fill("#id_slot-0-room", "P.12")
    shot(desktop, "issue5-journey-b-filled")
    desktop.locator("#group-save").click()
    desktop.wait_for_load_state("networkidle")

    group = TutoringGroup.objects.get()
    assert desktop.url.endswith(reverse("group_detail", args=[group.pk]))
    assert (group.kind, group.subject, group.grade) == (GroupKind.REMEDIAL, toan, 9)
    assert (group.start_date, group.end_date) == (TODAY, world.year_a.semester1_end)
    assert set(group.tutors.all()) == {world.group_head, world.teacher}
    assert [
        (s.weekday, s.session, s.first_period, s.periods, s.room) for s in group.slots.all()
    ] == [(5, "morning", 3, 2, "P.12")]
    members = {
        (m.student_id, m.reason, m.registered_on, m.consent_on, m.consent_by, m.left_on)
        for m in Membership.objects.filter(group=group)
    }
    assert members == {
        (s.pk, "weak", d(16, 11, 2026), d(18, 11, 2026), "Nguyễn Văn Bố", None)
        for s in (ánh, ân, bình)
    }
    records = {r.student_id: r.pk for r in WeakRecord.objects.filter(subject=toan)}
    assert {m.student_id: m.weak_record_id for m in group.members.all()} == records

    expect(desktop.locator("#member-table tbody tr[data-member]")).to_have_count(3)
    expect(desktop.locator("#member-table")).to_contain_text("18/11/2026")
    expect(desktop.locator("#schedule")).to_contain_text("P.12")
    shot(desktop, "issue5-journey-b-group")


# --- c) a tutor logs a session on a phone ------------------------------------------------------


def test_tutor_logs_a_session_with_two_absences_on_a_phone(live_server, world, phone, shot):
    toan = subject("TOAN")
    ánh, anh, ân = world.s9a1
    (bình,) = world.s9a2
    group = create_group(
        school_year=world.year_a,
        kind=GroupKind.EXAM_REVIEW,
        subject=toan,
        grade=9,
        name="Ôn thi vào 10 – Toán 9",
        tutors=[world.teacher],
        start_date=d(9, 11, 2026),
        end_date=world.year_a.semester1_end,
        slots=[Slot(weekday=4, session="afternoon", first_period=1, periods=2, room="P.9")],
        user=world.principal,
        members=[
            NewMember(
                student=s,
                reason="exam_review",
                registered_on=d(2, 11, 2026),
                consent_on=d(3, 11, 2026),
                consent_by="Nguyễn Văn Bố",
            )
            for s in (ánh, ân, bình)
        ],
    )

    ui_login(phone, live_server, "teacher")
    phone.goto(url(live_server, "group_detail", group.pk))
    phone.locator("#sessions-due").click()
    phone.wait_for_load_state("networkidle")
    due = phone.locator("#due-list a")
    expect(due).to_have_count(2)  # Fridays 13/11 and 20/11, newest first
    expect(due.first).to_contain_text("20/11/2026")
    no_horizontal_scroll(phone)
    shot(phone, "issue5-journey-c-due-390")

    due.first.click()
    phone.wait_for_load_state("networkidle")
    expect(phone.locator("#id_date")).to_have_value("20/11/2026")
    expect(phone.locator("#attendance-list li[data-student]")).to_have_count(3)
    phone.fill("#id_content", "Ôn tập hệ phương trình bậc nhất hai ẩn; bài 1–5 trang 24.")
    for student, reason in ((ánh, "Ốm, mẹ xin phép"), (bình, "Đi khám răng")):
        phone.locator(f'label[for="a-{student.pk}-0"]').click()
        reason_box = phone.locator(f"#r-{student.pk}")
        expect(reason_box).to_be_visible()
        reason_box.fill(reason)
    expect(phone.locator(f"#r-{ân.pk}")).to_be_hidden()  # present: no reason box
    no_horizontal_scroll(phone)
    shot(phone, "issue5-journey-c-entry-390")
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect(phone.locator(f"#r-{bình.pk}")).to_be_in_viewport()
    phone.screenshot(path=str(SCREENSHOTS / "issue5-journey-c-entry-390-viewport.png"))
    phone.locator("#session-save").click()
    phone.wait_for_load_state("networkidle")

    session = TutoringSession.objects.get(group=group)
    assert (session.date, session.first_period, session.periods) == (d(20, 11, 2026), 1, 2)
    assert session.taught_by == world.teacher
    assert session.content.startswith("Ôn tập hệ phương trình")
    marks = {
        (a.student_id, a.present, a.reason)
        for a in SessionAttendance.objects.filter(session=session)
    }
    assert marks == {
        (ánh.pk, False, "Ốm, mẹ xin phép"),
        (bình.pk, False, "Đi khám răng"),
        (ân.pk, True, ""),
    }

    # Back on the list: the message, and only 13/11 is left to record.
    assert phone.url.endswith(reverse("group_sessions_due", args=[group.pk]))
    expect(phone.locator(".alert-success")).to_contain_text("20/11/2026")
    expect(phone.locator("#due-list a")).to_have_count(1)
    expect(phone.locator("#due-list a").first).to_contain_text("13/11/2026")
    no_horizontal_scroll(phone)
    shot(phone, "issue5-journey-c-saved-390")

    phone.locator("#recent-list a").first.click()
    phone.wait_for_load_state("networkidle")
    no_horizontal_scroll(phone)
    shot(phone, "issue5-journey-c-session-390")


# --- d) the principal sees progress ----------------------------------------------------------


def test_principal_sees_progress_and_drills_down_to_the_students(
    live_server, world, desktop, phone, shot
):
    toan = subject("TOAN")
    ánh, anh, ân = world.s9a1
    # Semester I: Ánh and Ân weak in Toán (the register proposes them).
    record(
        world.c9a1,
        Term.HK1,
        {
            ánh: full_results({"TOAN": "4,0"}),
            anh: full_results({"TOAN": "7,5"}),
            ân: full_results({"TOAN": "3,5"}),
        },
        world.principal,
    )
    assert set(
        WeakRecord.objects.filter(subject=toan, term=Term.HK1).values_list("student_id", flat=True)
    ) == {ánh.pk, ân.pk}
    # A remedial group for semester II, registered now.
    group = create_group(
        school_year=world.year_a,
        kind=GroupKind.REMEDIAL,
        subject=toan,
        grade=9,
        name="Phụ đạo Toán 9 – HK II",
        tutors=[world.teacher],
        start_date=world.year_a.semester2_start,
        end_date=world.year_a.end_date,
        slots=[Slot(weekday=5, session="morning", first_period=1, periods=2)],
        user=world.principal,
        members=[
            NewMember(
                student=s,
                reason="weak",
                registered_on=d(20, 11, 2026),
                consent_on=d(21, 11, 2026),
                consent_by="Nguyễn Văn Bố",
            )
            for s in (ánh, ân)
        ],
    )
    # Semester II: Ánh above the line, Ân still weak.
    record(
        world.c9a1,
        Term.HK2,
        {
            ánh: full_results({"TOAN": "6,5"}),
            anh: full_results({"TOAN": "7,8"}),
            ân: full_results({"TOAN": "4,2"}),
        },
        world.principal,
    )

    ui_login(desktop, live_server, "principal")
    desktop.goto(url(live_server, "progress"))
    school = desktop.locator("#progress-school")
    expect(school).to_contain_text("50,0 %")
    by_group = desktop.locator(f'#by-group tr[data-key="{group.pk}"]')
    expect(by_group).to_contain_text("Phụ đạo Toán 9 – HK II")
    expect(by_group).to_contain_text("50,0 %")
    expect(desktop.locator(f'#by-subject tr[data-key="{toan.pk}"]')).to_contain_text("50,0 %")
    shot(desktop, "issue5-journey-d-progress")
    # The principal's menu (the longest) fits a 1280 px screen.
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 1280

    by_group.locator("a", has_text="Phụ đạo Toán 9 – HK II").click()
    desktop.wait_for_load_state("networkidle")
    rows = desktop.locator("#progress-students tbody tr[data-membership]")
    expect(rows).to_have_count(2)
    memberships = {m.student_id: m.pk for m in Membership.objects.filter(group=group)}
    ánh_row = desktop.locator(f'#progress-students tr[data-membership="{memberships[ánh.pk]}"]')
    ân_row = desktop.locator(f'#progress-students tr[data-membership="{memberships[ân.pk]}"]')
    expect(ánh_row).to_contain_text("4,0")
    expect(ánh_row).to_contain_text("6,5")
    expect(ánh_row.locator(".badge.text-bg-success")).to_have_count(1)
    expect(ân_row).to_contain_text("3,5")
    expect(ân_row).to_contain_text("4,2")
    expect(ân_row.locator(".badge.text-bg-warning")).to_have_count(1)
    shot(desktop, "issue5-journey-d-students")

    # Only the ones who progressed.
    desktop.goto(url(live_server, "progress"))
    by_group.locator("td").nth(3).locator("a").click()
    desktop.wait_for_load_state("networkidle")
    expect(desktop.locator("#progress-students tbody tr[data-membership]")).to_have_count(1)
    expect(desktop.locator("#progress-students")).to_contain_text(ánh.given_name)

    ui_login(phone, live_server, "principal")
    phone.goto(url(live_server, "progress"))
    expect(phone.locator("#progress-school")).to_contain_text("50,0 %")
    no_horizontal_scroll(phone)
    shot(phone, "issue5-journey-d-progress-390")
    phone.goto(url(live_server, "progress_students", query=f"group={group.pk}"))
    expect(phone.locator("#progress-students tbody tr[data-membership]")).to_have_count(2)
    no_horizontal_scroll(phone)
    shot(phone, "issue5-journey-d-students-390")
