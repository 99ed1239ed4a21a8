"""Reading class lists as schools really have them (no database: the reader makes no queries)."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from students import importers
from students.importers import (
    MSG_FILE_EMPTY,
    MSG_FILE_TYPE,
    MSG_NO_HEADER,
    MSG_NO_ROWS,
    MSG_OLD_XLS,
    MSG_TOO_MANY_ROWS,
    MSG_UNREADABLE,
    read_roster,
)


def xlsx(*sheets, hidden=()) -> bytes:
    """xlsx(("6A1", [[...], [...]]), ...) -> bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def issues(row, level=None):
    return [key for lvl, key, _params in row["issues"] if level in (None, lvl)]


def message_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def test_it_reads_a_smas_style_sheet_between_its_title_lines_and_its_signature_block():
    content = xlsx(
        (
            "DS",
            [
                ["UBND XÃ LONG PHÚ"],
                ["TRƯỜNG THCS A"],
                ["DANH SÁCH HỌC SINH LỚP 6A1 – NĂM HỌC 2026-2027"],
                [],
                [
                    "STT",
                    "Mã học sinh",
                    "Họ và tên",
                    "Ngày sinh (dd/mm/yyyy)",
                    "Giới tính",
                    "Ghi chú",
                ],
                ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
                [1, "2012000001", "Nguyễn Văn An", "05/09/2014", "Nam", ""],
                [2, "2012000002", "Lê Thị Bình", "17/11/2014", "Nữ", "chuyển đến"],
                [],
                ["Tổng số: 2 học sinh"],
                ["", "", "", "Long Phú, ngày 05 tháng 9 năm 2026"],
                ["", "", "", "HIỆU TRƯỞNG"],
                ["", "", "Trần Văn Hiệu", ""],
            ],
        )
    )
    parsed = read_roster(content, "ds.xlsx")
    assert [(r["code"], r["family_name"], r["given_name"]) for r in parsed.rows] == [
        ("2012000001", "Nguyễn Văn", "An"),
        ("2012000002", "Lê Thị", "Bình"),
    ]
    assert parsed.rows[0]["dob"] == "2014-09-05"
    assert [r["gender"] for r in parsed.rows] == ["M", "F"]
    assert [r["n"] for r in parsed.rows] == [7, 8]  # the spreadsheet's own row numbers
    assert all(r["issues"] == [] for r in parsed.rows)
    columns = {c["header"]: c["field"] for c in parsed.sheets[0]["columns"]}
    assert columns["Ngày sinh (dd/mm/yyyy)"] == "date_of_birth"
    assert columns["STT"] == "ignored"


def test_a_two_row_header_reads_family_and_given_names_from_the_lower_row():
    content = xlsx(
        (
            "DS",
            [
                ["TT", "Họ và tên", None, "Ngày sinh", "Nữ"],
                [None, "Họ đệm", "Tên", None, None],
                [1, "Hà Thị", "Dương", datetime.datetime(2013, 1, 31), "x"],
                [2, "Lò Văn", "Páo", datetime.datetime(2013, 2, 1), None],
            ],
        )
    )
    rows = read_roster(content, "ds.xlsx").rows
    assert [(r["family_name"], r["given_name"], r["gender"]) for r in rows] == [
        ("Hà Thị", "Dương", "F"),
        ("Lò Văn", "Páo", "M"),
    ]


def test_a_full_name_header_merged_over_two_columns_reads_the_given_name_beside_it():
    content = xlsx(
        (
            "DS",
            [
                ["STT", "Họ và tên", None, "Ngày sinh", "Giới tính"],
                [1, "Nguyễn Thị", "Ánh", "04/03/2012", "Nữ"],
                [2, "Đặng Thị Ân", None, "05/03/2012", "Nữ"],
            ],
        )
    )
    rows = read_roster(content, "ds.xlsx").rows
    assert [(r["family_name"], r["given_name"]) for r in rows] == [
        ("Nguyễn Thị", "Ánh"),
        ("Đặng Thị", "Ân"),  # nothing beside: the full name is split
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime.datetime(2012, 3, 4), "2012-03-04"),
        (datetime.date(2012, 3, 4), "2012-03-04"),
        (40972, "2012-03-04"),  # Excel serial number in a cell not formatted as a date
        ("04/03/2012", "2012-03-04"),
        ("4/3/2012", "2012-03-04"),
        ("04-03-2012", "2012-03-04"),
        ("04.03.2012", "2012-03-04"),
        ("04/03/2012 00:00:00", "2012-03-04"),
        ("2012-03-04", "2012-03-04"),
    ],
)
def test_dates_are_read_however_the_spreadsheet_stored_them(cell, expected):
    content = xlsx(("DS", [["Họ và tên", "Ngày sinh"], ["Nguyễn Văn An", cell]]))
    row = read_roster(content, "ds.xlsx").rows[0]
    assert row["dob"] == expected
    assert issues(row) == []


