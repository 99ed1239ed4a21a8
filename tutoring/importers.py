"""Reading a class's gradebook export (SMAS, vnEdu, or typed in Excel) into plain rows.

Pure functions, no queries: ``read_gradebook(content, file_name, subjects)`` takes the file's
bytes and the subjects (plain ``SubjectInfo``), and returns a ``ParsedGradebook`` whose rows and
problems are JSON-ready. Matching rows to the class's students is
``services_import.build_preview``.

What the exports look like, and what this reader copes with:
- title lines (school, "BẢNG ĐIỂM TỔNG HỢP HỌC KỲ I", "Lớp: 9A1"), then a header row with STT,
  Mã học sinh, Họ và tên, Ngày sinh, one column per subject, sometimes KQHT and KQRL;
- the header anywhere in the first rows, on one row or two (a merged "Điểm trung bình các môn"
  over the subject names; "Họ và tên" merged over "Họ đệm | Tên");
- subject names with or without accents, in capitals, abbreviated ("NV", "LS&ĐL", "HĐTN-HN");
  Âm nhạc and Mĩ thuật in two columns become one Nghệ thuật result (TT22: Đạt only if both);
- scores as numbers or text with a decimal comma ("8,5") or dot; comment results as Đ / CĐ,
  "Đạt" / "Chưa đạt", in any case, with or without accents;
- a column-number line "(1) (2) (3)" under the header, blank lines, the signature block.

Every problem is kept as ``[level, key, params]`` (params name the Excel row, the column letter
and its header) so the preview shows all of them at once in the reader's language;
``issue_text`` turns one into a sentence.
"""

from __future__ import annotations

import datetime
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from lib.formatting import parse_date
from lib.vietnamese import normalize_spaces, unaccent

from . import rules

MAX_ROWS = 300  # a class has at most 45 students; a whole grade on one sheet still fits
MAX_SHEETS = 60
MAX_COLUMNS = 80
MAX_BLANK_RUN = 60
MAX_UNZIPPED_BYTES = 80 * 1024 * 1024  # zip bombs: refuse before openpyxl inflates anything
HEADER_SEARCH_ROWS = 20  # "on any of the first ~15 rows", with some slack

ERROR = "error"
WARNING = "warning"

# Column roles.
CODE, NAME, FAMILY, GIVEN, GIVEN_BESIDE, DOB = "code", "name", "family", "given", "beside", "dob"
SUBJECT, MUSIC, FINE_ARTS = "subject", "music", "fine_arts"
LEVEL, CONDUCT, IGNORED, UNKNOWN, DUPLICATE = "level", "conduct", "ignored", "unknown", "duplicate"
PASS, FAIL = "D", "CD"  # tutoring.models.Comment values
ARTS_CODE = "NT"

# --- File-level problems: raised as ValidationError, nothing is stored -------------------------
MSG_FILE_EMPTY = _("The file is empty.")
MSG_FILE_TYPE = _("Upload the gradebook as an Excel file (.xlsx).")
MSG_OLD_XLS = _(
    "This is an old .xls file or a workbook with a password. Open it in Excel and save it as "
    ".xlsx, without a password."
)
MSG_UNREADABLE = _("The file could not be read as an Excel workbook.")
MSG_NO_HEADER = _(
    "No header row found in the first %(rows)s rows: the gradebook needs a row with "
    "“Họ và tên” (or “Mã học sinh”) above the students."
)
MSG_NO_SUBJECTS = _(
    "No subject columns found: the header row needs the subjects' names (Toán, Ngữ văn …)."
)
MSG_NO_STUDENTS = _("The file has a header row but no students under it.")
MSG_TOO_MANY_ROWS = _("The file has more than %(max)s students: upload one class at a time.")

