"""Reading class lists into plain rows: XLSX or CSV from SMAS, vnEdu, the ministry's database, our
own class-list export, or typed by hand. No queries here; matching the rows against the school's
students is ``services_import.roster_import_plan``.

What other systems get wrong and this reader does not (PEERS.md: openSIS #30/#56/#139):
- headers are matched loosely (accents, case, punctuation, "(dd/mm/yyyy)" notes, two-row headers
  "Họ và tên" over "Họ đệm | Tên", a "Nữ" column ticked with x) and the page says which were read;
- dates may be real Excel dates, Excel serial numbers or text (dd/mm/yyyy, d-m-yyyy, dd.mm.yyyy);
- codes and phones stored as numbers get their text back (a phone loses its leading 0 in Excel);
- names typed in capitals are written properly ("NGUYỄN VĂN AN" -> "Nguyễn Văn An");
- title lines, column-number lines "(1) (2) (3)" and the signature block are not students.

Every problem is kept on its row as (level, key, params) so the preview can show all of them at
once, in the reader's language; ``issue_text`` turns one into a sentence.
"""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from lib.formatting import parse_date
from lib.vietnamese import normalize_spaces, split_full_name, title_name, unaccent

from .models import Guardian

MAX_ROWS = 3000  # a school has at most about 2,000 students
MAX_SHEETS = 80  # one sheet per class is common: up to 45 classes
MAX_COLUMNS = 60
MAX_SCAN_ROWS = 6000  # per sheet, blank and title rows included
MAX_BLANK_RUN = 200  # a sheet "formatted" down to row 1,048,576 ends here
MAX_UNZIPPED_BYTES = 80 * 1024 * 1024  # zip bombs: refuse before openpyxl inflates anything
HEADER_SEARCH_ROWS = 30

ERROR = "error"
WARNING = "warning"

# --- File-level problems (raised as ValidationError; nothing is stored) ---------------------------
MSG_FILE_EMPTY = _("The file is empty.")
MSG_FILE_TYPE = _("Upload an Excel file (.xlsx) or a CSV file.")
MSG_OLD_XLS = _(
    "This is an old .xls file or a workbook with a password. Open it in Excel and save it as "
    ".xlsx, without a password."
)
MSG_UNREADABLE = _("The file could not be read as an Excel workbook.")
MSG_TOO_MANY_ROWS = _("The file has more than %(max)s students: split it into several files.")
MSG_NO_HEADER = _(
    "No header row found. The file needs a header row with at least the full name (Họ và tên) "
    "and the date of birth (Ngày sinh) or the student code (Mã học sinh)."
)
MSG_NO_ROWS = _("The file has a header row but no students under it.")

# --- Row-level problems (kept on the row) ---------------------------------------------------------
MSG_BAD_DATE = _("“%(value)s” is not a date: write it as dd/mm/yyyy.")
MSG_BAD_GENDER = _("“%(value)s” is not a gender: write Nam or Nữ.")
MSG_NO_NAME = _("The name is missing.")
MSG_NAME_INCOMPLETE = _("Write the full name: family name and given name.")
MSG_TOO_LONG = _("%(field)s is too long (at most %(max)s characters).")
MSG_PHONE_UNUSUAL = _("The phone number %(value)s looks unusual; it is kept as written.")
MSG_PHONE_SEVERAL = _("Several phone numbers: only the first one is kept.")
MSG_PHONE_WITHOUT_NAME = _("A phone number without a parent's name is not imported.")
MSG_RELATION_UNKNOWN = _("Relation “%(value)s” not recognised: recorded as guardian.")

ROW_MESSAGES = {
    "bad_date": MSG_BAD_DATE,
    "bad_gender": MSG_BAD_GENDER,
    "no_name": MSG_NO_NAME,
    "name_incomplete": MSG_NAME_INCOMPLETE,
    "too_long": MSG_TOO_LONG,
    "phone_unusual": MSG_PHONE_UNUSUAL,
    "phone_several": MSG_PHONE_SEVERAL,
    "phone_without_name": MSG_PHONE_WITHOUT_NAME,
    "relation_unknown": MSG_RELATION_UNKNOWN,
}

