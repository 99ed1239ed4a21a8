"""Sample gradebook files shaped like SMAS / vnEdu exports, for people to try the results import.

The same builder makes the two files shipped in ``docs/samples/`` and the files the tests upload,
so the documentation and the tests cannot drift apart. Plain openpyxl, no Django state.

The students are ten students of class 9A1 of the demo school (Trường THCS Long Phú, school year
2026-2027, ``manage.py seed_demo``: the demo is deterministic), and one of 9A2.

Write the files again with: ``.venv/bin/python -m tutoring.samples``
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lib.xlsx import BODY_FONT, BOLD_FONT, BORDER, CENTER, FONT_NAME, LEFT, workbook_bytes

from . import rules

CLEAN_NAME = "bang-diem-hk1-9A1-mau.xlsx"
FAULTY_NAME = "bang-diem-hk1-9A1-loi.xlsx"

TITLE_LINES = (
    "PHÒNG GD&ĐT LONG PHÚ",
    "TRƯỜNG THCS LONG PHÚ",
    "",
    "BẢNG ĐIỂM TỔNG HỢP HỌC KỲ I",
    "Năm học 2026 - 2027      Lớp: 9A1",
    "",
)
FOOTER_LINES = (
    ("", "Long Phú, ngày 16 tháng 01 năm 2027"),
    ("GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG"),
)
FIXED = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh"]
SCORED = ["Toán", "Ngữ văn", "Tiếng Anh", "GDCD", "LS&ĐL", "KHTN", "Công nghệ", "Tin học"]
COMMENTED = ["GDTC", "Âm nhạc", "Mĩ thuật", "HĐTN-HN", "GDĐP"]
RESULTS = ["KQHT", "KQRL"]
SCORE_GROUP = "Điểm trung bình môn học kỳ I"
COMMENT_GROUP = "Môn học đánh giá bằng nhận xét"


@dataclass(frozen=True)
class SampleStudent:
    code: str
    full_name: str
    date_of_birth: datetime.date
    scores: tuple[str, ...]  # in SCORED order, decimal comma
    comments: tuple[str, ...]  # in COMMENTED order, "Đ" / "CĐ"
    conduct: str

    @property
    def family_name(self) -> str:
        return self.full_name.rsplit(" ", 1)[0]

    @property
    def given_name(self) -> str:
        return self.full_name.rsplit(" ", 1)[1]


D5 = ("Đ",) * 5

# Ten students of the demo's 9A1, in class-list order; a few weak scores (below 5,0).
STUDENTS = (
    SampleStudent(
        "9460100680",
        "Dương Nhật Cường",
        datetime.date(2012, 11, 24),
        ("7,8", "6,5", "7,0", "8,5", "7,3", "6,9", "8,0", "8,4"),
        D5,
        "Tốt",
    ),
    SampleStudent(
        "9460100686",
        "Ngô Kim Diễm",
        datetime.date(2012, 6, 2),
        ("8,9", "8,2", "9,1", "9,0", "8,6", "8,4", "8,8", "9,2"),
        D5,
        "Tốt",
    ),
    SampleStudent(
        "9460100661",
        "Kim Đa Ra",
        datetime.date(2012, 9, 19),
        ("4,2", "5,1", "3,8", "6,5", "5,6", "5,0", "6,2", "6,0"),
        D5,
        "Khá",
    ),
    SampleStudent(
        "9460100695",
        "Lê Ngọc Bảo Hạnh",
        datetime.date(2012, 4, 11),
        ("6,8", "7,4", "6,1", "8,0", "7,2", "6,6", "7,5", "7,9"),
        D5,
        "Tốt",
    ),
    SampleStudent(
        "9460100679",
        "Bùi Gia Lâm",
        datetime.date(2012, 1, 20),
        ("5,5", "4,9", "5,2", "7,0", "6,1", "5,4", "6,8", "6,5"),
        D5,
        "Khá",
    ),
    SampleStudent(
        "9460100676",
        "Sơn Thị Mây",
        datetime.date(2012, 9, 7),
        ("6,0", "6,3", "4,5", "7,8", "6,4", "5,9", "7,1", "6,7"),
        D5,
        "Tốt",
    ),
    SampleStudent(
        "9460100664",
        "Nguyễn Quốc Nam",
        datetime.date(2012, 8, 9),
        ("9,4", "7,6", "8,3", "8,8", "8,1", "9,0", "8,5", "9,5"),
        D5,
        "Tốt",
    ),
    SampleStudent(
        "9460100677",
        "Dương Thị Ngọc Như",
        datetime.date(2012, 8, 19),
        ("7,2", "8,0", "7,7", "8,6", "7,9", "7,1", "8,2", "8,0"),
        D5,
        "Tốt",
    ),
    SampleStudent(
        "9460100692",
        "Quách Thị Mỹ Thảo",
        datetime.date(2012, 6, 26),
        ("6,4", "7,1", "6,9", "7,5", "6,8", "6,2", "7,0", "7,3"),
        D5,
        "Khá",
    ),
    SampleStudent(
        "9460100667",
        "Nguyễn Tấn Tuấn",
        datetime.date(2012, 6, 21),
        ("3,9", "4,6", "4,1", "6,0", "5,2", "4,8", "5,5", "5,8"),
        ("CĐ", "Đ", "Đ", "Đ", "Đ"),
        "Đạt",
    ),
)
# A student of 9A2 of the same school (the faulty file lists them by mistake).
OTHER_CLASS = "9A2"
OTHER_CLASS_STUDENT = SampleStudent(
    "9460100702",
    "Lê Gia An",
    datetime.date(2012, 9, 26),
    ("6,5", "6,0", "7,2", "7,5", "6,8", "6,1", "7,0", "7,4"),
    D5,
    "Khá",
)

# The faulty file: (student code, column header) -> what is typed instead; and what it adds.
FAULTY_CELLS = {
    ("9460100686", "Toán"): "8,55",
    ("9460100661", "Ngữ văn"): "11",
    ("9460100695", "Toán"): "CĐ",
    ("9460100679", "GDTC"): 7,
}
UNKNOWN_COLUMN = "Môn tự chọn X"
# Errors a correct reader must find in the faulty file, as (key, row, column letter); the
# duplicated student gives one error on each of their two rows.
FAULTY_ERRORS = (
    ("decimals", 10, "E"),
    ("not_between", 11, "F"),
    ("comment_in_score", 12, "E"),
    ("number_in_comment", 13, "M"),
    ("unknown_column", None, "R"),
    ("in_other_class", 20, None),
    ("duplicate_student", 9, None),
    ("duplicate_student", 21, None),
)


def level_label(student: SampleStudent) -> str:
    """KQHT as the gradebook prints it, by the TT22 rules (so the sample is consistent)."""
    scores = [Decimal(s.replace(",", ".")) for s in student.scores]
    music, fine_arts = student.comments[1], student.comments[2]
    comments = [student.comments[0], rules.arts_assessment(music, fine_arts), *student.comments[3:]]
    return rules.learning_result(scores, comments).level.label


def gradebook(
    rows: Sequence[Sequence],
    *,
    header: Sequence[str],
    groups: Sequence[tuple[str, int, int]] = (),
    title: Sequence[str] = TITLE_LINES,
    footer: Sequence[tuple[str, str]] = FOOTER_LINES,
    sheet: str = "9A1",
) -> Workbook:
    """A gradebook sheet: title lines, the header, ``rows`` (cells in header order), a footer.

    ``groups`` are (label, first, last) 0-based column ranges with a label merged above them:
    the header then takes two rows, the grouped columns' names on the lower one and every other
    name merged down over both, as SMAS prints it."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    width = len(header)
    last = get_column_letter(width)
    for number, line in enumerate(title, start=1):
        cell = ws.cell(row=number, column=1, value=line or None)
        cell.font = Font(name=FONT_NAME, size=14 if number == 4 else 12, bold=number in (2, 4))
        if number >= 4 and line:
            ws.merge_cells(f"A{number}:{last}{number}")
            cell.alignment = CENTER
    top = len(title) + 1
    grouped = {i for _, first, end in groups for i in range(first, end + 1)}
    header_rows = 2 if groups else 1
    for index, label in enumerate(header):
        row = top + 1 if index in grouped else top
        cell = ws.cell(row=row, column=index + 1, value=label)
        if groups and index not in grouped:
            ws.merge_cells(
                start_row=top, start_column=index + 1, end_row=top + 1, end_column=index + 1
            )
    for label, first, end in groups:
        ws.cell(row=top, column=first + 1, value=label)
        ws.merge_cells(start_row=top, start_column=first + 1, end_row=top, end_column=end + 1)
    for row in ws.iter_rows(min_row=top, max_row=top + header_rows - 1, max_col=width):
        for cell in row:
            cell.font, cell.alignment, cell.border = BOLD_FONT, CENTER, BORDER
    first_row = top + header_rows
    for offset, values in enumerate(rows):
        for index, value in enumerate(values):
            cell = ws.cell(row=first_row + offset, column=index + 1, value=value)
            cell.font, cell.border = BODY_FONT, BORDER
            cell.alignment = LEFT if index in (1, 2) else Alignment(horizontal="center")
            if isinstance(value, float):
                cell.number_format = "0.0"
    end = first_row + len(rows) + 1
    for offset, (left, right) in enumerate(footer):
        if left:
            ws.cell(row=end + offset, column=3, value=left).font = BOLD_FONT
        if right:
            column = max(width - 6, 4)
            ws.cell(row=end + offset, column=column, value=right).font = (
                BOLD_FONT if offset else Font(name=FONT_NAME, size=12, italic=True)
            )
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 13
    ws.column_dimensions["C"].width = 24
    ws.column_dimensions["D"].width = 12
    for index in range(4, width):
        ws.column_dimensions[get_column_letter(index + 1)].width = 8
    ws.row_dimensions[top + header_rows - 1].height = 32
    return workbook