# --- Problems kept in the preview ----------------------------------------------------------
MSG_UNKNOWN_COLUMN = _(
    "Column %(col)s (%(header)s) is not a subject the app knows: rename it to a subject's name "
    "(Toán, Ngữ văn …) or delete the column."
)
MSG_DUPLICATE_COLUMN = _(
    "Columns %(other)s and %(col)s (%(header)s) are both %(subject)s: keep only one of them."
)
MSG_ARTS_PART_ONLY = _(
    "Column %(col)s (%(header)s): Nghệ thuật needs both Âm nhạc and Mĩ thuật; the other column "
    "is missing."
)
MSG_SEVERAL_SHEETS = _("The file has several sheets: only the sheet “%(sheet)s” was read.")
MSG_NOT_BETWEEN = _(
    "Row %(row)s, column %(col)s (%(header)s): “%(value)s” is not between 0 and 10."
)
MSG_DECIMALS = _(
    "Row %(row)s, column %(col)s (%(header)s): “%(value)s” has more than one decimal: "
    "write at most one decimal, e.g. 8,5."
)
MSG_NOT_A_SCORE = _(
    "Row %(row)s, column %(col)s (%(header)s): “%(value)s” is not a score: write a number from "
    "0 to 10, e.g. 8,5."
)
MSG_COMMENT_IN_SCORE = _(
    "Row %(row)s, column %(col)s (%(header)s): “%(value)s” is a comment result, but this "
    "subject is assessed by score: write its average, e.g. 6,5."
)
MSG_NUMBER_IN_COMMENT = _(
    "Row %(row)s, column %(col)s (%(header)s): “%(value)s” is a number, but this subject is "
    "assessed by comment: write Đ (Đạt) or CĐ (Chưa đạt)."
)
MSG_NOT_A_COMMENT = _(
    "Row %(row)s, column %(col)s (%(header)s): “%(value)s” is not a result: write Đ (Đạt) or "
    "CĐ (Chưa đạt)."
)
MSG_NOT_CONDUCT = _(
    "Row %(row)s, column %(col)s (%(header)s): “%(value)s” is not a conduct result: write "
    "Tốt, Khá, Đạt or Chưa đạt."
)
MSG_BAD_DATE = _(
    "Row %(row)s, column %(col)s (%(header)s): “%(value)s” is not a date: write it as dd/mm/yyyy."
)
MSG_EXEMPT = _(
    "Row %(row)s, column %(col)s (%(header)s): “%(value)s” (exempt) is left without a result."
)
MSG_ARTS_HALF = _(
    "Row %(row)s: Âm nhạc and Mĩ thuật must both have a result for Nghệ thuật; it is left empty."
)
MSG_NO_NAME = _("Row %(row)s has results but no name and no student code: it was not read.")

MESSAGES = {
    "unknown_column": MSG_UNKNOWN_COLUMN,
    "duplicate_column": MSG_DUPLICATE_COLUMN,
    "arts_part_only": MSG_ARTS_PART_ONLY,
    "several_sheets": MSG_SEVERAL_SHEETS,
    "not_between": MSG_NOT_BETWEEN,
    "decimals": MSG_DECIMALS,
    "not_a_score": MSG_NOT_A_SCORE,
    "comment_in_score": MSG_COMMENT_IN_SCORE,
    "number_in_comment": MSG_NUMBER_IN_COMMENT,
    "not_a_comment": MSG_NOT_A_COMMENT,
    "not_conduct": MSG_NOT_CONDUCT,
    "bad_date": MSG_BAD_DATE,
    "exempt": MSG_EXEMPT,
    "arts_half": MSG_ARTS_HALF,
    "no_name": MSG_NO_NAME,
}


def issue_text(key: str, params: dict, extra: dict | None = None) -> str:
    """One stored problem as a sentence in the current language."""
    message = {**MESSAGES, **(extra or {})}.get(key)
    if message is None:
        return key
    try:
        return str(message) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(message)


# --- Header names ---------------------------------------------------------------------------
# Keys are what ``header_key`` makes of a header: unaccented, lower case, only letters and
# digits, "y" written "i" (Mĩ/Mỹ, lí/lý), without a leading "Môn"/"ĐTB" and without "và"/"&".
FIELD_HEADERS = {
    CODE: {
        "mahocsinh",
        "mahs",
        "masohocsinh",
        "masohs",
        "mshs",
        "maso",
        "ma",
        "madinhdanh",
        "madinhdanhhocsinh",
        "studentcode",
        "code",
    },
    NAME: {
        "hoten",
        "hotenhocsinh",
        "tenhocsinh",
        "hocsinh",
        "fullname",
        "name",
    },
    FAMILY: {"hodem", "hotendem", "hochudem", "holot", "ho", "familyname"},
    GIVEN: {"ten", "givenname"},
    DOB: {"ngaisinh", "ngaithangnamsinh", "sinhngai", "ns", "dateofbirth", "dob"},
    LEVEL: {
        "hocluc",
        "hl",
        "xeploaihocluc",
        "ketquahoctap",
        "kqht",
        "kqhoctap",
        "hoctap",
        "xeploaihoctap",
        "ketquadanhgiahoctap",
        "mucdatduochoctap",
    },
    CONDUCT: {
        "hanhkiem",
        "hk",
        "hkiem",
        "xeploaihanhkiem",
        "renluyen",
        "kqrl",
        "kqrenluyen",
        "ketquarenluyen",
        "xeploairenluyen",
        "ketquadanhgiarenluyen",
    },
}
NAME_FIELDS = {NAME, FAMILY, GIVEN}

