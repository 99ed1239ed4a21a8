"""The class-list XLSX export: safe with whatever people typed, private, and importable back."""

import datetime
import io
import os
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from schools.models import Classroom
from students.models import Guardian, Student
from students.services_import import roster_import_create, roster_import_plan

from .. import factories as f
from ..conftest import login


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests pin the exact wording by msgid; Vietnamese users get the catalogue's words
    (tests/test_translations.py checks that every msgid has one)."""
    with translation.override("en"):
        yield


HEADER_ROW = 6


def export(client, user, classroom):
    login(client, user)
    return client.get(reverse("classroom_export", args=[classroom.pk]))


def sheet(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


def headers(ws) -> list[str]:
    return [c.value for c in ws[HEADER_ROW] if c.value]


def body(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows(min_row=HEADER_ROW + 1)]


def test_the_class_list_is_in_vietnamese_order_with_real_dates(client, world):
    ws = sheet(export(client, world.gvcn, world.c9a1))
    rows = body(ws)
    assert [(r[2], r[3]) for r in rows] == [
        ("Lê Văn", "Anh"),
        ("Nguyễn Thị", "Ánh"),
        ("Đặng Thị", "Ân"),
    ]
    birth = ws.cell(row=HEADER_ROW + 1, column=5)
    assert birth.value == datetime.datetime(2012, 3, 4)  # a date Excel can sort and filter
    assert birth.number_format == "DD/MM/YYYY"
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"


def test_a_class_named_with_a_slash_exports_with_a_legal_sheet_title_and_file_name(client, world):
    classroom = Classroom.objects.create(school_year=world.year_a, name="6/1", grade=6)
    f.enroll(f.StudentFactory(school=world.school_a), classroom)
    response = export(client, world.principal, classroom)
    ws = sheet(response)
    assert ws.title == "6-1"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "danh-sach-lop-6-1-2026-2027.xlsx" in disposition


def test_typed_text_stays_text_never_a_formula_and_shows_exactly_as_typed(client, world):
    student = world.s9a1[0]
    Student.objects.filter(pk=student.pk).update(
        family_name='=HYPERLINK("http://evil.example","Bấm")', address="-3 Lê Lợi", commune="@x"
    )
    Guardian.objects.filter(student=student).update(phone="+84912345678")
    ws = sheet(export(client, world.principal, world.c9a1))
    cells = {c.value: c for row in ws.iter_rows(min_row=HEADER_ROW + 1) for c in row}
    formula = cells['=HYPERLINK("http://evil.example","Bấm")']
    assert formula.data_type == "s"
    assert formula.quotePrefix is True
    phone = cells["+84912345678"]  # no apostrophe shown in front of the number
    assert (phone.data_type, phone.quotePrefix) == ("s", True)
    assert "-3 Lê Lợi, @x" in cells


def test_control_characters_in_names_do_not_break_the_export(client, world):
    Student.objects.filter(pk=world.s9a1[0].pk).update(given_name="Ánh\x0b\x1f")
    ws = sheet(export(client, world.principal, world.c9a1))
    assert "Ánh" in [r[3] for r in body(ws)]


@pytest.mark.parametrize(
    ("who", "sees_ethnicity"),
    [("principal", True), ("vp", True), ("clerk", True), ("gvcn", True), ("youth", False)],
)
def test_ethnicity_is_only_in_the_files_of_those_who_work_with_the_family(
    client, world, who, sees_ethnicity
):
    ws = sheet(export(client, getattr(world, who), world.c9a1))
    assert ("Ethnicity" in headers(ws)) is sees_ethnicity
    assert headers(ws)[-2:] == ["Parent / guardian", "Phone"]


def test_a_subject_teacher_gets_their_class_list_without_ethnicity(client, world):
    ws = sheet(export(client, world.teacher, world.c8a1))
    assert "Ethnicity" not in headers(ws)
    assert [r[3] for r in body(ws)] == ["Dương"]


@pytest.mark.parametrize(
    ("who", "classroom", "status"),
    [
        ("office", "c9a1", 403),  # sees the class's figures, not the children's records
        ("principal_b", "c9a1", 404),
        ("gvcn", "c9a2", 404),
        ("teacher", "c9a1", 404),
        ("principal", "c9b1", 404),
        ("office_z_user", "c9a1", 404),
    ],
)
def test_who_cannot_download_a_class_list(client, world, who, classroom, status):
    response = export(client, getattr(world, who), getattr(world, classroom))
    assert response.status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(reverse("classroom_export", args=[world.c9a1.pk]))
    assert response.status_code == 302


def test_the_file_is_not_kept_in_caches(client, world):
    response = export(client, world.gvcn, world.c9a1)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def _export_queries(client, world, extra: int) -> int:
    classroom = Classroom.objects.create(school_year=world.year_a, name=f"7A{extra}", grade=7)
    for _ in range(extra):
        student = f.StudentFactory(school=world.school_a)
        f.GuardianFactory(student=student)
        f.enroll(student, classroom)
    login(client, world.principal)
    url = reverse("classroom_export", args=[classroom.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_one_student_and_thirty_cost_the_same_queries(client, world, django_assert_num_queries):
    assert _export_queries(client, world, 1) == _export_queries(client, world, 30)
    url = reverse("classroom_export", args=[world.c9a1.pk])
    # session, user, school, current year, role assignments, the class, students, guardians
    with django_assert_num_queries(8):
        client.get(url)


def test_an_exported_list_imports_back_with_nothing_to_change(client, world):
    response = export(client, world.gvcn, world.c9a1)
    imported = roster_import_create(
        school_year=world.year_a,
        user=world.clerk,
        file_name="danh-sach-lop-9a1.xlsx",
        content=response.content,
        classroom=None,  # the sheet is named after the class
        start_date=world.year_a.start_date,
    )
    plan = roster_import_plan(imported)
    assert [(r.full_name, r.action, r.errors, r.enroll) for r in plan.rows] == [
        ("Lê Văn Anh", "same", [], False),
        ("Nguyễn Thị Ánh", "same", [], False),
        ("Đặng Thị Ân", "same", [], False),
    ]


def test_a_spreadsheet_program_shows_the_formula_as_text(client, world, tmp_path):
    """LibreOffice opens the file and computes nothing: the typed formula comes back as text."""
    Student.objects.filter(pk=world.s9a1[0].pk).update(family_name="=1+1")
    path = tmp_path / "list.xlsx"
    path.write_bytes(export(client, world.principal, world.c9a1).content)
    result = subprocess.run(
        [
            "soffice",
            "--headless",
            "--norestore",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        env={**os.environ, "HOME": str(tmp_path)},
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "list.csv").read_text(encoding="utf-8")
    assert "=1+1" in text
    assert ",2," not in text