def student_row(number: int, student: SampleStudent, *, numeric: bool = False) -> list:
    """STT, code, name, date of birth, the 8 scores (text with a decimal comma, or numbers),
    the 5 comment results, KQHT and KQRL."""
    scores = [float(s.replace(",", ".")) if numeric else s for s in student.scores]
    return [
        number,
        student.code,
        student.full_name,
        student.date_of_birth.strftime("%d/%m/%Y"),
        *scores,
        *student.comments,
        level_label(student),
        student.conduct,
    ]


def _groups(extra: int = 0) -> list[tuple[str, int, int]]:
    first_scored = len(FIXED)
    first_comment = first_scored + len(SCORED)
    return [
        (SCORE_GROUP, first_scored, first_comment - 1),
        (COMMENT_GROUP, first_comment, first_comment + len(COMMENTED) - 1 + extra),
    ]


def clean_sample() -> bytes:
    """Ten students, two-row header, 8 scored subjects and 5 comment columns (Âm nhạc and Mĩ
    thuật make the twelfth subject, Nghệ thuật), KQHT and KQRL; scores as numbers on odd rows
    and as text with a decimal comma on even rows."""
    header = [*FIXED, *SCORED, *COMMENTED, *RESULTS]
    rows = [
        student_row(n, student, numeric=n % 2 == 1) for n, student in enumerate(STUDENTS, start=1)
    ]
    return workbook_bytes(gradebook(rows, header=header, groups=_groups()))