# Known aliases of each subject code, on top of the Subject rows' name, short name and code.
SUBJECT_ALIASES = {
    "NV": {"nguvan", "van", "nv", "vanhoc"},
    "TOAN": {"toan", "toanhoc"},
    "NN1": {
        "ngoaingu",
        "ngoaingu1",
        "nn",
        "nn1",
        "tienganh",
        "anhvan",
        "anh",
        "ta",
        "tienganhnn1",
        "ngoaingutienganh",
    },
    "GDCD": {"gdcd", "giaoduccongdan", "congdan"},
    "LSDL": {"lsdl", "lichsudiali", "lichsudl", "lsdiali", "sudia", "lichsuvadiali"},
    "KHTN": {"khtn", "khoahoctunhien"},
    "CN": {"congnghe", "cn"},
    "TIN": {"tinhoc", "tin"},
    "GDTC": {"gdtc", "theduc", "giaoducthechat", "td"},
    "NT": {"nghethuat", "nghethuatamnhacmithuat"},
    "HDTN": {
        "hdtn",
        "hdtnhn",
        "hdtnhuongnghiep",
        "hoatdongtrainghiem",
        "hoatdongtrainghiemhuongnghiep",
        "trainghiem",
        "trainghiemhuongnghiep",
    },
    "GDDP": {
        "gddp",
        "ndgddp",
        "giaoducdiaphuong",
        "noidunggiaoducdiaphuong",
        "noidunggiaoduccuadiaphuong",
        "giaoduccuadiaphuong",
    },
    "TDT": {
        "tiengdantoc",
        "tiengdantocthieuso",
        "tiengdtts",
        "tdt",
        "tiengkhmer",
        "khmer",
        "tienghmong",
        "tiengmong",
        "tiengcham",
        "tiengthai",
        "tiengjrai",
        "tiengbahnar",
        "tiengbana",
        "tiengede",
        "tiengmnong",
    },
    "NN2": {"ngoaingu2", "nn2"},
}
ARTS_PARTS = {
    MUSIC: {"amnhac", "an", "nhac"},
    FINE_ARTS: {"mithuat", "mt", "hoa", "veve"},
}

# Columns that are clearly not a subject: read past without a word.
IGNORED_HEADERS = {
    "stt",
    "tt",
    "sott",
    "sothutu",
    "no",
    "ghichu",
    "notes",
    "nhanxet",
    "gvcn",
    "giaovienchunhiem",
    "lop",
    "tenlop",
    "gioitinh",
    "gioi",
    "nu",
    "nam",
    "dantoc",
    "noisinh",
    "diachi",
    "xephang",
    "thuhang",
    "hang",
    "danhhieu",
    "danhhieuthidua",
    "khenthuong",
    "xeploaithidua",
    "nghi",
    "songainghi",
    "sobuoinghi",
    "tongsobuoinghi",
    "nghicophep",
    "nghikhongphep",
    "cp",
    "kp",
    "p",
    "k",
    "dtbcm",
    "dtbcacmon",
    "tbcm",
    "tbcacmon",
    "dtbhk",
    "dtbhocki",
    "dtbhki",
    "dtbhkii",
    "dtbhk1",
    "dtbhk2",
    "dtbcn",
    "dtbcanam",
    "tbhk",
    "tbhki",
    "tbhkii",
    "tbcn",
    "tbcanam",
    "hki",
    "hkii",
    "hk1",
    "hk2",
    "canam",
    "diemtrungbinh",
    "diemtrungbinhcacmon",
    "diemtrungbinhcacmonhoc",
    "diemtrungbinhmonhoc",
    "trungbinh",
    "lenlop",
    "duoclenlop",
    "thilai",
    "kiemtralai",
    "renluyenlai",
    "renluyenhe",
    "ketquacuoinam",
    "ketqua",
    "kq",
    "danhgia",
    "xettotnghiep",
    "totnghiep",
    "chuki",
    "kiten",
}
IGNORED_PREFIXES = ("ghichu", "nhanxet", "sobuoinghi", "songainghi", "nghi")

