"""Roster import: upload, check every row, apply all or nothing; who may do it."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from schools.models import Classroom, Role
from schools.services import role_assign
from students.models import Enrollment, Guardian, RosterImport, Student
from students.services import enrollment_record_movement
from students.services_import import (
    MSG_HAS_ERRORS,
    MSG_NO_CLASSES,
    MSG_NO_YEAR,
    MSG_NOT_PENDING,
    roster_import_apply,
    roster_import_create,
    roster_import_discard,
    roster_import_plan,
)

from .. import factories as f
from ..conftest import login


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests pin the exact wording by msgid; Vietnamese users get the catalogue's words
    (tests/test_translations.py checks that every msgid has one)."""
    with translation.override("en"):
        yield


HEADER = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Họ tên cha", "SĐT"]
OPENING = datetime.date(2026, 9, 5)


def xlsx(rows, title="DS", header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def new_row(n, code, name, classroom="9A2", birth="01/02/2012", gender="Nam"):
    return [n, code, name, birth, gender, classroom, f"Cha Của {n}", f"09123456{n:02d}"]


def upload(world, rows, *, user=None, classroom=None, start=OPENING, title="DS", header=HEADER):
    return roster_import_create(
        school_year=world.year_a,
        user=user or world.clerk,
        file_name="danh-sach.xlsx",
        content=xlsx(rows, title=title, header=header),
        classroom=classroom,
        start_date=start,
    )


def errors_of(plan):
    return {row.number: row.errors for row in plan.rows if row.errors}


# --- Applying ------------------------------------------------------------------------------------
def test_clerk_imports_new_students_into_their_classes(world):
    imported = upload(
        world,
        [new_row(1, "HS9001", "NGUYỄN VĂN MỚI"), new_row(2, "HS9002", "Lê Thị Hai", "8A1")],
    )
    done = roster_import_apply(roster_import=imported, user=world.clerk)

    assert (done.status, done.created_count, done.enrolled_count) == ("applied", 2, 2)
    new = Student.objects.get(school=world.school_a, code="HS9001")
    assert (new.family_name, new.given_name, new.gender) == ("Nguyễn Văn", "Mới", "M")
    assert new.ethnicity == "Kinh"
    span = new.enrollments.get()
    assert (span.classroom, span.start_date, span.start_kind) == (world.c9a2, OPENING, "start")
    guardian = new.guardians.get()
    assert (guardian.full_name, guardian.relation, guardian.phone, guardian.is_primary) == (
        "Cha Của 1",
        "father",
        "0912345601",
        True,
    )
    assert Student.objects.get(code="HS9002").enrollments.get().classroom == world.c8a1
    # The history says who imported and from which file.
    record = new.history.get()
    assert record.history_user == world.clerk
    assert f"#{imported.pk}" in record.history_change_reason
    assert span.history.get().history_user == world.clerk
    # The rows are not kept once they are in the students' records.
    done.refresh_from_db()
    assert done.data == {}


def test_import_rejects_whole_file_when_one_row_is_bad(world):
    imported = upload(
        world,
        [
            new_row(1, "HS9001", "Nguyễn Văn Một"),
            new_row(2, "HS9002", "Nguyễn Văn Hai", birth="31/02/2012"),
            new_row(3, "HS9003", "Nguyễn Văn Ba"),
        ],
    )
    plan = roster_import_plan(imported)
    assert list(errors_of(plan)) == [3]  # spreadsheet row 3: the header is row 1

    with pytest.raises(ValidationError) as excinfo:
        roster_import_apply(roster_import=imported, user=world.clerk)
    assert excinfo.value.messages == [str(MSG_HAS_ERRORS % {"count": 1})]
    assert not Student.objects.filter(code__in=["HS9001", "HS9003"]).exists()
    imported.refresh_from_db()
    assert imported.status == RosterImport.Status.PENDING


def test_an_existing_student_is_updated_not_duplicated_and_empty_cells_erase_nothing(world):
    student = world.s9a1[0]
    Student.objects.filter(pk=student.pk).update(address="12 Lê Lợi", ethnicity="Tày")
    imported = upload(
        world,
        [[1, student.code, "Nguyễn Thị Ánh Hồng", "04/03/2012", "Nữ", "9A1", "", ""]],
    )
    plan = roster_import_plan(imported)
    row = plan.rows[0]
    assert (row.action, row.enroll, row.errors) == ("update", False, [])
    assert row.changes == [
        ("Family and middle name", "Nguyễn Thị", "Nguyễn Thị Ánh"),
        ("Given name", "Ánh", "Hồng"),
    ]

    roster_import_apply(roster_import=imported, user=world.clerk)
    student.refresh_from_db()
    assert student.full_name == "Nguyễn Thị Ánh Hồng"
    assert (student.address, student.ethnicity) == ("12 Lê Lợi", "Tày")
    assert Student.objects.filter(school=world.school_a).count() == 5
    assert student.enrollments.count() == 1


def test_a_known_guardian_gets_the_new_phone_and_a_new_one_is_added(world):
    student = world.s9a1[0]
    known = student.guardians.get()
    imported = upload(
        world,
        [
            [
                1,
                student.code,
                student.full_name,
                "04/03/2012",
                "Nữ",
                "9A1",
                known.full_name,
                "0987654321",
            ]
        ],
    )
    roster_import_apply(roster_import=imported, user=world.clerk)
    known.refresh_from_db()
    assert known.phone == "0987654321"
    assert student.guardians.count() == 1

    second = upload(
        world,
        [[1, student.code, student.full_name, "", "", "9A1", "Trần Thị Mới", ""]],
    )
    roster_import_apply(roster_import=second, user=world.clerk)
    added = student.guardians.get(full_name="Trần Thị Mới")
    assert added.is_primary is False  # the student already had a parent on record


def test_a_student_already_in_another_class_this_year_is_not_moved(world):
    student = world.s9a1[0]
    imported = upload(world, [[1, student.code, student.full_name, "", "", "9A2", "", ""]])
    (messages,) = errors_of(roster_import_plan(imported)).values()
    assert messages == [
        "Already in class 9A1 this year: record a class change on the student's page."
    ]


def test_a_student_who_left_this_year_is_not_brought_back_by_an_import(world):
    student = world.s9a2[0]
    enrollment_record_movement(
        student=student, kind="dropped_out", date=datetime.date(2026, 10, 1), causes=["2c"]
    )
    imported = upload(world, [[1, student.code, student.full_name, "", "", "9A2", "", ""]])
    (messages,) = errors_of(roster_import_plan(imported)).values()
    assert messages == ["Left class 9A2 on 01/10/2026: record the return on the student's page."]


def test_last_years_students_are_rolled_over_into_this_years_class(world):
    last_year = f.SchoolYearFactory(
        school=world.school_a,
        start_year=2025,
        start_date=datetime.date(2025, 9, 5),
        semester1_end=datetime.date(2026, 1, 16),
        semester2_start=datetime.date(2026, 1, 18),
        end_date=datetime.date(2026, 5, 29),
        enrollment_snapshot_date=datetime.date(2025, 9, 5),
        is_current=False,
    )
    old_class = Classroom.objects.create(school_year=last_year, name="8A1", grade=8)
    student = f.StudentFactory(school=world.school_a, family_name="Vũ Văn", given_name="Lên")
    f.enroll(student, old_class)

    imported = upload(world, [[1, student.code, student.full_name, "", "", "9A1", "", ""]])
    row = roster_import_plan(imported).rows[0]
    assert (row.action, row.enroll, row.errors) == ("same", True, [])
    roster_import_apply(roster_import=imported, user=world.clerk)

    old, new = student.enrollments.order_by("start_date")
    assert (old.end_date, old.end_kind) == (datetime.date(2026, 5, 29), "year_end")
    assert (new.classroom, new.start_date, new.end_date) == (world.c9a1, OPENING, None)


def test_a_code_that_points_at_someone_else_is_an_error(world):
    other = world.s9a2[0]
    imported = upload(world, [new_row(1, other.code, "Hoàng Văn Khác", birth="09/09/2012")])
    (messages,) = errors_of(roster_import_plan(imported)).values()
    assert messages[0].startswith(f"The code {other.code} belongs to Trần Văn Bình")


def test_duplicates_inside_the_file_are_errors(world):
    imported = upload(
        world,
        [
            new_row(1, "HS9001", "Nguyễn Văn Một"),
            new_row(2, "HS9001", "Nguyễn Văn Hai"),
            new_row(3, "", "Nguyễn Văn Ba"),
            new_row(4, "", "Nguyễn Văn Ba"),
        ],
    )
    errors = errors_of(roster_import_plan(imported))
    assert errors == {
        3: ["The code HS9001 is also on row 2."],
        5: ["The same student (name and date of birth) is also on row 4."],
    }


def test_rows_without_a_code_match_by_name_and_birth_or_get_a_new_code(world):
    known = world.s9a1[1]  # Lê Văn Anh, born 04/03/2012
    imported = upload(
        world,
        [
            [1, "", "Lê Văn Anh", "04/03/2012", "Nam", "9A1", "", ""],
            [2, "", "Phan Văn Mới", "01/01/2012", "Nam", "9A2", "", ""],
        ],
    )
    plan = roster_import_plan(imported)
    assert plan.rows[0].student == known
    assert plan.rows[1].code == "HS2026-0001"
    f.StudentFactory(school=world.school_a, code="HS2026-0001")  # taken meanwhile
    assert roster_import_plan(imported).rows[1].code == "HS2026-0002"
    roster_import_apply(roster_import=imported, user=world.clerk)
    assert Student.objects.get(code="HS2026-0002").full_name == "Phan Văn Mới"


def test_the_class_comes_from_the_row_the_chosen_class_or_the_sheet_title(world):
    header = ["Mã HS", "Họ và tên", "Ngày sinh", "Giới tính"]
    rows = [["HS9001", "Nguyễn Văn Một", "01/01/2012", "Nam"]]
    by_sheet = upload(world, rows, title="Lớp 9A2", header=header)
    assert roster_import_plan(by_sheet).rows[0].classroom == world.c9a2
    chosen = upload(world, rows, classroom=world.c8a1, header=header)
    assert roster_import_plan(chosen).rows[0].classroom == world.c8a1
    nowhere = upload(world, rows, header=header)
    assert errors_of(roster_import_plan(nowhere)) == {
        2: ["No class: the file needs a Class column, or choose a class when uploading."]
    }
    unknown = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một", "9Z9")])
    assert errors_of(roster_import_plan(unknown)) == {
        2: ["There is no class 9Z9 in the school year 2026-2027."]
    }
    conflict = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một", "9A1")], classroom=world.c9a2)
    assert errors_of(roster_import_plan(conflict)) == {
        2: ["The file says class 9A1 but the import is for class 9A2."]
    }


def test_a_class_named_with_a_slash_is_found_from_its_sheet_title(world):
    slash = Classroom.objects.create(school_year=world.year_a, name="6/1", grade=6)
    header = ["Họ và tên", "Ngày sinh", "Giới tính"]
    imported = upload(world, [["Nguyễn Văn Một", "01/01/2014", "Nam"]], title="6-1", header=header)
    assert roster_import_plan(imported).rows[0].classroom == slash


def test_missing_birth_and_gender_are_errors_for_new_students_only(world):
    header = ["Mã HS", "Họ và tên", "Lớp"]
    imported = upload(
        world,
        [["HS9001", "Nguyễn Văn Một", "9A2"], [world.s9a1[0].code, "Nguyễn Thị Ánh", "9A1"]],
        header=header,
    )
    assert errors_of(roster_import_plan(imported)) == {
        2: ["The date of birth is missing.", "The gender is missing."]
    }


def test_an_impossible_age_is_an_error(world):
    imported = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một", birth="01/01/2021")])
    (messages,) = errors_of(roster_import_plan(imported)).values()
    assert messages == ["Born 01/01/2021, 5 years old at the start of the year: check the date."]


def test_newcomers_after_the_headcount_date_are_transfers_in(world):
    imported = upload(
        world, [new_row(1, "HS9001", "Nguyễn Văn Một")], start=datetime.date(2026, 10, 1)
    )
    roster_import_apply(roster_import=imported, user=world.clerk)
    span = Student.objects.get(code="HS9001").enrollments.get()
    assert (span.start_date, span.start_kind) == (datetime.date(2026, 10, 1), "transfer_in")


def test_an_import_cannot_be_applied_twice(world):
    imported = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một")])
    roster_import_apply(roster_import=imported, user=world.clerk)
    with pytest.raises(ValidationError) as excinfo:
        roster_import_apply(roster_import=imported, user=world.clerk)
    assert excinfo.value.messages == [str(MSG_NOT_PENDING)]
    assert Student.objects.filter(code="HS9001").count() == 1


def test_what_changed_after_the_preview_is_checked_again_when_applying(world):
    imported = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một", "9A2")])
    assert errors_of(roster_import_plan(imported)) == {}
    # Meanwhile someone adds the same student by hand, in another class.
    someone = f.StudentFactory(
        school=world.school_a,
        code="HS9001",
        family_name="Nguyễn Văn",
        given_name="Một",
        date_of_birth=datetime.date(2012, 2, 1),
    )
    f.enroll(someone, world.c9a1)
    with pytest.raises(ValidationError):
        roster_import_apply(roster_import=imported, user=world.clerk)
    assert someone.enrollments.count() == 1


def test_discarding_keeps_the_record_but_not_the_rows(world):
    imported = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một")])
    roster_import_discard(roster_import=imported)
    imported.refresh_from_db()
    assert (imported.status, imported.data) == ("discarded", {})
    with pytest.raises(ValidationError):
        roster_import_apply(roster_import=imported, user=world.clerk)


def test_a_new_upload_discards_the_users_earlier_pending_one(world):
    first = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một")])
    upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một")])
    first.refresh_from_db()
    assert first.status == "discarded"


def test_no_current_year_is_said_plainly(world):
    with pytest.raises(ValidationError) as excinfo:
        roster_import_create(
            school_year=None,
            user=world.clerk,
            file_name="ds.xlsx",
            content=xlsx([]),
            classroom=None,
            start_date=OPENING,
        )
    assert excinfo.value.messages == [str(MSG_NO_YEAR)]


# --- Pages ---------------------------------------------------------------------------------------
def post_file(client, content, name="ds.xlsx", **data):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("roster_import"), {"file": file, "start_date": "05/09/2026", **data})