@pytest.mark.parametrize("cell", ["31/02/2012", "04/03/12", "2012", "mồng 4 tháng 3", -5])
def test_a_date_that_is_not_a_date_is_an_error_on_its_row(cell):
    content = xlsx(("DS", [["Họ và tên", "Ngày sinh", "Mã HS"], ["Nguyễn Văn An", cell, "A1"]]))
    row = read_roster(content, "ds.xlsx").rows[0]
    assert row["dob"] is None
    assert issues(row, "error") == ["bad_date"]


def test_names_typed_in_capitals_get_proper_capitals_and_mixed_case_names_are_kept():
    content = xlsx(
        (
            "DS",
            [
                ["Họ và tên", "Ngày sinh", "Dân tộc"],
                ["NGUYỄN  VĂN   AN", "01/01/2013", "KINH"],
                ["H'Hen Niê", "02/01/2013", "Ê Đê"],
                ["nguyễn thị bình", "03/01/2013", "tày"],
            ],
        )
    )
    rows = read_roster(content, "ds.xlsx").rows
    assert [(r["family_name"], r["given_name"], r["ethnicity"]) for r in rows] == [
        ("Nguyễn Văn", "An", "Kinh"),
        ("H'Hen", "Niê", "Ê Đê"),
        ("Nguyễn Thị", "Bình", "Tày"),
    ]


def test_codes_and_phones_stored_as_numbers_get_their_text_back():
    content = xlsx(
        (
            "DS",
            [
                ["Mã học sinh", "Họ và tên", "Ngày sinh", "Họ tên cha", "SĐT"],
                [2012000001.0, "Nguyễn Văn An", "01/01/2013", "Nguyễn Văn Cha", 912345678],
                ["hs-7", "Lê Thị Bình", "01/01/2013", "Lê Văn Bố", "+84 912 345 678"],
                ["HS8", "Lê Văn Cường", "01/01/2013", "Lê Văn Ông", "0912.345.678 / 0987654321"],
                ["HS9", "Lê Văn Dũng", "01/01/2013", "Lê Văn Ba", "123"],
            ],
        )
    )
    rows = read_roster(content, "ds.xlsx").rows
    assert [r["code"] for r in rows] == ["2012000001", "HS-7", "HS8", "HS9"]
    assert [r["guardians"][0]["phone"] for r in rows] == [
        "0912345678",
        "0912345678",
        "0912345678",
        "123",
    ]
    assert rows[0]["guardians"][0]["relation"] == "father"
    assert issues(rows[2], "warning") == ["phone_several"]
    assert issues(rows[3], "warning") == ["phone_unusual"]


def test_a_generic_parent_column_uses_the_relation_column_and_says_when_it_cannot():
    content = xlsx(
        (
            "DS",
            [
                ["Họ và tên", "Ngày sinh", "Phụ huynh", "Quan hệ"],
                ["Nguyễn Văn An", "01/01/2013", "Trần Thị Mẹ", "Mẹ"],
                ["Nguyễn Văn Bảo", "01/01/2013", "Trần Thị Bà", "bà ngoại"],
                ["Nguyễn Văn Cảnh", "01/01/2013", "Trần Văn Ba", "ba"],
                ["Nguyễn Văn Danh", "01/01/2013", "Trần Văn Lạ", "hàng xóm"],
            ],
        )
    )
    rows = read_roster(content, "ds.xlsx").rows
    assert [r["guardians"][0]["relation"] for r in rows] == [
        "mother",
        "grandmother",
        "father",
        "guardian",
    ]
    assert issues(rows[3], "warning") == ["relation_unknown"]


def test_gender_words_and_bad_genders():
    content = xlsx(
        (
            "DS",
            [
                ["Họ và tên", "Ngày sinh", "Giới tính"],
                ["Nguyễn Văn An", "01/01/2013", "nam"],
                ["Nguyễn Thị Bình", "01/01/2013", "NỮ"],
                ["Nguyễn Văn Cảnh", "01/01/2013", "?"],
            ],
        )
    )
    rows = read_roster(content, "ds.xlsx").rows
    assert [r["gender"] for r in rows] == ["M", "F", ""]
    assert issues(rows[2], "error") == ["bad_gender"]