_PARENTHESES = re.compile(r"\(.*?\)")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_LEADING = ("diemtrungbinh", "diemtb", "dtbm", "dtb", "diem", "mon", "tb")
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,3}\)?$")
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_FOOTER = re.compile(
    r"^(tong so|tong cong|tong:|tong \d|cong:|ty le|ti le|so hoc sinh|so hs|nguoi lap|"
    r"hieu truong|pho hieu truong|giao vien chu nhiem|gvcn|xac nhan|ban giam hieu|"
    r"danh sach nay|an dinh)"
)
_DATE_LINE = re.compile(r"\bngay\b.*\bthang\b.*\bnam\b")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff]")

# Đ / CĐ as people type them, after ``_plain``.
PASS_WORDS = {"d", "dat", "pass", "p"}
FAIL_WORDS = {"cd", "chuadat", "chuad", "cdat", "khongdat", "fail"}
EXEMPT_WORDS = {"mien", "mg", "miengiam", "mienhoc", "miendanhgia", "m"}
CONDUCT_WORDS = {
    "t": "tot",
    "tot": "tot",
    "k": "kha",
    "kha": "kha",
    "d": "dat",
    "dat": "dat",
    "cd": "chua_dat",
    "chuadat": "chua_dat",
    "tb": "tb",
    "trungbinh": "tb",
    "y": "yeu",
    "yeu": "yeu",
    "kem": "kem",
}


@dataclass(frozen=True)
class SubjectInfo:
    """What the reader needs of a Subject row (kept plain so the reader stays pure)."""

    id: int
    code: str
    name: str
    short_name: str
    assessment: str  # "score" | "comment"

    @property
    def is_comment(self) -> bool:
        return self.assessment == "comment"


def subject_infos(subjects) -> list[SubjectInfo]:
    return [SubjectInfo(s.pk, s.code, s.name, s.short_name, str(s.assessment)) for s in subjects]


@dataclass
class ParsedGradebook:
    """JSON-ready result of reading one gradebook file (see ``as_data``)."""

    sheet: str = ""
    title: list[str] = field(default_factory=list)
    header_row: int = 0
    columns: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    issues: list[list] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    hints: dict = field(default_factory=dict)

    def as_data(self) -> dict:
        return {
            "version": 1,
            "sheet": self.sheet,
            "title": self.title,
            "header_row": self.header_row,
            "columns": self.columns,
            "rows": self.rows,
            "issues": self.issues,
            "skipped": self.skipped,
            "hints": self.hints,
        }

    @property
    def errors(self) -> list[list]:
        """Every error, of the file and of its rows (the preview adds student matching)."""
        found = [i for i in self.issues if i[0] == ERROR]
        for row in self.rows:
            found += [i for i in row["issues"] if i[0] == ERROR]
        return found


# --- Text helpers ---------------------------------------------------------------------------
def cell_text(value) -> str:
    """Any cell as clean text: numbers without ".0", dates as dd/mm/yyyy, spaces normalised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return normalize_spaces(_ZERO_WIDTH.sub("", str(value)))


def _plain(text: str) -> str:
    """'Chưa đạt' -> 'chuadat', 'C.Đ' -> 'cd'."""
    return _NOT_WORD.sub("", unaccent(text))


def header_key(text) -> str:
    """How a header is compared: 'LS & ĐL' -> 'lsdl', 'Lịch sử và Địa lý' -> 'lichsudiali'."""
    plain = unaccent(cell_text(text)).replace("&", " ")
    words = [w for w in _NOT_WORD.split(plain) if w and w != "va"]
    return "".join(words).replace("y", "i")


def _keys(text) -> list[str]:
    """Ways to read a header, most literal first: as written; without a leading "Môn" or "ĐTB";
    for "Tiếng Anh (NN1)" also without and inside the parentheses."""
    raw = cell_text(text)
    forms = [raw]
    inner = re.findall(r"\((.*?)\)", raw)
    if inner:
        forms.append(_PARENTHESES.sub(" ", raw))
        forms += inner
    keys: list[str] = []
    for form in forms:
        key = header_key(form)
        for candidate in (key, *_without_leading(key)):
            if candidate and candidate not in keys:
                keys.append(candidate)
    return keys


def _without_leading(key: str) -> list[str]:
    """'dtbmontoan' -> ['montoan', 'toan']: "ĐTB", "Điểm TB", "Môn" before a subject's name."""
    found: list[str] = []
    todo = [key]
    while todo:
        current = todo.pop(0)
        for prefix in _LEADING:
            if current.startswith(prefix) and len(current) > len(prefix):
                rest = current[len(prefix) :]
                if rest not in found:
                    found.append(rest)
                    todo.append(rest)
    return found


