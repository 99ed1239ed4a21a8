"""Class list export: a pure function from rows to XLSX bytes (no queries inside).

Hardened against what people type: text is written as text (a name starting with "=" or a phone
starting with "+" is never a formula and shows exactly as typed), control characters are dropped
instead of crashing, and class names like "6/1" make a legal sheet title. The headers are the ones
the roster import recognises, so an exported list can be corrected and imported back.
"""

import datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from lib.formatting import format_date
from lib.xlsx import (
    BODY_FONT,
    BOLD_FONT,
    BORDER,
    CENTER,
    TITLE_FONT,
    put_text,
    sheet_title,
    workbook_bytes,
)

DATE_FORMAT = "DD/MM/YYYY"


def classroom_list_xlsx(
    classroom, students, *, on: datetime.date, include_ethnicity: bool = True
) -> bytes:
    """students: already scoped and ordered the Vietnamese way, with guardians prefetched.

    ``include_ethnicity``: ethnicity is sensitive data (Decree 356/2025); only the people who
    work with the family get it in a file that can leave the building.
    """
    columns = [
        (_("No."), 6),
        (_("Student code"), 14),
        (_("Family and middle name"), 22),
        (_("Given name"), 10),
        (_("Date of birth"), 13),
        (_("Gender"), 9),
    ]
    if include_ethnicity:
        columns.append((_("Ethnicity"), 11))
    columns += [(_("Address"), 34), (_("Parent / guardian"), 24), (_("Phone"), 14)]
    last = get_column_letter(len(columns))

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(classroom.name)
    school = classroom.school_year.school
    put_text(ws["A1"], school.name.upper())
    ws["A1"].font = BOLD_FONT
    put_text(
        ws["A3"],
        _("CLASS LIST %(name)s – SCHOOL YEAR %(year)s")
        % {"name": classroom.name, "year": classroom.school_year.name},
    )
    ws["A3"].font = TITLE_FONT
    ws["A3"].alignment = CENTER
    ws.merge_cells(f"A3:{last}3")
    ws["A4"] = _("As of %(date)s") % {"date": format_date(on)}
    ws["A4"].font = BODY_FONT
    ws["A4"].alignment = CENTER
    ws.merge_cells(f"A4:{last}4")

    header_row = 6
    for index, (label, width) in enumerate(columns, start=1):
        cell = ws.cell(row=header_row, column=index)
        put_text(cell, label)
        cell.font = BOLD_FONT
        cell.alignment = CENTER
        cell.border = BORDER
        ws.column_dimensions[get_column_letter(index)].width = width

    row = header_row
    for number, student in enumerate(students, start=1):
        row += 1
        guardian = next(iter(student.guardians.all()), None)
        address = ", ".join(p for p in (student.address, student.hamlet, student.commune) if p)
        values = [
            student.code,
            student.family_name,
            student.given_name,
            None,  # date of birth: a real date, below
            student.get_gender_display(),
        ]
        if include_ethnicity:
            values.append(student.ethnicity)
        values += [
            address,
            guardian.full_name if guardian else "",
            guardian.phone if guardian else "",
        ]
        ws.cell(row=row, column=1, value=number)
        for index, value in enumerate(values, start=2):
            if value is not None:
                put_text(ws.cell(row=row, column=index), value)
        birth = ws.cell(row=row, column=5, value=student.date_of_birth)
        birth.number_format = DATE_FORMAT
        for cell in ws[row]:
            cell.font = BODY_FONT
            cell.border = BORDER

    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{last}{row}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return workbook_bytes(wb)
