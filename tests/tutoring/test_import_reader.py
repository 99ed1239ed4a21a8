"""Reading gradebook files (no database rows needed but the subjects): the import corpus.

Every problem names the Excel row, the column letter and its header, and says why."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook

from lib.xlsx import workbook_bytes
from schools.models import Subject
from tutoring import samples
from tutoring.importers import (
    ERROR,
    MSG_FILE_EMPTY,
    MSG_FILE_TYPE,
    MSG_NO_HEADER,
    MSG_NO_STUDENTS,
    MSG_NO_SUBJECTS,
    MSG_OLD_XLS,
    MSG_UNREADABLE,
    WARNING,
    issue_text,
    parse_comment,
    parse_score,
    read_gradebook,
    subject_infos,
)

TITLE = ("TRƯỜNG THCS A", "", "BẢNG ĐIỂM TỔNG HỢP HỌC KỲ I", "Lớp: 9A1")
HEADER = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Toán", "Ngữ văn", "GDTC"]


@pytest.fixture(autouse=True)
def _english_messages():
    """Pin the wording by msgid; tests/test_translations.py checks the Vietnamese."""
    with translation.override("en"):
        yield


def xlsx(rows, *, header=HEADER, groups=(), title=TITLE, footer=()) -> bytes:
    """A gradebook file: title lines, the header (two rows when ``groups``), the rows."""
    return workbook_bytes(
        samples.gradebook(rows, header=header, groups=groups, title=title, footer=footer)
    )


def first_row(title=TITLE) -> int:
    return len(title) + 2  # the header, then the students


@pytest.fixture
def infos(db):
    return subject_infos(Subject.objects.all())


@pytest.fixture
def ids(db):
    return {s.code: str(s.pk) for s in Subject.objects.all()}


def read(content, infos, name="bang-diem.xlsx"):
    return read_gradebook(content, name, infos)


def problems(parsed):
    """(level, key, row, column letter) of every problem, file and rows."""
    found = [(i[0], i[1], i[2].get("row"), i[2].get("col")) for i in parsed.issues]
    for row in parsed.rows:
        found += [(i[0], i[1], i[2].get("row"), i[2].get("col")) for i in row["issues"]]
    return sorted(found, key=lambda p: (p[2] or 0, p[3] or "", p[1]))


# --- The file as a whole: refused before anything is stored ---------------------------------
def refusal(content, infos, name="bang-diem.xlsx") -> list[str]:
    with pytest.raises(ValidationError) as caught:
        read(content, infos, name)
    return caught.value.messages


def test_an_empty_file_is_refused(infos):
    assert refusal(b"", infos) == [str(MSG_FILE_EMPTY)]


def test_a_csv_or_pdf_is_refused_as_the_wrong_type(infos):
    assert refusal(b"STT;Ho va ten;Toan\n1;An;8,5\n", infos, "bang-diem.csv") == [
        str(MSG_FILE_TYPE)
    ]
    assert refusal(b"%PDF-1.7 ...", infos, "bang-diem.pdf") == [str(MSG_FILE_TYPE)]


def test_an_old_xls_file_is_refused_with_how_to_fix_it(infos):
    assert refusal(b"\xd0\xcf\x11\xe0" + b"\0" * 100, infos, "bang-diem.xls") == [str(MSG_OLD_XLS)]


def test_a_zip_that_is_not_a_workbook_is_refused(infos):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    assert refusal(buffer.getvalue(), infos) == [str(MSG_UNREADABLE)]
    assert refusal(b"PK\x03\x04 broken", infos) == [str(MSG_UNREADABLE)]


def test_a_file_renamed_to_xlsx_but_not_excel_is_refused(infos):
    assert refusal(b"just some text", infos) == [str(MSG_FILE_TYPE)]


def test_without_a_header_row_the_file_is_refused(infos):
    content = xlsx([[1, "HS1", "An", "01/01/2012", 8, 7, "Đ"]], header=["a", "b", "c", "d"])
    assert refusal(content, infos) == [str(MSG_NO_HEADER % {"rows": 20})]


def test_a_header_below_the_first_twenty_rows_is_not_found(infos):
    content = xlsx([[1, "HS1", "An", "01/01/2012", 8, 7, "Đ"]], title=[""] * 20)
    assert refusal(content, infos) == [str(MSG_NO_HEADER % {"rows": 20})]


def test_without_subject_columns_the_file_is_refused(infos):
    header = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Ghi chú"]
    content = xlsx([[1, "HS1", "Lê An", "01/01/2012", ""]], header=header)
    assert refusal(content, infos) == [str(MSG_NO_SUBJECTS)]


def test_a_header_without_students_is_refused(infos):
    assert refusal(xlsx([]), infos) == [str(MSG_NO_STUDENTS)]


# --- Headers --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Toán", "TOAN"),
        ("TOÁN", "TOAN"),
        ("toan", "TOAN"),
        ("Ngữ văn", "NV"),
        ("Văn", "NV"),
        ("NV", "NV"),
        ("Tiếng Anh", "NN1"),
        ("Ngoại ngữ", "NN1"),
        ("NN1", "NN1"),
        ("Anh văn", "NN1"),
        ("Tiếng Anh (NN1)", "NN1"),
        ("GDCD", "GDCD"),
        ("Giáo dục công dân", "GDCD"),
        ("KHTN", "KHTN"),
        ("Khoa học tự nhiên", "KHTN"),
        ("LS&ĐL", "LSDL"),
        ("LS-ĐL", "LSDL"),
        ("LS và ĐL", "LSDL"),
        ("Lịch sử và Địa lí", "LSDL"),
        ("Lịch sử & Địa lý", "LSDL"),
        ("Công nghệ", "CN"),
        ("CN", "CN"),
        ("Tin học", "TIN"),
        ("Tin", "TIN"),
        ("GDTC", "GDTC"),
        ("Thể dục", "GDTC"),
        ("Giáo dục thể chất", "GDTC"),
        ("Nghệ thuật", "NT"),
        ("HĐTN", "HDTN"),
        ("HĐTN-HN", "HDTN"),
        ("Hoạt động trải nghiệm", "HDTN"),
        ("Hoạt động trải nghiệm, hướng nghiệp", "HDTN"),
        ("GDĐP", "GDDP"),
        ("Nội dung giáo dục địa phương", "GDDP"),
        ("Tiếng dân tộc", "TDT"),
        ("Tiếng Khmer", "TDT"),
        ("Ngoại ngữ 2", "NN2"),
        ("ĐTB môn Toán", "TOAN"),
    ],
)
def test_subject_columns_are_read_by_name_whatever_the_spelling(infos, ids, header, code):
    content = xlsx([[1, "HS1", "Lê An", "01/01/2012", ""]], header=[*HEADER[:4], header])
    parsed = read(content, infos)
    column = parsed.columns[-1]
    assert (column["role"], column["code"], column["col"]) == ("subject", code, "E")


def test_an_unknown_subject_column_is_an_error_naming_its_letter_and_header(infos):
    header = [*HEADER, "Môn tự chọn X"]
    parsed = read(xlsx([[1, "HS1", "Lê An", "01/01/2012", 8, 7, "Đ", "9"]], header=header), infos)
    assert problems(parsed) == [(ERROR, "unknown_column", None, "H")]
    message = issue_text("unknown_column", parsed.issues[0][2])
    assert message.startswith("Column H (Môn tự chọn X) is not a subject the app knows")


def test_an_unknown_column_left_empty_is_only_a_warning(infos):
    header = [*HEADER, "Môn tự chọn X"]
    parsed = read(xlsx([[1, "HS1", "Lê An", "01/01/2012", 8, 7, "Đ", None]], header=header), infos)
    assert problems(parsed) == [(WARNING, "unknown_column", None, "H")]


def test_notes_and_other_non_subject_columns_are_ignored(infos):
    header = [*HEADER, "Ghi chú", "GVCN", "Số buổi nghỉ", "Danh hiệu", "ĐTB các môn"]
    row = [1, "HS1", "Lê An", "01/01/2012", 8, 7, "Đ", "chuyển đến", "x", 3, "HS Giỏi", 7.5]
    parsed = read(xlsx([row], header=header), infos)
    assert problems(parsed) == []
    assert [c["role"] for c in parsed.columns[7:]] == ["ignored"] * 5


def test_two_columns_of_the_same_subject_are_an_error(infos):
    header = [*HEADER, "TOÁN"]
    parsed = read(xlsx([[1, "HS1", "Lê An", "01/01/2012", 8, 7, "Đ", 9]], header=header), infos)
    assert problems(parsed) == [(ERROR, "duplicate_column", None, "H")]
    assert "Columns E and H (TOÁN) are both Toán" in issue_text(
        "duplicate_column", parsed.issues[0][2]
    )


def test_a_two_row_merged_header_reads_the_subjects_on_the_lower_row(infos, ids):
    header = [*HEADER[:4], "Toán", "Ngữ văn", "Tiếng Anh", "GDTC", "KQHT", "Hạnh kiểm"]
    groups = [("Điểm trung bình các môn học kỳ I", 4, 6), ("Môn đánh giá nhận xét", 7, 7)]
    row = [1, "HS1", "Lê An", "01/01/2012", 8.5, "7,0", "6", "Đ", "Khá", "Tốt"]
    parsed = read(xlsx([row], header=header, groups=groups), infos)
    assert problems(parsed) == []
    assert parsed.header_row == len(TITLE) + 1
    assert [(c["col"], c["role"]) for c in parsed.columns[4:]] == [
        ("E", "subject"),
        ("F", "subject"),
        ("G", "subject"),
        ("H", "subject"),
        ("I", "level"),
        ("J", "conduct"),
    ]
    (student,) = parsed.rows
    assert student["n"] == len(TITLE) + 3  # two header rows
    assert student["values"] == {
        ids["TOAN"]: "8.5",
        ids["NV"]: "7.0",
        ids["NN1"]: "6.0",
        ids["GDTC"]: "D",
    }
    assert (student["level"], student["conduct"]) == ("Khá", "tot")


def test_the_header_may_be_on_row_twelve_after_long_title_rows(infos):
    title = ("SỞ GD&ĐT", "PHÒNG GD&ĐT", "TRƯỜNG THCS A", *[""] * 8)
    parsed = read(xlsx([[1, "HS1", "Lê An", "01/01/2012", 8, 7, "Đ"]], title=title), infos)
    assert parsed.header_row == 12
    assert parsed.rows[0]["n"] == 13
    assert parsed.title == ["SỞ GD&ĐT", "PHÒNG GD&ĐT", "TRƯỜNG THCS A"]


def test_a_name_merged_over_family_and_given_name_columns_is_joined(infos):
    header = ["STT", "Họ và tên", "", "Ngày sinh", "Toán"]
    wb = Workbook()
    ws = wb.active
    ws.append(["BẢNG ĐIỂM"])
    ws.append(header)
    ws.merge_cells("B2:C2")
    ws.append([1, "Nguyễn Thị", "Ánh", "04/03/2012", 8])
    parsed = read(workbook_bytes(wb), infos)
    assert parsed.rows[0]["name"] == "Nguyễn Thị Ánh"


def test_a_two_row_header_with_family_and_given_name_under_the_name(infos):
    header = ["STT", "Họ đệm", "Tên", "Ngày sinh", "Toán"]
    parsed = read(
        xlsx(
            [[1, "Nguyễn Thị", "Ánh", "04/03/2012", 8]], header=header, groups=[("Họ và tên", 1, 2)]
        ),
        infos,
    )
    assert parsed.rows[0]["name"] == "Nguyễn Thị Ánh"


def test_the_title_says_which_class_term_and_year(infos):
    title = ("TRƯỜNG THCS A", "BẢNG ĐIỂM TỔNG HỢP HỌC KỲ II", "Năm học 2026-2027 - Lớp: 9A2")
    parsed = read(xlsx([[1, "HS1", "Lê An", "01/01/2012", 8, 7, "Đ"]], title=title), infos)
    assert parsed.hints == {"class": "9A2", "term": 2, "year": 2026}


# --- Rows -----------------------------------------------------------------------------------
def test_empty_rows_column_numbers_and_the_signature_block_are_not_students(infos):
    rows = [
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"],
        [1, "HS1", "Lê An", "01/01/2012", 8, 7, "Đ"],
        [None] * 7,
        [2, "HS2", "Hà Bình", "02/02/2012", 6, 5, "Đ"],
        [3, None, None, None, None, None, None],  # STT only: an empty line of the template
    ]
    footer = (("Tổng số học sinh: 2", ""), ("GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG"))
    parsed = read(xlsx(rows, footer=footer), infos)
    start = first_row()
    assert [r["n"] for r in parsed.rows] == [start + 1, start + 3]
    assert problems(parsed) == []
    assert parsed.skipped == [start + 4]


def test_a_row_with_results_but_no_name_or_code_is_skipped_with_a_warning(infos):
    rows = [[1, "HS1", "Lê An", "01/01/2012", 8, 7, "Đ"], [2, None, None, None, 6, 5, "Đ"]]
    parsed = read(xlsx(rows), infos)
    assert len(parsed.rows) == 1
    assert problems(parsed) == [(WARNING, "no_name", first_row() + 1, None)]


def test_dates_of_birth_as_text_date_cells_or_serial_numbers(infos):
    import datetime

    rows = [
        [1, "", "Lê An", "24/11/2012", 8, 7, "Đ"],
        [2, "", "Hà Bình", datetime.date(2012, 6, 2), 8, 7, "Đ"],
        [3, "", "Lò Páo", 41247, 8, 7, "Đ"],
        [4, "", "Kim Ra", "2012/31/12", 8, 7, "Đ"],
    ]
    parsed = read(xlsx(rows), infos)
    assert [r["dob"] for r in parsed.rows] == ["2012-11-24", "2012-06-02", "2012-12-04", None]
    assert problems(parsed) == [(ERROR, "bad_date", first_row() + 3, "D")]


def test_codes_stored_as_numbers_keep_their_digits(infos):
    parsed = read(xlsx([[1, 9460100680, "Lê An", "01/01/2012", 8, 7, "Đ"]]), infos)
    assert parsed.rows[0]["code"] == "9460100680"


# --- Cells ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("8,5", "8.5"),
        ("8.5", "8.5"),
        (8.5, "8.5"),
        (" 8,5 ", "8.5"),
        ("10", "10.0"),
        (10, "10.0"),
        (0, "0.0"),
        ("6,50", "6.5"),
        (7.0, "7.0"),
    ],
)
def test_scores_with_a_decimal_comma_or_dot_or_as_numbers(typed, read_as):
    assert parse_score(typed) == (read_as, None)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("8,55", "decimals"),
        (8.55, "decimals"),
        ("11", "not_between"),
        (11, "not_between"),
        ("-1", "not_between"),
        ("10,5", "not_between"),
        ("abc", "not_a_score"),
        ("8,5,1", "not_a_score"),
        ("1e3", "not_a_score"),
        ("Đ", "comment_in_score"),
        ("CĐ", "comment_in_score"),
        ("Chưa đạt", "comment_in_score"),
        ("Miễn", "exempt"),
    ],
)
def test_bad_scores_are_refused_with_the_reason(typed, problem):
    assert parse_score(typed) == (None, problem)


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("Đ", "D"),
        ("đ", "D"),
        ("D", "D"),
        ("Đạt", "D"),
        ("ĐẠT", "D"),
        ("dat", "D"),
        ("CĐ", "CD"),
        ("cđ", "CD"),
        ("CD", "CD"),
        ("Chưa đạt", "CD"),
        ("CHƯA ĐẠT", "CD"),
        ("chua dat", "CD"),
        (None, None),
        ("", None),
    ],
)
def test_comment_results_in_any_case_with_or_without_accents(typed, read_as):
    assert parse_comment(typed) == (read_as, None)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [(7, "number_in_comment"), ("8,5", "number_in_comment"), ("Tốt", "not_a_comment")],
)
def test_bad_comment_results_are_refused_with_the_reason(typed, problem):
    assert parse_comment(typed) == (None, problem)


def test_every_bad_cell_is_named_by_row_column_and_header(infos):
    rows = [
        [1, "HS1", "Lê An", "01/01/2012", "8,55", "11", "Đ"],
        [2, "HS2", "Hà Bình", "02/02/2012", "CĐ", "abc", 7],
        [3, "HS3", "Lò Páo", "03/03/2012", "", "", ""],
    ]
    parsed = read(xlsx(rows), infos)
    start = first_row()
    assert problems(parsed) == [
        (ERROR, "decimals", start, "E"),
        (ERROR, "not_between", start, "F"),
        (ERROR, "comment_in_score", start + 1, "E"),
        (ERROR, "not_a_score", start + 1, "F"),
        (ERROR, "number_in_comment", start + 1, "G"),
    ]
    texts = [issue_text(i[1], i[2]) for r in parsed.rows for i in r["issues"]]
    assert texts[0] == (
        f"Row {start}, column E (Toán): “8,55” has more than one decimal: write at most one "
        "decimal, e.g. 8,5."
    )
    assert texts[1] == f"Row {start}, column F (Ngữ văn): “11” is not between 0 and 10."
    assert texts[4].startswith(f"Row {start + 1}, column G (GDTC): “7” is a number")
    assert parsed.rows[2]["values"] == {}  # empty cells are missing, not errors


def test_music_and_fine_arts_make_one_arts_result_passed_only_when_both_pass(infos, ids):
    header = [*HEADER[:4], "Âm nhạc", "Mĩ thuật"]
    rows = [
        [1, "HS1", "Lê An", "01/01/2012", "Đ", "Đ"],
        [2, "HS2", "Hà Bình", "02/02/2012", "Đ", "CĐ"],
        [3, "HS3", "Lò Páo", "03/03/2012", "Chưa đạt", "Đạt"],
        [4, "HS4", "Kim Ra", "04/04/2012", "Đ", ""],
    ]
    parsed = read(xlsx(rows, header=header), infos)
    assert [r["values"].get(ids["NT"]) for r in parsed.rows] == ["D", "CD", "CD", None]
    assert problems(parsed) == [(WARNING, "arts_half", first_row() + 3, None)]


def test_an_arts_column_and_its_parts_together_are_an_error(infos):
    header = [*HEADER[:4], "Nghệ thuật", "Âm nhạc", "Mĩ thuật"]
    parsed = read(xlsx([[1, "HS1", "Lê An", "01/01/2012", "Đ", "Đ", "Đ"]], header=header), infos)
    assert [p[1] for p in problems(parsed)] == ["duplicate_column", "duplicate_column"]


@pytest.mark.parametrize(
    ("typed", "conduct"),
    [
        ("Tốt", "tot"),
        ("T", "tot"),
        ("KHÁ", "kha"),
        ("Đạt", "dat"),
        ("CĐ", "chua_dat"),
        ("TB", "tb"),
    ],
)
def test_conduct_is_read_as_a_level(infos, typed, conduct):
    header = [*HEADER, "KQRL"]
    parsed = read(xlsx([[1, "HS1", "Lê An", "01/01/2012", 8, 7, "Đ", typed]], header=header), infos)
    assert parsed.rows[0]["conduct"] == conduct


def test_a_conduct_that_is_not_a_level_is_an_error(infos):
    header = [*HEADER, "Rèn luyện"]
    parsed = read(
        xlsx([[1, "HS1", "Lê An", "01/01/2012", 8, 7, "Đ", "Giỏi"]], header=header), infos
    )
    assert problems(parsed) == [(ERROR, "not_conduct", first_row(), "H")]


# --- The shipped samples --------------------------------------------------------------------
def test_the_clean_sample_reads_without_any_problem(infos, ids):
    parsed = read(samples.clean_sample(), infos, samples.CLEAN_NAME)
    assert problems(parsed) == []
    assert len(parsed.rows) == 10
    assert len({c["subject"] for c in parsed.columns if c["subject"]}) == 12
    assert parsed.hints == {"class": "9A1", "term": 1, "year": 2026}
    tuan = parsed.rows[-1]
    assert tuan["name"] == "Nguyễn Tấn Tuấn"
    assert tuan["values"][ids["TOAN"]] == "3.9"
    assert tuan["values"][ids["GDTC"]] == "CD"
    assert tuan["level"] == "Chưa đạt"


def test_the_faulty_sample_shows_exactly_its_cell_and_column_mistakes(infos):
    parsed = read(samples.faulty_sample(), infos, samples.FAULTY_NAME)
    expected = [
        (ERROR, key, row, col)
        for key, row, col in samples.FAULTY_ERRORS
        if key not in ("in_other_class", "duplicate_student")  # found against the class
    ]
    assert problems(parsed) == sorted(expected, key=lambda p: (p[2] or 0, p[3] or "", p[1]))
    assert len(parsed.rows) == 12  # ten students, one of 9A2, one twice; the empty row skipped


def test_the_files_shipped_in_docs_samples_are_the_builders(infos, settings):
    folder = settings.BASE_DIR / "docs" / "samples"
    clean = read((folder / samples.CLEAN_NAME).read_bytes(), infos, samples.CLEAN_NAME)
    faulty = read((folder / samples.FAULTY_NAME).read_bytes(), infos, samples.FAULTY_NAME)
    assert problems(clean) == []
    assert problems(faulty) == problems(read(samples.faulty_sample(), infos, samples.FAULTY_NAME))
    assert clean.rows == read(samples.clean_sample(), infos).rows


def test_the_sample_students_are_the_demo_schools_grade_9_students():
    """The samples import into the demo as they are: if the demo's students change, rebuild the
    samples (python -m tutoring.samples) with the new names."""
    from schools.demo import DemoOptions, plan_school

    plan = plan_school(0, DemoOptions())
    by_code = {s.code: s for s in plan.students}
    for student in (*samples.STUDENTS, samples.OTHER_CLASS_STUDENT):
        planned = by_code[student.code]
        assert f"{planned.family_name} {planned.given_name}" == student.full_name
        assert (planned.date_of_birth, planned.grade) == (student.date_of_birth, 9)