def _alias_table(subjects: list[SubjectInfo]) -> dict[str, tuple[str, SubjectInfo | None]]:
    """header key -> (role, subject)."""
    by_code = {s.code: s for s in subjects}
    table: dict[str, tuple[str, SubjectInfo | None]] = {}
    for role, names in FIELD_HEADERS.items():
        for name in names:
            table[name] = (role, None)
    arts = by_code.get(ARTS_CODE)
    if arts is not None:
        for role, names in ARTS_PARTS.items():
            for name in names:
                table.setdefault(name, (role, arts))
    for code, names in SUBJECT_ALIASES.items():
        subject = by_code.get(code)
        if subject is not None:
            for name in names:
                table.setdefault(name, (SUBJECT, subject))
    for subject in subjects:  # the app's own names always read back
        for text in (subject.code, subject.short_name, subject.name):
            for key in _keys(text):
                table.setdefault(key, (SUBJECT, subject))
    return table


# The alias lists are written as spoken; compare them the way headers are compared (y -> i).
FIELD_HEADERS = {role: {header_key(n) for n in names} for role, names in FIELD_HEADERS.items()}
SUBJECT_ALIASES = {code: {header_key(n) for n in names} for code, names in SUBJECT_ALIASES.items()}
ARTS_PARTS = {role: {header_key(n) for n in names} for role, names in ARTS_PARTS.items()}
IGNORED_HEADERS = {header_key(n) for n in IGNORED_HEADERS}
IGNORED_PREFIXES = tuple(header_key(n) for n in IGNORED_PREFIXES)


def _role_of(text, table) -> tuple[str, SubjectInfo | None]:
    keys = _keys(text)
    if not keys:
        return IGNORED, None
    for key in keys:
        if key in table:
            return table[key]
        if key in IGNORED_HEADERS or key.startswith(IGNORED_PREFIXES):
            return IGNORED, None
    return UNKNOWN, None


# --- Reading the workbook -------------------------------------------------------------------
def _sheets(content: bytes):
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
        if hasattr(worksheet, "reset_dimensions"):  # some exporters write a wrong <dimension>
            worksheet.reset_dimensions()
        sheets.append((worksheet.title, _guarded(worksheet)))
    return sheets


def _guarded(worksheet):
    try:
        for row in worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield list(row or [])
    except Exception as error:  # noqa: BLE001 - a sheet broken half-way is still unreadable
        raise ValidationError(MSG_UNREADABLE) from error


def read_gradebook(
    content: bytes, file_name: str, subjects: list[SubjectInfo], *, class_name: str = ""
) -> ParsedGradebook:
    """Read an uploaded gradebook. Raises ValidationError for a file that cannot be used at all
    (not an .xlsx, empty, unreadable, no header row, no subject column, no student); every
    problem of a cell, a column or a row is kept in the result instead.

    ``class_name`` only chooses among several sheets (the one named after the class)."""
    if not content:
        raise ValidationError(MSG_FILE_EMPTY)
    if content[:4] == b"\xd0\xcf\x11\xe0":  # OLE2: .xls, or an encrypted .xlsx
        raise ValidationError(MSG_OLD_XLS)
    if content[:2] != b"PK" or not (file_name or "").lower().endswith((".xlsx", ".xlsm")):
        raise ValidationError(MSG_FILE_TYPE)
    table = _alias_table(subjects)
    found: list[ParsedGradebook] = []
    first_problem: ValidationError | None = None
    sheets = _sheets(content)
    for title, rows in sheets:
        try:
            found.append(_read_sheet(title, rows, table))
        except ValidationError as problem:
            first_problem = first_problem or problem
    if not found:
        raise first_problem or ValidationError(MSG_NO_HEADER % {"rows": HEADER_SEARCH_ROWS})
    parsed = found[0]
    if len(found) > 1:
        wanted = _class_key(class_name)
        for candidate in found:
            if wanted and wanted in (
                _class_key(candidate.sheet),
                _class_key(candidate.hints.get("class", "")),
            ):
                parsed = candidate
                break
        parsed.issues.append([WARNING, "several_sheets", {"sheet": parsed.sheet}])
    return parsed


def _class_key(text: str) -> str:
    key = _plain(text or "")
    return key[3:] if key.startswith("lop") else key


