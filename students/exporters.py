"""Class list export: a pure function from rows to XLSX bytes (no queries inside)."""

import datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook

from lib.formatting import format_date
from lib.xlsx import BODY_FONT, BOLD_FONT, BORDER, CENTER, TITLE_FONT, safe_text, workbook_bytes


def classroom_list_xlsx(classroom, students, *, on: datetime.date) -> bytes:
    """students: already scoped and ordered the Vietnamese way, with guardians prefetched."""
    wb = Workbook()
    ws = wb.active
    ws.title = str(classroom.name)[:31]
    school = classroom.school_year.school
    ws["A1"] = safe_text(school.name.upper())
    ws["A1"].font = BOLD_FONT
    ws["A3"] = _("CLASS LIST %(name)s – SCHOOL YEAR %(year)s") % {
        "name": classroom.name,
        "year": classroom.school_year.name,
    }
    ws["A3"].font = TITLE_FONT
    ws.merge_cells("A3:J3")
    ws["A3"].alignment = CENTER
    ws["A4"] = _("As of %(date)s") % {"date": format_date(on)}
    ws.merge_cells("A4:J4")
    ws["A4"].alignment = CENTER
    ws["A4"].font = BODY_FONT
    headers = [
        _("No."),
        _("Student code"),
        _("Family and middle name"),
        _("Given name"),
        _("Date of birth"),
        _("Gender"),
        _("Ethnicity"),
        _("Address"),
        _("Parent / guardian"),
        _("Phone"),
    ]
    ws.append([])
    ws.append(headers)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = BOLD_FONT
        cell.alignment = CENTER
        cell.border = BORDER
    for number, student in enumerate(students, start=1):
        guardian = next(iter(student.guardians.all()), None)
        address = ", ".join(p for p in (student.address, student.hamlet, student.commune) if p)
        ws.append(
            [
                number,
                safe_text(student.code),
                safe_text(student.family_name),
                safe_text(student.given_name),
                format_date(student.date_of_birth),
                student.get_gender_display(),
                safe_text(student.ethnicity),
                safe_text(address),
                safe_text(guardian.full_name) if guardian else "",
                safe_text(guardian.phone) if guardian else "",
            ]
        )
        for cell in ws[ws.max_row]:
            cell.font = BODY_FONT
            cell.border = BORDER
    widths = [6, 14, 22, 10, 13, 9, 11, 34, 24, 14]
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(65 + index)].width = width
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    return workbook_bytes(wb)
