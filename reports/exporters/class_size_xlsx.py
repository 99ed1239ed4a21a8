"""The monthly class-size report as XLSX (openpyxl), for the office to read and check.

One sheet "Sĩ số": the NĐ 30 heading (governing body, school, number | quốc hiệu, tiêu ngữ, place
and date), the title with the month, the S3 head merged over three rows with the numbering row
(1)…(23), then for each grade block its row followed by one row per class, and "Tổng cộng".
Counts are numbers; block rows are SUM formulas over their classes and the total row adds the
block rows (minus, in (8)/(10)/(16)/(17), the class moves inside the block or the school, written
into the formula so the office sees it); every dropout rate is a formula over the count cells.
A second sheet lists the students who dropped out in the month when the data object carries
names. Times New Roman throughout, borders, print area, A4 landscape fitted to the width, frozen
head.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lib.xlsx import BORDER, FONT_NAME, put_text, workbook_bytes
from reports.class_size import (
    COLUMN_COUNT,
    CUM_MOVE_COLUMNS,
    FIGURE_COLUMNS,
    MONTH_MOVE_COLUMNS,
    RATE_COLUMN,
    ClassSizeReport,
    ReportRow,
)

SHEET = "Sĩ số"
DROPOUT_SHEET = "DS bỏ học"
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00"
DATE_FORMAT = "DD/MM/YYYY"

BODY = Font(name=FONT_NAME, size=11)
BODY_ITALIC = Font(name=FONT_NAME, size=11, italic=True)
BOLD = Font(name=FONT_NAME, size=11, bold=True)
HEAD = Font(name=FONT_NAME, size=10, bold=True)
NUMBERING = Font(name=FONT_NAME, size=10, italic=True)
HEADING = Font(name=FONT_NAME, size=12)
HEADING_BOLD = Font(name=FONT_NAME, size=12, bold=True)
HEADING_ITALIC = Font(name=FONT_NAME, size=12, italic=True)
TITLE = Font(name=FONT_NAME, size=14, bold=True)
NOTE = Font(name=FONT_NAME, size=10, italic=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")

HEAD_TOP = 8  # first row of the table head
NUMBERING_ROW = HEAD_TOP + 3
FIRST_DATA_ROW = NUMBERING_ROW + 1
WIDTHS = {1: 5, 2: 11, 3: 6, 23: 34}
DEFAULT_WIDTH = 7.5
LAST = get_column_letter(COLUMN_COUNT)
NOTE_CHARS_PER_LINE = 40  # of 9 pt text in the (23) column


def _col(number: int) -> str:
    return get_column_letter(number)


def _merge_text(ws, cells: str, value: str, font: Font, alignment: Alignment = CENTER) -> None:
    first = cells.split(":")[0]
    put_text(ws[first], value)
    ws[first].font = font
    ws[first].alignment = alignment
    ws.merge_cells(cells)


def _heading(ws, report: ClassSizeReport) -> None:
    if report.governing_body:
        _merge_text(ws, "A1:H1", report.governing_body.upper(), HEADING)
    _merge_text(ws, "A2:H2", report.school_name.upper(), HEADING_BOLD)
    _merge_text(ws, "A3:H3", report.document_number, HEADING)
    _merge_text(ws, f"M1:{LAST}1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", HEADING_BOLD)
    _merge_text(ws, f"M2:{LAST}2", "Độc lập - Tự do - Hạnh phúc", HEADING_BOLD)
    _merge_text(ws, f"M3:{LAST}3", report.place_date, HEADING_ITALIC)
    _merge_text(ws, f"A5:{LAST}5", report.title, TITLE)
    _merge_text(
        ws,
        f"A6:{LAST}6",
        f"Năm học {report.year_name} – số liệu tính đến ngày {report.as_of:%d/%m/%Y}",
        HEADING_ITALIC,
    )


def _table_head(ws, report: ClassSizeReport) -> None:
    for header_row in report.header_rows:
        for cell in header_row:
            top = HEAD_TOP + cell.row
            bottom = top + cell.rowspan - 1
            right = cell.col + cell.colspan - 1
            target = ws.cell(row=top, column=cell.col)
            put_text(target, cell.text)
            if bottom > top or right > cell.col:
                ws.merge_cells(
                    start_row=top, start_column=cell.col, end_row=bottom, end_column=right
                )
    for row in range(HEAD_TOP, NUMBERING_ROW):
        for column in range(1, COLUMN_COUNT + 1):
            cell = ws.cell(row=row, column=column)
            cell.font = HEAD
            cell.alignment = CENTER
            cell.border = BORDER
    for column, label in enumerate(report.numbering, start=1):
        cell = ws.cell(row=NUMBERING_ROW, column=column)
        put_text(cell, label)
        cell.font = NUMBERING
        cell.alignment = CENTER
        cell.border = BORDER
    ws.row_dimensions[HEAD_TOP].height = 30
    ws.row_dimensions[HEAD_TOP + 1].height = 30
    ws.row_dimensions[HEAD_TOP + 2].height = 30


def _rate_formula(row: int) -> str:
    start, dropped = _col(4), _col(18)
    return f"=IF({start}{row}>0,{dropped}{row}/{start}{row}*100,0)"


def _minus(column: int, row: ReportRow) -> str:
    if column in MONTH_MOVE_COLUMNS and row.internal_month:
        return f"-{row.internal_month}"
    if column in CUM_MOVE_COLUMNS and row.internal_cum:
        return f"-{row.internal_cum}"
    return ""


def _write_row(ws, excel_row: int, row: ReportRow, formulas: dict[int, str] | None) -> None:
    """One table row: the figures as numbers (classes) or formulas (blocks, total)."""
    if row.number.isdigit():
        ws.cell(row=excel_row, column=1, value=int(row.number))
    elif row.number:
        put_text(ws.cell(row=excel_row, column=1), row.number)
    marked = row.is_class and not row.confirmed
    put_text(ws.cell(row=excel_row, column=2), row.label + (" (*)" if marked else ""))
    for (column, _name), value in zip(FIGURE_COLUMNS, row.values, strict=True):
        cell = ws.cell(row=excel_row, column=column)
        if column == RATE_COLUMN:
            cell.value = _rate_formula(excel_row)
            cell.number_format = RATE_FORMAT
        elif formulas is not None:
            cell.value = formulas[column]
            cell.number_format = COUNT_FORMAT
        else:
            cell.value = int(value)
            cell.number_format = COUNT_FORMAT
    put_text(ws.cell(row=excel_row, column=COLUMN_COUNT), row.note)
    font = BOLD if not row.is_class else (BODY if row.confirmed else BODY_ITALIC)
    for column in range(1, COLUMN_COUNT + 1):
        cell = ws.cell(row=excel_row, column=column)
        cell.font = font
        cell.border = BORDER
        if column in (1, 3):
            cell.alignment = CENTER
        elif column == 2 or column == COLUMN_COUNT:
            cell.alignment = LEFT
        else:
            cell.alignment = RIGHT
    ws.cell(row=excel_row, column=COLUMN_COUNT).font = Font(
        name=FONT_NAME, size=9, italic=marked, bold=False
    )
    # Spreadsheets do not grow a row for wrapped text written by a program: size it here.
    lines = max(1, -(-len(row.note) // NOTE_CHARS_PER_LINE))
    ws.row_dimensions[excel_row].height = max(16, 12.5 * lines + 3)


def _layout(report: ClassSizeReport) -> list[tuple[ReportRow, list[ReportRow]]]:
    """(block row, its class rows) in printing order; the total row is last in ``report.rows``."""
    groups: list[tuple[ReportRow, list[ReportRow]]] = []
    for row in report.rows:
        if row.kind == "block":
            groups.append((row, []))
        elif row.is_class and groups:
            groups[-1][1].append(row)
    return groups


def _table_body(ws, report: ClassSizeReport) -> int:
    excel_row = FIRST_DATA_ROW
    block_rows: list[tuple[int, ReportRow]] = []
    for block, classes in _layout(report):
        block_at = excel_row
        first, last = block_at + 1, block_at + len(classes)
        formulas = {}
        for column, _name in FIGURE_COLUMNS:
            letter = _col(column)
            total = f"SUM({letter}{first}:{letter}{last})" if classes else "0"
            formulas[column] = f"={total}{_minus(column, block)}"
        _write_row(ws, block_at, block, formulas)
        block_rows.append((block_at, block))
        for offset, row in enumerate(classes, start=1):
            _write_row(ws, block_at + offset, row, None)
        excel_row = last + 1
    total = report.total
    formulas = {}
    for column, _name in FIGURE_COLUMNS:
        letter = _col(column)
        parts = "+".join(f"{letter}{at}" for at, _row in block_rows) or "0"
        formulas[column] = f"={parts}{_minus(column, total)}"
    _write_row(ws, excel_row, total, formulas)
    return excel_row


def _notes(ws, report: ClassSizeReport, after: int) -> int:
    row = after + 1
    for note in report.table_notes:
        row += 1
        _merge_text(ws, f"A{row}:{LAST}{row}", note, NOTE, LEFT)
        ws.row_dimensions[row].height = 28
    return row


def _page_setup(ws, last_row: int) -> None:
    for column in range(1, COLUMN_COUNT + 1):
        ws.column_dimensions[_col(column)].width = WIDTHS.get(column, DEFAULT_WIDTH)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=3)
    ws.print_area = f"A1:{LAST}{last_row}"
    ws.print_title_rows = f"{HEAD_TOP}:{NUMBERING_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = 0.8
    ws.page_margins.right = 0.6
    ws.page_margins.top = 0.8
    ws.page_margins.bottom = 0.8
    ws.print_options.horizontalCentered = True


def _dropout_sheet(wb: Workbook, report: ClassSizeReport) -> None:
    ws = wb.create_sheet(DROPOUT_SHEET)
    headers = [
        ("TT", 5),
        ("Họ và tên", 26),
        ("Lớp", 8),
        ("Ngày sinh", 12),
        ("Nữ", 5),
        ("Dân tộc", 10),
        ("Ngày nghỉ học", 13),
        ("Nguyên nhân (mã nhóm 1–5)", 14),
        ("Kết quả (đã trở lại / chưa)", 16),
    ]
    last = get_column_letter(len(headers))
    _merge_text(ws, f"A1:{last}1", report.school_name.upper(), HEADING_BOLD, LEFT)
    _merge_text(
        ws, f"A3:{last}3", f"DANH SÁCH HỌC SINH BỎ HỌC TRONG THÁNG {report.month_label}", TITLE
    )
    head = 5
    for column, (label, width) in enumerate(headers, start=1):
        cell = ws.cell(row=head, column=column)
        put_text(cell, label)
        cell.font = HEAD
        cell.alignment = CENTER
        cell.border = BORDER
        ws.column_dimensions[get_column_letter(column)].width = width
        number = ws.cell(row=head + 1, column=column)
        put_text(number, f"({column})")
        number.font = NUMBERING
        number.alignment = CENTER
        number.border = BORDER
    row = head + 1
    for line in report.dropouts or []:
        row += 1
        ws.cell(row=row, column=1, value=line.number)
        put_text(ws.cell(row=row, column=2), line.full_name)
        put_text(ws.cell(row=row, column=3), line.classroom)
        ws.cell(row=row, column=4, value=line.date_of_birth).number_format = DATE_FORMAT
        put_text(ws.cell(row=row, column=5), "x" if line.female else "")
        put_text(ws.cell(row=row, column=6), line.ethnicity)
        ws.cell(row=row, column=7, value=line.date).number_format = DATE_FORMAT
        put_text(ws.cell(row=row, column=8), line.causes_text)
        put_text(ws.cell(row=row, column=9), "Đã trở lại lớp" if line.returned else "Chưa")
        for column in range(1, len(headers) + 1):
            cell = ws.cell(row=row, column=column)
            cell.font = BODY
            cell.border = BORDER
            cell.alignment = LEFT if column in (2, 6) else CENTER
    row += 2
    _merge_text(ws, f"A{row}:{last}{row}", report.footnote_causes, NOTE, LEFT)
    ws.row_dimensions[row].height = 28
    row += 1
    groups = "; ".join(f"{code} – {label}" for code, label in report.cause_groups.items())
    _merge_text(ws, f"A{row}:{last}{row}", f"Mã nhóm nguyên nhân: {groups}.", NOTE, LEFT)
    ws.row_dimensions[row].height = 42
    ws.freeze_panes = ws.cell(row=head + 2, column=1)
    ws.print_area = f"A1:{last}{row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def class_size_xlsx(report: ClassSizeReport) -> bytes:
    """XLSX bytes of the report (the dropout list only if the data object carries names)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _heading(ws, report)
    _table_head(ws, report)
    total_row = _table_body(ws, report)
    last_row = _notes(ws, report, total_row)
    _page_setup(ws, last_row)
    if report.dropouts:
        _dropout_sheet(wb, report)
    return workbook_bytes(wb)