def _is_column_numbers(texts: list[str]) -> bool:
    filled = [t for t in texts if t]
    return len(filled) >= 3 and all(_COLUMN_NUMBER.match(t) for t in filled)


def _header_roles(row: list, table) -> dict[int, tuple[str, SubjectInfo | None]]:
    return {i: _role_of(v, table) for i, v in enumerate(row) if cell_text(v)}


def _is_header(roles: dict) -> bool:
    kinds = {role for role, _ in roles.values()}
    return bool(kinds & {NAME, FAMILY, CODE})


def _is_subheader(row: list, header: list, roles: dict, table) -> bool:
    """The lower half of a two-row header: no student in it (the name and code cells, merged
    from above, are empty or name the parts of the name) and no number or date anywhere."""
    texts = [cell_text(v) for v in row]
    if not any(texts) or _is_column_numbers(texts):
        return False
    for value in row:
        if isinstance(value, int | float | datetime.date) and not isinstance(value, bool):
            return False
        if _NUMBER.match(cell_text(value)) or parse_date(cell_text(value)):
            return False
    for index, (role, _subject) in roles.items():
        if role in (NAME, CODE) and index < len(texts) and texts[index]:
            if _role_of(texts[index], table)[0] not in NAME_FIELDS | {CODE}:
                return False
    return True


def _read_sheet(title: str, rows, table) -> ParsedGradebook:
    parsed = ParsedGradebook(sheet=title)
    header: list | None = None
    rows = iter(rows)
    number = 0
    for row in rows:
        number += 1
        if number > HEADER_SEARCH_ROWS:
            break
        roles = _header_roles(row, table)
        if _is_header(roles):
            header = row
            parsed.header_row = number
            break
        line = " ".join(t for t in (cell_text(v) for v in row) if t)
        if line:
            parsed.title.append(line[:200])
    if header is None:
        raise ValidationError(MSG_NO_HEADER % {"rows": HEADER_SEARCH_ROWS})
    parsed.hints = _hints(parsed.title, title)

    labels = [cell_text(v) for v in header]
    roles = _header_roles(header, table)
    first: list[tuple[int, list]] = []
    for row in rows:
        number += 1
        if _is_subheader(row, header, roles, table):
            labels += [""] * (len(row) - len(labels))
            for index, value in enumerate(row):
                if cell_text(value):
                    labels[index] = cell_text(value)
        else:
            first.append((number, row))
        break
    columns = parsed.columns = _columns(labels, table, parsed)
    if not any(c["role"] in (SUBJECT, MUSIC, FINE_ARTS) for c in columns):
        raise ValidationError(MSG_NO_SUBJECTS)
    body = itertools.chain(first, enumerate(rows, start=number + 1))
    _read_body(parsed, columns, body)
    if not parsed.rows:
        raise ValidationError(MSG_NO_STUDENTS)
    return parsed


def _hints(title_lines: list[str], sheet: str) -> dict:
    """What the title says: the class, the term (0-3 as tutoring.models.Term) and the year."""
    text = unaccent(" | ".join(title_lines))
    hints: dict = {}
    found = re.search(r"\blop\b\s*:?\s*(\d{1,2}[a-z0-9/.\-]*)", text)
    if found:
        hints["class"] = found.group(1).upper()
    if re.search(r"\b(hoc k[iy]|hk)\s*(ii|2)\b|\bhkii\b", text):
        hints["term"] = 2
    elif re.search(r"\b(hoc k[iy]|hk)\s*(i|1)\b|\bhki\b", text):
        hints["term"] = 1
    elif re.search(r"\bca nam\b", text):
        hints["term"] = 3
    elif re.search(r"\bkhao sat\b", text):
        hints["term"] = 0
    year = re.search(r"\bnam hoc\s*:?\s*(\d{4})\s*[-–/]\s*(\d{4})", text)
    if year:
        hints["year"] = int(year.group(1))
    return hints