@pytest.mark.parametrize("who", ["clerk", "principal", "vp"])
def test_people_who_manage_students_can_upload_check_and_apply(client, world, who):
    login(client, getattr(world, who))
    assert client.get(reverse("roster_import")).status_code == 200
    response = post_file(client, xlsx([new_row(1, "HS9001", "Nguyễn Văn Một")]))
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "Nguyễn Văn Một" in preview.content.decode()
    applied = client.post(response["Location"], {"action": "apply"}, follow=True)
    assert applied.status_code == 200
    assert Student.objects.filter(code="HS9001", school=world.school_a).exists()
    assert RosterImport.objects.get().status == "applied"


@pytest.mark.parametrize("who", ["gvcn", "teacher", "youth", "group_head", "office"])
def test_people_who_do_not_manage_students_get_403_on_the_upload_page(client, world, who):
    login(client, getattr(world, who))
    assert client.get(reverse("roster_import")).status_code == 403
    response = post_file(client, xlsx([new_row(1, "HS9001", "Nguyễn Văn Một")]))
    assert response.status_code == 403
    assert not RosterImport.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("gvcn", 403),
        ("teacher", 403),
        ("youth", 403),
        ("principal_b", 404),
        ("office", 404),
        ("office_z_user", 404),
    ],
)
def test_someone_elses_import_is_404_outside_the_school_and_403_inside(client, world, who, status):
    imported = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một")])
    url = reverse("roster_import_preview", args=[imported.pk])
    login(client, getattr(world, who))
    assert client.get(url).status_code == status
    assert client.post(url, {"action": "apply"}).status_code == status
    imported.refresh_from_db()
    assert imported.status == "pending"
    assert not Student.objects.filter(code="HS9001").exists()


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    imported = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một")])
    for url in (reverse("roster_import"), reverse("roster_import_preview", args=[imported.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_an_unknown_import_id_is_404(client, world):
    login(client, world.clerk)
    assert client.get(reverse("roster_import_preview", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "content", "field"),
    [
        ({"start_date": "31/13/2026"}, "ds.xlsx", None, "start_date"),
        ({"start_date": "99999999999999999"}, "ds.xlsx", None, "start_date"),
        ({"start_date": "01/01/2030"}, "ds.xlsx", None, "start_date"),
        ({"start_date": "01/07/2026"}, "ds.xlsx", None, "start_date"),
        ({"classroom": "999999"}, "ds.xlsx", None, "classroom"),
        ({"classroom": "abc"}, "ds.xlsx", None, "classroom"),
        ({}, "ds.pdf", None, "file"),
        ({}, "ds.xlsx", b"this is not a spreadsheet", "file"),
        ({}, "ds.xlsx", b"\xd0\xcf\x11\xe0" + b"\0" * 64, "file"),
    ],
)
def test_bad_input_is_an_error_on_the_form_never_a_500(client, world, data, name, content, field):
    login(client, world.clerk)
    content = content if content is not None else xlsx([new_row(1, "HS9001", "Nguyễn Văn Một")])
    file = io.BytesIO(content)
    file.name = name
    response = client.post(
        reverse("roster_import"), {"file": file, "start_date": "05/09/2026", **data}
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not RosterImport.objects.filter(status="pending").exists()


def test_another_schools_class_cannot_be_chosen(client, world):
    login(client, world.clerk)
    response = post_file(
        client, xlsx([new_row(1, "HS9001", "Nguyễn Văn Một")]), classroom=world.c9b1.pk
    )
    assert response.status_code == 200
    assert "classroom" in response.context["form"].errors


def test_the_form_keeps_what_was_typed_on_error(client, world):
    login(client, world.clerk)
    response = post_file(client, b"garbage", classroom=world.c9a2.pk, start_date="06/09/2026")
    html = response.content.decode()
    assert 'value="06/09/2026"' in html
    assert f'<option value="{world.c9a2.pk}" selected>' in html


def test_a_file_over_the_size_limit_is_refused(client, world, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    login(client, world.clerk)
    response = post_file(client, b"PK" + b"\0" * (1024 * 1024 + 1))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is too large (at most 1 MB)."]


def test_a_school_without_classes_sees_why_it_cannot_import(client, world):
    school = f.SchoolFactory(office=world.office_a)
    year = f.SchoolYearFactory(school=school)
    clerk = f.UserFactory(school=school)
    role_assign(user=clerk, role=Role.CLERK, school_year=year)
    login(client, clerk)
    response = client.get(reverse("roster_import"))
    assert response.status_code == 200
    assert str(MSG_NO_CLASSES) in response.content.decode()
    assert 'id="roster-upload"' not in response.content.decode()


def test_a_file_with_errors_shows_them_all_and_offers_no_import_button(client, world):
    login(client, world.clerk)
    response = post_file(
        client,
        xlsx(
            [
                new_row(1, "HS9001", "Nguyễn Văn Một", birth="31/02/2012"),
                new_row(2, "HS9002", "Nguyễn Văn Hai", classroom="9Z9"),
                new_row(3, "HS9003", "Nguyễn Văn Ba"),
            ]
        ),
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "“31/02/2012” is not a date: write it as dd/mm/yyyy." in html
    assert "There is no class 9Z9 in the school year 2026-2027." in html
    assert 'value="apply"' not in html
    only = client.get(response["Location"] + "?only=problems")
    assert [row.number for row in only.context["rows"]] == [2, 3]
    # Pressing "apply" anyway (a stale page, a forged form) changes nothing.
    client.post(response["Location"], {"action": "apply"})
    assert not Student.objects.filter(code__startswith="HS900").exists()


def test_discarding_from_the_page(client, world):
    login(client, world.clerk)
    response = post_file(client, xlsx([new_row(1, "HS9001", "Nguyễn Văn Một")]))
    back = client.post(response["Location"], {"action": "discard"})
    assert back.status_code == 302
    assert RosterImport.objects.get().status == "discarded"
    assert client.get(response["Location"]).status_code == 200


def test_an_unknown_action_changes_nothing(client, world):
    login(client, world.clerk)
    response = post_file(client, xlsx([new_row(1, "HS9001", "Nguyễn Văn Một")]))
    assert client.post(response["Location"], {"action": "explode"}).status_code == 302
    assert RosterImport.objects.get().status == "pending"


def test_an_applied_import_shows_its_result(client, world):
    login(client, world.clerk)
    response = post_file(client, xlsx([new_row(1, "HS9001", "Nguyễn Văn Một")]))
    client.post(response["Location"], {"action": "apply"})
    page = client.get(response["Location"])
    assert page.context["plan"] is None
    assert "1 added, 0 updated, 1 put in a class" in page.content.decode()


def _preview_queries(client, world, count: int) -> int:
    rows = [new_row(i, f"HS9{i:03d}", f"Nguyễn Văn Số{i}", "9A2") for i in range(1, count + 1)]
    rows.append([count + 1, world.s9a1[0].code, "Nguyễn Thị Ánh", "", "", "9A1", "Bố Mới", ""])
    imported = upload(world, rows)
    login(client, world.clerk)
    url = reverse("roster_import_preview", args=[imported.pk])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_preview_costs_the_same_queries_for_1_and_40_rows(
    client, world, django_assert_num_queries
):
    one = _preview_queries(client, world, 1)
    forty = _preview_queries(client, world, 40)
    assert one == forty
    # session, user, school, current year, role assignments, the import; then the plan:
    # classes, matching students, their enrollments, their guardians, and the students of the
    # classes who are not in the file (the generated-code query only runs for rows without code).
    url = reverse("roster_import_preview", args=[RosterImport.objects.first().pk])
    with django_assert_num_queries(11):
        client.get(url)


def test_the_upload_page_costs_the_same_queries_for_1_and_8_earlier_imports(client, world):
    login(client, world.clerk)
    upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một")], user=world.principal)
    client.get(reverse("roster_import"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("roster_import"))
    for _ in range(7):
        upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một")], user=world.vp)
    with CaptureQueriesContext(connection) as eight:
        response = client.get(reverse("roster_import"))
    assert len(response.context["recent"]) == 8
    assert len(one) == len(eight)


def test_guardians_enrollments_and_students_are_written_in_bulk(world):
    rows = [new_row(i, f"HS9{i:03d}", f"Nguyễn Văn Số{i}", "9A2") for i in range(1, 31)]
    imported = upload(world, rows)
    roster_import_apply(roster_import=imported, user=world.clerk)
    assert Guardian.objects.filter(student__code__startswith="HS9").count() == 30
    assert Enrollment.objects.filter(classroom=world.c9a2).count() == 31


def test_stale_pending_imports_are_discarded_by_the_command(world):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    old = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một")])
    fresh = upload(world, [new_row(1, "HS9001", "Nguyễn Văn Một")], user=world.principal)
    applied = upload(world, [new_row(1, "HS9002", "Nguyễn Văn Hai")], user=world.vp)
    roster_import_apply(roster_import=applied, user=world.vp)
    RosterImport.objects.filter(pk__in=[old.pk, applied.pk]).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )

    out = StringIO()
    call_command("discard_stale_roster_imports", "--dry-run", stdout=out)
    assert "would discard 1" in out.getvalue()
    assert RosterImport.objects.get(pk=old.pk).status == "pending"

    call_command("discard_stale_roster_imports", stdout=StringIO())
    statuses = dict(RosterImport.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "discarded", fresh.pk: "pending", applied.pk: "applied"}
    assert RosterImport.objects.get(pk=old.pk).data == {}