def faulty_sample() -> bytes:
    """The clean file with the mistakes people make (see FAULTY_CELLS and FAULTY_ERRORS): a
    score with two decimals, a score above 10, CĐ in Toán, a number in GDTC, an unknown column,
    an empty row, a student of another class and a student listed twice."""
    header = [*FIXED, *SCORED, *COMMENTED, UNKNOWN_COLUMN, *RESULTS]
    at = {label: index for index, label in enumerate(header)}
    rows: list[list] = []
    listed = [*STUDENTS, OTHER_CLASS_STUDENT, STUDENTS[0]]
    for number, student in enumerate(listed, start=1):
        row = student_row(number, student)
        row.insert(at[UNKNOWN_COLUMN], "8,0" if number % 3 == 0 else None)
        for (code, column), value in FAULTY_CELLS.items():
            if code == student.code and number <= len(STUDENTS):
                row[at[column]] = value
        rows.append(row)
        if number == 6:
            rows.append([None] * len(header))  # an empty row in the middle
    return workbook_bytes(gradebook(rows, header=header, groups=_groups(extra=1)))


def write_samples(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in ((CLEAN_NAME, clean_sample), (FAULTY_NAME, faulty_sample)):
        path = directory / name
        path.write_bytes(build())
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/samples")
    for path in write_samples(target):
        print(path)  # noqa: T201 - a script's output