def _columns(labels: list[str], table, parsed: ParsedGradebook) -> list[dict]:
    columns: list[dict] = []
    for index, label in enumerate(labels):
        if not label:
            continue
        role, subject = _role_of(label, table)
        column = {
            "i": index,
            "col": get_column_letter(index + 1),
            "header": label[:60],
            "role": role,
            "subject": subject.id if subject else None,
            "code": subject.code if subject else "",
            "comment": bool(subject and subject.is_comment),
            "filled": False,
        }
        if role in (NAME, FAMILY, GIVEN, CODE, DOB, LEVEL, CONDUCT) and any(
            c["role"] == role for c in columns
        ):
            column["role"] = IGNORED  # a second "Họ và tên" (e.g. the parent's) is not read
        columns.append(column)
    roles = {c["role"] for c in columns}
    if NAME in roles and not roles & {FAMILY, GIVEN}:
        name = next(c for c in columns if c["role"] == NAME)
        beside = name["i"] + 1
        if beside >= len(labels) or not labels[beside]:
            # "Họ và tên" merged over two columns, họ đệm | tên, without a second header row.
            columns.append(
                {
                    "i": beside,
                    "col": get_column_letter(beside + 1),
                    "header": name["header"],
                    "role": GIVEN_BESIDE,
                    "subject": None,
                    "code": "",
                    "comment": False,
                    "filled": False,
                }
            )
    # One column per subject; a Nghệ thuật column and its Âm nhạc / Mĩ thuật parts clash too.
    first_of: dict[tuple, dict] = {}
    for column in columns:
        if column["role"] not in (SUBJECT, MUSIC, FINE_ARTS):
            continue
        key = (column["subject"], column["role"])
        clash = first_of.get(key)
        if clash is None and column["code"] == ARTS_CODE:
            others = (MUSIC, FINE_ARTS) if column["role"] == SUBJECT else (SUBJECT,)
            clash = next((first_of[k] for k in first_of if k[1] in others and k[0] == key[0]), None)
        if clash is not None:
            parsed.issues.append(
                [
                    ERROR,
                    "duplicate_column",
                    {
                        "col": column["col"],
                        "other": clash["col"],
                        "header": column["header"],
                        "subject": clash["header"],
                    },
                ]
            )
            column["role"] = DUPLICATE
            continue
        first_of[key] = column
    parts = {c["role"] for c in columns if c["role"] in (MUSIC, FINE_ARTS)}
    if len(parts) == 1:
        for column in columns:
            if column["role"] in parts:
                parsed.issues.append(
                    [WARNING, "arts_part_only", {"col": column["col"], "header": column["header"]}]
                )
                column["role"] = IGNORED
    return sorted(columns, key=lambda c: c["i"])


def _cell(row: list, index: int):
    return row[index] if index < len(row) else None


def _read_body(parsed: ParsedGradebook, columns: list[dict], body) -> None:
    by_role: dict[str, dict] = {}
    for column in columns:
        by_role.setdefault(column["role"], column)
    valued = [c for c in columns if c["role"] in (SUBJECT, MUSIC, FINE_ARTS)]
    unknown = [c for c in columns if c["role"] == UNKNOWN]
    blank_run = 0
    for number, row in body:
        texts = [cell_text(v) for v in row]
        filled = [t for t in texts if t]
        if not filled:
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        if _is_column_numbers(texts):
            continue
        code = cell_text(_cell(row, by_role[CODE]["i"])) if CODE in by_role else ""
        birth = cell_text(_cell(row, by_role[DOB]["i"])) if DOB in by_role else ""
        first = unaccent(filled[0])
        if not code and not birth and (_FOOTER.match(first) or _DATE_LINE.search(first)):
            break  # totals, rates and the signature block
        name = _name(row, by_role)
        for column in unknown:
            column["filled"] = column["filled"] or bool(cell_text(_cell(row, column["i"])))
        if not name and not code:
            if any(cell_text(_cell(row, c["i"])) for c in valued):
                parsed.issues.append([WARNING, "no_name", {"row": number}])
            parsed.skipped.append(number)
            continue
        if len(parsed.rows) >= MAX_ROWS:
            raise ValidationError(MSG_TOO_MANY_ROWS % {"max": MAX_ROWS})
        parsed.rows.append(_read_row(number, row, code, name, by_role, valued))
    for column in unknown:
        level = ERROR if column["filled"] else WARNING
        parsed.issues.append(
            [level, "unknown_column", {"col": column["col"], "header": column["header"]}]
        )
    for column in columns:
        column.pop("filled", None)


def _name(row: list, by_role: dict) -> str:
    def text(role):
        return cell_text(_cell(row, by_role[role]["i"])) if role in by_role else ""

    full = text(NAME)
    if full and text(GIVEN_BESIDE):
        full = f"{full} {text(GIVEN_BESIDE)}"
    if not full:
        full = f"{text(FAMILY)} {text(GIVEN)}"
    return normalize_spaces(full)[:150]