# What each field is called on screen (and in MSG_TOO_LONG).
FIELD_LABELS = {
    "code": _("Student code"),
    "full_name": _("Full name"),
    "family_name": _("Family and middle name"),
    "given_name": _("Given name"),
    "date_of_birth": _("Date of birth"),
    "gender": _("Gender"),
    "female_mark": _("Female (x)"),
    "ethnicity": _("Ethnicity"),
    "classroom": _("Class"),
    "hamlet": _("Hamlet / village"),
    "commune": _("Commune / ward"),
    "address": _("Address"),
    "guardian_name": _("Parent / guardian"),
    "father_name": _("Father's name"),
    "mother_name": _("Mother's name"),
    "relation": _("Relation"),
    "phone": _("Phone"),
}

MAX_LENGTHS = {
    "code": 30,
    "family_name": 100,
    "given_name": 50,
    "ethnicity": 50,
    "classroom": 20,
    "hamlet": 120,
    "commune": 120,
    "address": 200,
    "guardian_name": 150,
    "phone": 20,
}

# Headers as people write them, unaccented and lower-cased, punctuation turned into spaces.
# "Mã định danh cá nhân" / "Số CCCD" are citizen ID numbers, not student codes: not read.
HEADERS = {
    "code": {
        "ma hoc sinh",
        "ma hs",
        "ma so hoc sinh",
        "ma so hs",
        "ma so",
        "ma",
        "ma dinh danh",
        "ma dinh danh hoc sinh",
        "ma dinh danh bo gd dt",
        "ma dinh danh bo gddt",
        "ma hoc sinh csdl",
        "student code",
        "code",
    },
    "full_name": {
        "ho va ten",
        "ho ten",
        "ho va ten hoc sinh",
        "ho ten hoc sinh",
        "ten hoc sinh",
        "hoc sinh",
        "full name",
        "name",
    },
    "family_name": {
        "ho dem",
        "ho va dem",
        "ho va ten dem",
        "ho va chu dem",
        "ho lot",
        "ho",
        "family and middle name",
        "family name",
        "surname",
        "last name",
    },
    "given_name": {"ten", "given name", "first name"},
    "date_of_birth": {
        "ngay sinh",
        "ngay thang nam sinh",
        "sinh ngay",
        "ns",
        "date of birth",
        "dob",
        "birth date",
    },
    "gender": {"gioi tinh", "gioi", "phai", "nam nu", "gender", "sex"},
    "female_mark": {"nu", "female"},
    "ethnicity": {"dan toc", "ethnicity"},
    "classroom": {"lop", "ten lop", "lop hoc", "class"},
    "hamlet": {
        "thon",
        "thon xom",
        "thon ban",
        "thon ap",
        "thon to",
        "ap",
        "ban",
        "xom",
        "buon",
        "to dan pho",
        "hamlet village",
        "hamlet",
        "village",
    },
    "commune": {
        "xa",
        "xa phuong",
        "phuong xa",
        "xa phuong thi tran",
        "commune ward",
        "commune",
    },
    "address": {
        "dia chi",
        "so nha",
        "so nha duong",
        "dia chi thuong tru",
        "noi o hien nay",
        "cho o hien nay",
        "noi o",
        "house number street",
        "address",
    },
    "guardian_name": {
        "phu huynh",
        "ho ten phu huynh",
        "ho va ten phu huynh",
        "cha me hoc sinh",
        "ho ten cha me",
        "ho ten cha me hoc sinh",
        "nguoi giam ho",
        "ho ten nguoi giam ho",
        "parent guardian",
        "guardian",
    },
    "father_name": {"ho ten cha", "ho va ten cha", "ho ten bo", "cha", "bo", "father"},
    "mother_name": {"ho ten me", "ho va ten me", "me", "mother"},
    "relation": {"quan he", "quan he voi hoc sinh", "relation"},
    "phone": {
        "so dien thoai",
        "dien thoai",
        "sdt",
        "so dt",
        "dt",
        "dtdd",
        "dien thoai lien he",
        "sdt lien he",
        "sdt phu huynh",
        "so dien thoai phu huynh",
        "dien thoai phu huynh",
        "phone",
        "phone number",
    },
}
IGNORED_HEADERS = {"stt", "tt", "no", "so thu tu", "ghi chu", "notes"}

# Our own export's headers (in whatever language it was made) always read back.
EXPORT_HEADERS = {
    "code": "Student code",
    "family_name": "Family and middle name",
    "given_name": "Given name",
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "address": "Address",
    "guardian_name": "Parent / guardian",
    "phone": "Phone",
}

