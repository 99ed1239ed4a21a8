"""openpyxl helpers shared by every exporter: fonts, borders, safe cell values."""

import re
from io import BytesIO

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side

FONT_NAME = "Times New Roman"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BODY_FONT = Font(name=FONT_NAME, size=12)
BOLD_FONT = Font(name=FONT_NAME, size=12, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=False)


def safe_text(value):
    """Neutralise spreadsheet formula injection in text that people typed (=, +, -, @)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def workbook_bytes(workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Hardened writers (use these in new code) ----------------------------------------------------
# ``safe_text`` above shows a visible apostrophe ("'+84912…"). ``put_text`` keeps the value exactly
# as typed, stores it as a string (openpyxl would otherwise turn "=…" into a live formula) and
# sets Excel's hidden quote prefix so re-editing the cell cannot make it a formula either.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")


def clean_text(value) -> str:
    """A string without the control characters that openpyxl refuses (they would raise a 500)."""
    if value is None:
        return ""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def put_text(cell, value) -> None:
    """Write typed text into a cell: never a formula, never a crash, shown exactly as typed."""
    text = clean_text(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def sheet_title(text, default: str = "Sheet") -> str:
    """A legal worksheet title: class names like "6/1" are common, "/" is forbidden in titles."""
    title = _SHEET_TITLE_FORBIDDEN.sub("-", clean_text(text)).strip().strip("'")[:31].strip()
    return title or default