def test_control_characters_and_formula_apostrophes_do_not_survive_into_the_data():
    content = xlsx(
        (
            "DS",
            [
                ["Họ và tên", "Ngày sinh", "Địa chỉ", "Họ tên mẹ", "Điện thoại"],
                ["Nguyễn Văn\u200b An", "01/01/2013", "'=1+1", "Trần Thị Mẹ", "'+84912345678"],
            ],
        )
    )
    row = read_roster(content, "ds.xlsx").rows[0]
    assert row["given_name"] == "An"
    assert row["address"] == "=1+1"  # kept as text; exports write it as text, never a formula
    assert row["guardians"][0]["phone"] == "0912345678"


def test_too_long_values_are_errors_not_crashes():
    content = xlsx(("DS", [["Mã học sinh", "Họ và tên", "Ngày sinh"], ["X" * 31, "A " * 80, 1]]))
    row = read_roster(content, "ds.xlsx").rows[0]
    assert "too_long" in issues(row, "error")


def test_a_line_with_only_a_name_is_listed_as_skipped_not_silently_lost():
    content = xlsx(
        (
            "DS",
            [
                ["STT", "Họ và tên", "Ngày sinh", "Giới tính"],
                [1, "Nguyễn Văn An", "01/01/2013", "Nam"],
                [None, "Nguyễn Văn Lạc", None, None],
            ],
        )
    )
    parsed = read_roster(content, "ds.xlsx")
    assert len(parsed.rows) == 1
    assert parsed.skipped == [{"sheet": "DS", "n": 3, "text": "Nguyễn Văn Lạc"}]


def test_one_sheet_per_class_is_read_and_hidden_sheets_are_not():
    header = ["Họ và tên", "Ngày sinh", "Giới tính"]
    content = xlsx(
        ("6A1", [header, ["Nguyễn Văn An", "01/01/2014", "Nam"]]),
        ("6A2", [header, ["Lê Thị Bình", "01/01/2014", "Nữ"]]),
        ("Nháp", [header, ["Ai Đó", "01/01/2014", "Nữ"]]),
        hidden=("Nháp",),
    )
    parsed = read_roster(content, "ds.xlsx")
    assert [(r["sheet"], r["given_name"]) for r in parsed.rows] == [("6A1", "An"), ("6A2", "Bình")]


def test_csv_in_utf8_with_semicolons_is_read():
    text = "Mã HS;Họ và tên;Ngày sinh;Giới tính;Lớp\nHS1;Nguyễn Văn An;01/01/2013;Nam;7A1\n"
    rows = read_roster(text.encode("utf-8-sig"), "ds.csv").rows
    assert [(r["code"], r["given_name"], r["classroom"]) for r in rows] == [("HS1", "An", "7A1")]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "ds.xlsx", MSG_FILE_EMPTY),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "ds.xls", MSG_OLD_XLS),
        (b"PK\x03\x04 not really a zip", "ds.xlsx", MSG_UNREADABLE),
        (b"%PDF-1.7", "ds.pdf", MSG_FILE_TYPE),
    ],
)
def test_files_that_cannot_be_used_are_refused_with_a_reason(content, name, message):
    with pytest.raises(ValidationError) as excinfo:
        read_roster(content, name)
    assert message_of(excinfo) == str(message)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ValidationError) as excinfo:
        read_roster(buffer.getvalue(), "ds.xlsx")
    assert message_of(excinfo) == str(MSG_UNREADABLE)


def test_a_zip_bomb_is_refused_before_it_is_inflated(monkeypatch):
    monkeypatch.setattr(importers, "MAX_UNZIPPED_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))
    assert len(buffer.getvalue()) < 20_000
    with pytest.raises(ValidationError) as excinfo:
        read_roster(buffer.getvalue(), "ds.xlsx")
    assert message_of(excinfo) == str(MSG_UNREADABLE)


def test_a_file_without_a_recognisable_header_is_refused():
    content = xlsx(("DS", [["A", "B", "C"], [1, 2, 3]]))
    with pytest.raises(ValidationError) as excinfo:
        read_roster(content, "ds.xlsx")
    assert message_of(excinfo) == str(MSG_NO_HEADER)


def test_a_header_without_students_is_refused():
    content = xlsx(("DS", [["Họ và tên", "Ngày sinh"], [], ["Tổng số: 0"]]))
    with pytest.raises(ValidationError) as excinfo:
        read_roster(content, "ds.xlsx")
    assert message_of(excinfo) == str(MSG_NO_ROWS)


def test_a_file_with_more_students_than_a_school_has_is_refused(monkeypatch):
    monkeypatch.setattr(importers, "MAX_ROWS", 5)
    rows = [["Họ và tên", "Ngày sinh"]] + [[f"Nguyễn Văn An{i}", "01/01/2013"] for i in range(6)]
    with pytest.raises(ValidationError) as excinfo:
        read_roster(xlsx(("DS", rows)), "ds.xlsx")
    assert message_of(excinfo) == str(MSG_TOO_MANY_ROWS % {"max": 5})