NAME_FIELDS = {"full_name", "family_name", "given_name"}
NEXT_TO_FULL_NAME = "given_name_beside"
KEY_FIELDS = NAME_FIELDS | {"code", "date_of_birth", "gender"}

MALE = {"nam", "m", "male", "trai", "boy"}
FEMALE = {"nu", "f", "female", "gai", "girl"}
TICKED = {"x", "nu", "1", "co", "v", "yes", "true", "\u2713", "\u221a", "\u2714"}
UNTICKED = {"", "0", "khong", "no", "false", "-"}

# Relations as written, lower-case with accents: "ba" is a father in the South, "bà" a grandmother.
RELATIONS = {
    "cha": Guardian.Relation.FATHER,
    "bố": Guardian.Relation.FATHER,
    "ba": Guardian.Relation.FATHER,
    "tía": Guardian.Relation.FATHER,
    "father": Guardian.Relation.FATHER,
    "mẹ": Guardian.Relation.MOTHER,
    "má": Guardian.Relation.MOTHER,
    "u": Guardian.Relation.MOTHER,
    "mother": Guardian.Relation.MOTHER,
    "ông": Guardian.Relation.GRANDFATHER,
    "ông nội": Guardian.Relation.GRANDFATHER,
    "ông ngoại": Guardian.Relation.GRANDFATHER,
    "grandfather": Guardian.Relation.GRANDFATHER,
    "bà": Guardian.Relation.GRANDMOTHER,
    "bà nội": Guardian.Relation.GRANDMOTHER,
    "bà ngoại": Guardian.Relation.GRANDMOTHER,
    "grandmother": Guardian.Relation.GRANDMOTHER,
    "anh": Guardian.Relation.SIBLING,
    "chị": Guardian.Relation.SIBLING,
    "anh trai": Guardian.Relation.SIBLING,
    "chị gái": Guardian.Relation.SIBLING,
    "anh chị": Guardian.Relation.SIBLING,
    "người giám hộ": Guardian.Relation.GUARDIAN,
    "giám hộ": Guardian.Relation.GUARDIAN,
    "guardian": Guardian.Relation.GUARDIAN,
    "cô": Guardian.Relation.RELATIVE,
    "dì": Guardian.Relation.RELATIVE,
    "chú": Guardian.Relation.RELATIVE,
    "bác": Guardian.Relation.RELATIVE,
    "cậu": Guardian.Relation.RELATIVE,
    "mợ": Guardian.Relation.RELATIVE,
    "thím": Guardian.Relation.RELATIVE,
    "họ hàng": Guardian.Relation.RELATIVE,
    "người thân": Guardian.Relation.RELATIVE,
}

_PARENTHESES = re.compile(r"\(.*?\)")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")
_DATE_LINE = re.compile(r"\bngay\b.*\bthang\b.*\bnam\b")
_FOOTER_START = re.compile(
    r"^(tong so|tong cong|tong:|tong \d|cong:|cong \d|nguoi lap|hieu truong|pho hieu truong|"
    r"giao vien chu nhiem|gvcn|xac nhan|danh sach nay|an dinh)"
)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff]")
_PHONE_SPLIT = re.compile(r"\s*(?:/|,|;|\bhoặc\b|\bor\b|\s-\s)\s*")


@dataclass
class ParsedRoster:
    rows: list[dict] = field(default_factory=list)
    # Per sheet: which headers were read as what (so people see why a column was ignored).
    sheets: list[dict] = field(default_factory=list)
    # Lines under the header that were not read as students (only a name, and so on).
    skipped: list[dict] = field(default_factory=list)


def issue_text(level: str, key: str, params: dict, extra: dict | None = None) -> str:
    """One stored problem as a sentence in the current language."""
    messages = {**ROW_MESSAGES, **(extra or {})}
    message = messages.get(key)
    if message is None:
        return key
    params = dict(params or {})
    if "field" in params:
        params["field"] = FIELD_LABELS.get(params["field"], params["field"])
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):
        return str(message)