def _read_row(number: int, row: list, code: str, name: str, by_role: dict, valued) -> dict:
    issues: list[list] = []

    def params(column, value) -> dict:
        return {
            "row": number,
            "col": column["col"],
            "header": column["header"],
            "value": cell_text(value)[:40],
        }

    dob = None
    if DOB in by_role:
        raw = _cell(row, by_role[DOB]["i"])
        if cell_text(raw):
            dob = as_date(raw)
            if dob is None:
                issues.append([ERROR, "bad_date", params(by_role[DOB], raw)])

    values: dict[str, str] = {}
    arts: dict[str, str | None] = {}
    arts_subject = None
    for column in valued:
        raw = _cell(row, column["i"])
        if column["role"] == SUBJECT and not column["comment"]:
            value, problem = parse_score(raw)
        else:
            value, problem = parse_comment(raw)
        if problem:
            level = WARNING if problem == "exempt" else ERROR
            issues.append([level, problem, params(column, raw)])
        if column["role"] == SUBJECT:
            if value is not None:
                values[str(column["subject"])] = value
        else:
            arts[column["role"]] = value
            arts_subject = column["subject"]
    if arts_subject is not None:
        music, fine_arts = arts.get(MUSIC), arts.get(FINE_ARTS)
        if music is not None and fine_arts is not None:
            combined = rules.arts_assessment(_label(music), _label(fine_arts))
            values[str(arts_subject)] = PASS if combined == rules.DAT_LABEL else FAIL
        elif music is not None or fine_arts is not None:
            issues.append([WARNING, "arts_half", {"row": number}])

    conduct = ""
    if CONDUCT in by_role:
        raw = _cell(row, by_role[CONDUCT]["i"])
        if cell_text(raw):
            conduct = CONDUCT_WORDS.get(_plain(cell_text(raw)), "")
            if not conduct:
                issues.append([ERROR, "not_conduct", params(by_role[CONDUCT], raw)])
    level = cell_text(_cell(row, by_role[LEVEL]["i"]))[:20] if LEVEL in by_role else ""
    return {
        "n": number,
        "code": code.upper()[:30],
        "name": name,
        "dob": dob.isoformat() if dob else None,
        "values": values,
        "conduct": conduct,
        "level": level,
        "issues": issues,
    }


def _label(value: str) -> str:
    return rules.DAT_LABEL if value == PASS else rules.CHUA_DAT_LABEL


# --- Cell values ----------------------------------------------------------------------------
def parse_score(value) -> tuple[str | None, str | None]:
    """(score as "8.5", None), (None, None) for an empty cell, or (None, problem key)."""
    text = cell_text(value)
    if not text:
        return None, None
    if isinstance(value, bool) or isinstance(value, datetime.date):
        return None, "not_a_score"
    if isinstance(value, int | float):
        number = Decimal(text)
    else:
        word = _plain(text)
        if word in PASS_WORDS or word in FAIL_WORDS:
            return None, "comment_in_score"
        if word in EXEMPT_WORDS:
            return None, "exempt"
        compact = text.replace(" ", "")
        if not _NUMBER.match(compact):
            return None, "not_a_score"
        try:
            number = Decimal(compact.replace(",", "."))
        except InvalidOperation:
            return None, "not_a_score"
    try:
        score = rules.validate_score(number)
    except ValueError:
        if number < rules.SCORE_MIN or number > rules.SCORE_MAX:
            return None, "not_between"
        return None, "decimals"
    return str(score.quantize(rules.ONE_DECIMAL)), None


def parse_comment(value) -> tuple[str | None, str | None]:
    """("D" or "CD", None), (None, None) for an empty cell, or (None, problem key)."""
    text = cell_text(value)
    if not text:
        return None, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None, "number_in_comment"
    if _NUMBER.match(text.replace(" ", "")):
        return None, "number_in_comment"
    word = _plain(text)
    if word in PASS_WORDS:
        return PASS, None
    if word in FAIL_WORDS:
        return FAIL, None
    if word in EXEMPT_WORDS:
        return None, "exempt"
    return None, "not_a_comment"


def as_date(value) -> datetime.date | None:
    """A date cell, an Excel serial number or dd/mm/yyyy text; None when it is not a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            try:
                return from_excel(value).date()
            except (ValueError, OverflowError, TypeError):
                return None
        return None
    text = cell_text(value)
    head, _, tail = text.partition(" ")
    if tail and re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", tail):
        text = head  # "24/11/2012 00:00:00"
    if not re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2}", text):
        return None
    return parse_date(text)