def read_roster(content: bytes, file_name: str) -> ParsedRoster:
    """Read an uploaded file. Raises ValidationError for a file that cannot be used at all;
    every problem of a single row stays on that row."""
    if not content:
        raise ValidationError(MSG_FILE_EMPTY)
    name = (file_name or "").lower()
    if content[:4] == b"\xd0\xcf\x11\xe0":  # OLE2: .xls, or an encrypted .xlsx
        raise ValidationError(MSG_OLD_XLS)
    if content[:2] == b"PK":
        sheets = _xlsx_sheets(content)
    elif name.endswith((".csv", ".txt")):
        sheets = [("CSV", _csv_rows(content))]
    else:
        raise ValidationError(MSG_FILE_TYPE)

    parsed = ParsedRoster()
    header_aliases = _header_aliases()
    for title, rows in sheets:
        _read_sheet(parsed, title, rows, header_aliases)
        if len(parsed.rows) > MAX_ROWS:
            raise ValidationError(MSG_TOO_MANY_ROWS % {"max": MAX_ROWS})
    if not any(sheet["read"] for sheet in parsed.sheets):
        raise ValidationError(MSG_NO_HEADER)
    if not parsed.rows:
        raise ValidationError(MSG_NO_ROWS)
    return parsed


# --- Sources --------------------------------------------------------------------------------------
def _xlsx_sheets(content: bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ValidationError(MSG_UNREADABLE) from error
    if len(infos) > 5000 or sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise ValidationError(MSG_UNREADABLE)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any malformed workbook is the same answer
        raise ValidationError(MSG_UNREADABLE) from error
    sheets = []
    for worksheet in workbook.worksheets[:MAX_SHEETS]:
        if getattr(worksheet, "sheet_state", "visible") != "visible":
            continue
        if not hasattr(worksheet, "iter_rows"):  # chart sheets
            continue
        # Some exporters write a wrong <dimension>; without this, read-only mode stops early.
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()
        sheets.append((worksheet.title, _guarded(worksheet)))
    return sheets


def _guarded(worksheet):
    try:
        yield from worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    except Exception as error:  # noqa: BLE001 - a broken sheet half-way is still unreadable
        raise ValidationError(MSG_UNREADABLE) from error


def _csv_rows(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Vietnamese Windows ("ANSI") files; cp1258 decodes any byte, marks combine below.
        text = content.decode("cp1258", errors="replace")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [row[:MAX_COLUMNS] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as error:
        raise ValidationError(MSG_UNREADABLE) from error


# --- One sheet ------------------------------------------------------------------------------------
def _header_aliases() -> dict[str, str]:
    aliases = {}
    for key, names in HEADERS.items():
        for name in names:
            aliases[name] = key
    for key, msgid in EXPORT_HEADERS.items():
        aliases.setdefault(_header_key(msgid), key)
        aliases.setdefault(_header_key(gettext(msgid)), key)
    return aliases


def _header_key(text) -> str:
    text = _PARENTHESES.sub(" ", _text(text)).replace("*", " ")
    return _NOT_WORD.sub(" ", unaccent(text).replace("&", " ")).strip()


def _header_field(text, aliases: dict[str, str]) -> str | None:
    key = _header_key(text)
    if not key or key in IGNORED_HEADERS:
        return None
    if key in aliases:
        return aliases[key]
    for suffix in (" cua hoc sinh", " hoc sinh", " hs"):
        if key.endswith(suffix) and key[: -len(suffix)] in aliases:
            return aliases[key[: -len(suffix)]]
    return None


def _map_header(row, aliases) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, value in enumerate(row):
        key = _header_field(value, aliases)
        if key and key not in found.values():
            found[index] = key
    return found


def _guess_merged_name(mapping: dict[int, str], header_cells: list) -> None:
    """A "Họ và tên" header cell with an empty, unread cell on its right is a merged header over
    two columns (họ đệm | tên): read the right-hand one as the given name when it is filled."""
    if set(mapping.values()) & {"family_name", "given_name"}:
        return
    for index, key in list(mapping.items()):
        if key == "full_name":
            beside = index + 1
            blank = beside >= len(header_cells) or not _text(header_cells[beside])
            if blank and beside not in mapping:
                mapping[beside] = NEXT_TO_FULL_NAME


def _is_header(mapping: dict[int, str]) -> bool:
    fields = set(mapping.values())
    return bool(fields & NAME_FIELDS) and len(fields) >= 2


def _read_sheet(parsed: ParsedRoster, title: str, rows, aliases) -> None:
    info = {"title": title, "read": False, "columns": []}
    parsed.sheets.append(info)
    mapping: dict[int, str] | None = None
    header_cells: list = []
    blank_run = 0
    pending_subheader = False
    for number, row in enumerate(rows, start=1):
        if number > MAX_SCAN_ROWS:
            break
        row = list(row or [])
        if mapping is None:
            if number > HEADER_SEARCH_ROWS:
                break
            candidate = _map_header(row, aliases)
            if _is_header(candidate):
                mapping, header_cells, pending_subheader = candidate, row, True
            continue
        if pending_subheader:
            pending_subheader = False
            sub = _map_header(row, aliases)
            if sub and not any(_as_date(v)[0] for v in row if v not in (None, "")):
                # "Họ và tên" merged over "Họ đệm | Tên": the lower row names the columns.
                for index, key in sub.items():
                    for other in [i for i, k in mapping.items() if k == key]:
                        del mapping[other]
                    mapping[index] = key
                    if index < len(header_cells) and header_cells[index] in (None, ""):
                        header_cells[index] = row[index]
                    elif index >= len(header_cells):
                        header_cells += [None] * (index - len(header_cells)) + [row[index]]
                    else:
                        header_cells[index] = f"{_text(header_cells[index])} / {_text(row[index])}"
                if {"family_name", "given_name"} <= set(mapping.values()):
                    mapping = {i: k for i, k in mapping.items() if k != "full_name"}
                continue
        if NEXT_TO_FULL_NAME not in mapping.values():
            _guess_merged_name(mapping, header_cells)
        texts = [_text(v) for v in row]
        filled = [t for t in texts if t]
        if not filled:
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        if all(_COLUMN_NUMBER.match(t) for t in filled) and len(filled) >= 3:
            continue  # "(1) (2) (3) …" under the header
        first = unaccent(filled[0])
        if _FOOTER_START.match(first) or _DATE_LINE.search(first):
            break  # totals and the signature block
        values = {key: row[i] if i < len(row) else None for i, key in mapping.items()}
        present = {k for k, v in values.items() if k in KEY_FIELDS and _text(v)}
        if not present & NAME_FIELDS and len(present) <= 1:
            parsed.skipped.append({"sheet": title, "n": number, "text": " · ".join(filled)[:120]})
            continue
        if present & NAME_FIELDS and len(present) < 2:
            parsed.skipped.append({"sheet": title, "n": number, "text": " · ".join(filled)[:120]})
            continue
        parsed.rows.append(_read_row(title, number, values))
    if mapping is not None:
        info["read"] = True
        for index, cell in enumerate(header_cells):
            if _text(cell):
                known = "ignored" if _header_key(cell) in IGNORED_HEADERS else ""
                info["columns"].append(
                    {"header": _text(cell)[:60], "field": mapping.get(index, known)}
                )


# --- One row --------------------------------------------------------------------------------------
def _read_row(sheet: str, number: int, values: dict) -> dict:
    issues: list[list] = []

    def error(key, **params):
        issues.append([ERROR, key, params])

    def warn(key, **params):
        issues.append([WARNING, key, params])

    code = _text(values.get("code")).upper()
    family = _name(values.get("family_name"))
    given = _name(values.get("given_name"))
    full = _name(values.get("full_name"))
    beside = _name(values.get(NEXT_TO_FULL_NAME))
    if full and beside:
        family, given = full, beside  # "Họ và tên" merged over two columns: họ đệm | tên
    elif full and not family and not given:
        family, given = split_full_name(full)
    if not (family or given):
        error("no_name")
    elif not (family and given):
        error("name_incomplete")

    birth = None
    raw_birth = values.get("date_of_birth")
    if _text(raw_birth):
        birth, ok = _as_date(raw_birth)
        if not ok:
            error("bad_date", value=_text(raw_birth)[:40])

    gender = ""
    if "gender" in values and _text(values["gender"]):
        word = unaccent(_text(values["gender"]))
        if word in MALE:
            gender = "M"
        elif word in FEMALE:
            gender = "F"
        else:
            error("bad_gender", value=_text(values["gender"])[:40])
    elif "female_mark" in values:
        word = unaccent(_text(values["female_mark"]))
        if word in TICKED:
            gender = "F"
        elif word in UNTICKED:
            gender = "M"
        else:
            error("bad_gender", value=_text(values["female_mark"])[:40])

    row = {
        "sheet": sheet,
        "n": number,
        "code": code,
        "family_name": family,
        "given_name": given,
        "dob": birth.isoformat() if birth else None,
        "gender": gender,
        "ethnicity": _name(values.get("ethnicity")),
        "classroom": _text(values.get("classroom")),
        "hamlet": _text(values.get("hamlet")),
        "commune": _text(values.get("commune")),
        "address": _text(values.get("address")),
        "guardians": _guardians(values, warn),
        "issues": issues,
    }
    for key in ("code", "family_name", "given_name", "ethnicity", "classroom", "hamlet"):
        if len(row[key]) > MAX_LENGTHS[key]:
            error("too_long", field=key, max=MAX_LENGTHS[key])
    for key in ("commune", "address"):
        if len(row[key]) > MAX_LENGTHS[key]:
            error("too_long", field=key, max=MAX_LENGTHS[key])
    for guardian in row["guardians"]:
        if len(guardian["full_name"]) > MAX_LENGTHS["guardian_name"]:
            error("too_long", field="guardian_name", max=MAX_LENGTHS["guardian_name"])
    return row


def _guardians(values: dict, warn) -> list[dict]:
    phone = _phone(values.get("phone"), warn) if "phone" in values else ""
    guardians = []
    named = [
        ("guardian_name", _relation(values.get("relation"), warn)),
        ("father_name", Guardian.Relation.FATHER),
        ("mother_name", Guardian.Relation.MOTHER),
    ]
    for key, relation in named:
        name = _name(values.get(key))
        if name:
            guardians.append({"full_name": name, "relation": str(relation), "phone": ""})
    if phone:
        if guardians:
            guardians[0]["phone"] = phone
        else:
            warn("phone_without_name")
    return guardians


def _relation(value, warn) -> str:
    text = _text(value).lower()
    if not text:
        return Guardian.Relation.GUARDIAN
    if text in RELATIONS:
        return RELATIONS[text]
    plain = unaccent(text)
    for relation in Guardian.Relation:
        if plain in (relation.value, unaccent(str(relation.label))):
            return relation
    warn("relation_unknown", value=_text(value)[:40])
    return Guardian.Relation.GUARDIAN


def _phone(value, warn) -> str:
    text = _text(value)
    if not text:
        return ""
    parts = [p for p in _PHONE_SPLIT.split(text) if re.search(r"\d", p)]
    if not parts:
        return ""
    if len(parts) > 1:
        warn("phone_several")
    digits = re.sub(r"[^\d+]", "", parts[0])
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    digits = digits.replace("+", "")
    if len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits  # Excel dropped the leading zero of a number
    if len(digits) not in (10, 11) or not digits.startswith("0"):
        warn("phone_unusual", value=parts[0][:30])
    return digits[: MAX_LENGTHS["phone"]]


# --- Cell values ----------------------------------------------------------------------------------
def _text(value) -> str:
    """Any cell as clean text: numbers without ".0", dates as dd/mm/yyyy, spaces normalised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):  # NaN, infinities
            return ""
        if value.is_integer():
            return str(int(value))
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    text = normalize_spaces(_ZERO_WIDTH.sub("", str(value)))
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]  # the apostrophe older exports put before "+84…"
    return text


def _name(value) -> str:
    """A name as people write it; all-capitals or all-lower-case names get proper capitals
    (mixed case is kept: "H'Hen Niê" must not become "H'hen Niê")."""
    text = _text(value)
    if text and (text == text.upper() or text == text.lower()):
        text = title_name(text)
    return text


def _as_date(value) -> tuple[datetime.date | None, bool]:
    """(date, True) or (None, False) when the value is not a date."""
    if isinstance(value, datetime.datetime):
        return value.date(), True
    if isinstance(value, datetime.date):
        return value, True
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial number of a cell not formatted as a date
            try:
                return from_excel(value).date(), True
            except (ValueError, OverflowError, TypeError):
                return None, False
        return None, False
    text = _text(value)
    if " " in text:
        head, _, tail = text.partition(" ")
        if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", tail):
            text = head  # "05/09/2012 00:00:00"
    if not re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2}", text):
        return None, False
    day = parse_date(text)
    return (day, True) if day else (None, False)
