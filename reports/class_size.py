"""The monthly class-size report (REPORTS.md S3): one data object, built once by a selector, read
by the web page, the XLSX exporter and the PDF exporter, so they cannot disagree.

The report is the set of the classes' **confirmed** figures. A class that has not confirmed is
shown with its live figures and marked "chưa xác nhận – số liệu tạm tính" on its row, in the
notes and on the page: never silently mixed. Block and school rows add the class rows up (class
moves inside the block or the school cancel out, see ``retention.selectors_classsize``). The
report refuses to be issued (``problems``) when a row breaks the identity (13) = (7) + (8) + (9) −
(10) − (11) − (12), the balance (4) + Σ tăng − Σ giảm = (13), or shows a negative figure.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from retention.models import ClassSizeConfirmation
from retention.selectors_classsize import (
    ClassSizeFigures,
    Period,
    class_size_figures,
    figures_by_block,
    month_period,
)
from retention.services_classsize import frozen_figures, frozen_period, is_late
from schools.models import Classroom, Role, RoleAssignment, School, SchoolSettings, SchoolYear
from students.models import DropoutCause, Enrollment, Student

from .models import ClassSizeReportText

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
COLUMN_COUNT = 23
UNCONFIRMED_NOTE = "Chưa xác nhận – số liệu tạm tính"
FOOTNOTE_CAUSES = (
    "Mỗi học sinh có thể được thống kê theo nhiều nguyên nhân; tổng các nguyên nhân có thể lớn "
    "hơn số học sinh bỏ học."
)
CAUSE_GROUPS = {
    1: "Hoàn cảnh kinh tế gia đình khó khăn",
    2: "Học lực yếu kém",
    3: "Xa trường, đi lại khó khăn",
    4: "Do ảnh hưởng thiên tai, dịch bệnh",
    5: "Nguyên nhân khác",
}


@dataclass
class HeaderCell:
    row: int  # 0, 1, 2
    col: int  # 1 … 23
    text: str
    rowspan: int = 1
    colspan: int = 1


# The table head of S3, as on the forms in use (CV 6622): three rows, then the numbering row.
HEADER = [
    HeaderCell(0, 1, "TT", rowspan=3),
    HeaderCell(0, 2, "Khối/lớp", rowspan=3),
    HeaderCell(0, 3, "Số lớp", rowspan=3),
    HeaderCell(0, 4, "Sĩ số đầu năm", colspan=3),
    HeaderCell(0, 7, "Sĩ số đầu tháng", rowspan=3),
    HeaderCell(0, 8, "Tăng trong tháng", colspan=2),
    HeaderCell(0, 10, "Giảm trong tháng", colspan=3),
    HeaderCell(0, 13, "Sĩ số cuối tháng", colspan=3),
    HeaderCell(0, 16, "Lũy kế từ đầu năm", colspan=6),
    HeaderCell(0, 22, "HS có nguy cơ bỏ học", rowspan=3),
    HeaderCell(0, 23, "Ghi chú", rowspan=3),
    HeaderCell(1, 4, "TS", rowspan=2),
    HeaderCell(1, 5, "Nữ", rowspan=2),
    HeaderCell(1, 6, "DTTS", rowspan=2),
    HeaderCell(1, 8, "Chuyển đến", rowspan=2),
    HeaderCell(1, 9, "Trở lại lớp / học lại", rowspan=2),
    HeaderCell(1, 10, "Chuyển đi", rowspan=2),
    HeaderCell(1, 11, "Bỏ học", rowspan=2),
    HeaderCell(1, 12, "Giảm lý do khác", rowspan=2),
    HeaderCell(1, 13, "TS", rowspan=2),
    HeaderCell(1, 14, "Nữ", rowspan=2),
    HeaderCell(1, 15, "DTTS", rowspan=2),
    HeaderCell(1, 16, "Chuyển đến", rowspan=2),
    HeaderCell(1, 17, "Chuyển đi", rowspan=2),
    HeaderCell(1, 18, "Bỏ học", colspan=3),
    HeaderCell(1, 21, "Tỷ lệ bỏ học (%)", rowspan=2),
    HeaderCell(2, 18, "TS"),
    HeaderCell(2, 19, "Nữ"),
    HeaderCell(2, 20, "DTTS"),
]


def header_rows() -> list[list[HeaderCell]]:
    rows: list[list[HeaderCell]] = [[], [], []]
    for cell in HEADER:
        rows[cell.row].append(cell)
    return [sorted(r, key=lambda c: c.col) for r in rows]


# Columns (3)–(22) read from a row's figures, in order; (21) is the rate.
FIGURE_COLUMNS = [
    (3, "classes"),
    (4, "start_total"),
    (5, "start_female"),
    (6, "start_minority"),
    (7, "opening"),
    (8, "arrived"),
    (9, "returned"),
    (10, "left"),
    (11, "dropped"),
    (12, "other_exit"),
    (13, "end_total"),
    (14, "end_female"),
    (15, "end_minority"),
    (16, "cum_arrived"),
    (17, "cum_left"),
    (18, "cum_dropped"),
    (19, "cum_dropped_female"),
    (20, "cum_dropped_minority"),
    (21, "dropout_rate"),
    (22, "at_risk"),
]
RATE_COLUMN = 21
# Columns whose block/school sum has the class moves inside the group taken out.
MONTH_MOVE_COLUMNS = (8, 10)
CUM_MOVE_COLUMNS = (16, 17)


@dataclass
class ReportRow:
    kind: str  # "class", "block" or "total"
    number: str  # TT
    label: str  # (2)
    figures: ClassSizeFigures
    grade: int | None = None
    confirmed: bool = True  # a block or the total: every class in it confirmed
    confirmed_at: datetime.datetime | None = None
    confirmed_by: str = ""
    late: bool = False
    as_of: datetime.date | None = None
    changed_since: bool = False  # confirmed figures differ from the data now
    explanation: str = ""
    notes: list[str] = field(default_factory=list)
    # Block and total rows: class moves inside the group, taken out of Σ(8)/Σ(10) and Σ(16)/Σ(17).
    internal_month: int = 0
    internal_cum: int = 0

    @property
    def note(self) -> str:  # (23)
        return "; ".join(self.notes)

    @property
    def values(self) -> list:
        """Columns (3)–(22): ints, and a Decimal for the rate."""
        return [getattr(self.figures, name) for _, name in FIGURE_COLUMNS]

    @property
    def is_class(self) -> bool:
        return self.kind == "class"


@dataclass
class DropoutLine:
    number: int
    full_name: str
    classroom: str
    date_of_birth: datetime.date
    female: bool
    ethnicity: str
    date: datetime.date
    cause_groups: list[int]
    returned: bool

    @property
    def causes_text(self) -> str:
        return ", ".join(str(g) for g in self.cause_groups)


@dataclass
class ClassSizeReport:
    school_id: int
    school_name: str
    governing_body: str
    place: str
    year_name: str
    month: datetime.date
    period_start: datetime.date
    period_end: datetime.date
    issued_on: datetime.date
    number: str
    target: Decimal
    rows: list[ReportRow]  # printing order: block, its classes, …, total
    total: ReportRow
    dropouts: list[DropoutLine] | None  # None: names withheld (office staff)
    unusual_changes: str = ""
    causes: str = ""
    measures: str = ""
    recipients: list[str] = field(default_factory=list)
    signer_name: str = ""
    problems: list[str] = field(default_factory=list)

    # --- what the page and the documents say -------------------------------------------------
    @property
    def can_issue(self) -> bool:
        return not self.problems

    @property
    def class_rows(self) -> list[ReportRow]:
        return [r for r in self.rows if r.is_class]

    @property
    def block_rows(self) -> list[ReportRow]:
        return [r for r in self.rows if r.kind == "block"]

    @property
    def unconfirmed(self) -> list[ReportRow]:
        return [r for r in self.class_rows if not r.confirmed]

    @property
    def changed(self) -> list[ReportRow]:
        return [r for r in self.class_rows if r.confirmed and r.changed_since]

    @property
    def confirmed_count(self) -> int:
        return sum(1 for r in self.class_rows if r.confirmed)

    @property
    def as_of(self) -> datetime.date:
        dates = [r.as_of for r in self.class_rows if r.as_of]
        return max(dates) if dates else self.period_end

    @property
    def month_label(self) -> str:
        return f"{self.month.month:02d}/{self.month.year}"

    @property
    def title(self) -> str:
        return f"BÁO CÁO SĨ SỐ HỌC SINH THÁNG {self.month_label}"

    @property
    def header_rows(self) -> list[list[HeaderCell]]:
        return header_rows()

    @property
    def numbering(self) -> list[str]:
        return [f"({n})" for n in range(1, COLUMN_COUNT + 1)]

    @property
    def document_number(self) -> str:
        """ "Số: 05/BC-THCS" (zero-padded 1–9), or blank for the clerk to fill in by hand."""
        number = self.number.strip()
        if number.isdigit() and len(number) == 1:
            number = f"0{number}"
        return f"Số: {number or ' ' * 6}/BC-THCS"

    @property
    def reference(self) -> str:
        """How the appendix names its report: "số 05/BC-THCS ngày 20/11/2026"."""
        number = self.document_number.removeprefix("Số:").strip()
        if number.startswith("/"):
            number = "…" + number
        return f"số {number} ngày {self.issued_on:%d/%m/%Y}"

    @property
    def place_date(self) -> str:
        return nd30_place_date(self.place, self.issued_on)

    @property
    def table_notes(self) -> list[str]:
        """Lines printed under the table."""
        notes = []
        if self.unconfirmed:
            names = ", ".join(r.label for r in self.unconfirmed)
            notes.append(
                f"(*) {len(self.unconfirmed)} lớp chưa xác nhận sĩ số tháng {self.month_label} "
                f"({names}): số liệu các lớp này là số liệu tạm tính đến ngày "
                f"{self.period_end:%d/%m/%Y}."
            )
        notes.append(
            "Cột (8), (10), (16), (17) của từng lớp gồm cả học sinh chuyển lớp trong trường; "
            "dòng khối và dòng tổng cộng không tính các lượt chuyển lớp trong khối, trong trường."
        )
        notes.append(
            "(13) = (7) + (8) + (9) − (10) − (11) − (12); (21) = (18) / (4) × 100. "
            f"Sĩ số đầu năm tính tại ngày chốt sĩ số đầu năm; chỉ tiêu tỷ lệ bỏ học ≤ "
            f"{_vn_number(self.target, 2)} %."
        )
        return notes

    @property
    def summary(self) -> str:
        """The opening paragraph of the report's body (fixed wording of the form)."""
        t = self.total.figures
        n = _vn_int
        return (
            f"Tổng số học sinh đầu năm học: {n(t.start_total)} em (nữ {n(t.start_female)}, "
            f"dân tộc thiểu số {n(t.start_minority)}); đầu tháng: {n(t.opening)} em; "
            f"cuối tháng: {n(t.end_total)} em (nữ {n(t.end_female)}, dân tộc thiểu số "
            f"{n(t.end_minority)}). Trong tháng: chuyển đến {n(t.arrived)}, trở lại lớp "
            f"{n(t.returned)}, chuyển đi {n(t.left)}, bỏ học {n(t.dropped)}, giảm "
            f"do lý do khác {n(t.other_exit)}. Lũy kế từ đầu năm học: {n(t.cum_dropped)} "
            f"học sinh bỏ học, tỷ lệ {_vn_number(t.dropout_rate, 2)} % (chỉ tiêu không quá "
            f"{_vn_number(self.target, 2)} %)."
        )

    @property
    def cause_groups(self) -> dict[int, str]:
        return CAUSE_GROUPS

    @property
    def footnote_causes(self) -> str:
        return FOOTNOTE_CAUSES


def _vn_int(value) -> str:
    from lib.formatting import format_number

    return format_number(value, 0)


def _vn_number(value, places: int) -> str:
    from lib.formatting import format_number

    return format_number(value, places)


def nd30_date(day: datetime.date) -> str:
    """ "ngày 05 tháng 01 năm 2027": day 1–9 and months 1–2 zero-padded (NĐ 30/2020)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def nd30_place_date(place: str, day: datetime.date) -> str:
    return f"{place}, {nd30_date(day)}" if place else nd30_date(day).capitalize()


def _place(school: School) -> str:
    """The locality in the date line: the commune's name without "xã/phường/thị trấn"."""
    place = (school.commune or school.province or "").strip()
    for prefix in ("thị trấn ", "phường ", "xã ", "đặc khu "):
        if place.lower().startswith(prefix):
            place = place[len(prefix) :].strip()
            break
    return place


def default_recipients(school: School) -> list[str]:
    lines = []
    if school.governing_body:
        lines.append(f"{school.governing_body.strip()} (để báo cáo);")
    lines.append("Lưu: VT.")
    return lines


def text_for(school: School, month: datetime.date) -> ClassSizeReportText | None:
    return ClassSizeReportText.objects.filter(school=school, month=month).first()


# --- the selector -------------------------------------------------------------------------------


def class_size_report(
    school: School,
    month: datetime.date,
    *,
    today: datetime.date,
    include_names: bool,
    year: SchoolYear | None = None,
) -> ClassSizeReport:
    """Build the school's report for ``month`` (the first day) of its current school year.

    ``include_names``: the list of students who dropped out (school staff); office staff get the
    figures only. A fixed number of grouped queries, whatever the number of classes and students:
    year, classes, confirmations, figures (2), text, principal, settings, dropouts.
    """
    year = year or SchoolYear.objects.get(school=school, is_current=True)
    classrooms = list(Classroom.objects.filter(school_year=year).select_related("school_year"))
    start, end = month_period(month, today=today)
    confirmations = {
        c.classroom_id: c
        for c in ClassSizeConfirmation.objects.filter(
            classroom__in=classrooms, month=month
        ).select_related("confirmed_by")
    }
    live = class_size_figures(classrooms, start=start, end=end)
    settings = SchoolSettings.for_school(school)
    text = text_for(school, month)
    signer = (text.signer_name if text else "").strip() or _principal_name(year)

    chosen: dict[int, ClassSizeFigures] = {}
    class_rows: dict[int, ReportRow] = {}
    for classroom in classrooms:
        confirmation = confirmations.get(classroom.pk)
        figures = live[classroom.pk]
        row = ReportRow(
            kind="class", number="", label=classroom.name, figures=figures, grade=classroom.grade
        )
        if confirmation:
            row.figures = frozen_figures(confirmation)
            row.confirmed_at = confirmation.confirmed_at
            row.confirmed_by = str(confirmation.confirmed_by)
            row.late = is_late(confirmation, settings)
            row.as_of = frozen_period(confirmation)[1]
            row.changed_since = row.figures.core() != figures.core()
            row.explanation = confirmation.explanation
        else:
            row.confirmed = False
            row.as_of = end
            row.notes.append(UNCONFIRMED_NOTE)
        f = row.figures
        if f.class_in or f.class_out:
            row.notes.append(f"Chuyển lớp: đến {f.class_in}, đi {f.class_out}")
        if f.late_enrolled:
            row.notes.append(f"Ghi danh sau ngày chốt sĩ số: {f.late_enrolled}")
        _cumulative_note(row)
        chosen[classroom.pk] = row.figures
        class_rows[classroom.pk] = row

    blocks, school_total = figures_by_block(classrooms, chosen)
    rows: list[ReportRow] = []
    block_rows = []
    for index, block in enumerate(blocks):
        block_row = ReportRow(
            kind="block",
            number=ROMAN[index] if index < len(ROMAN) else str(index + 1),
            label=f"Khối {block.grade}",
            figures=block.total,
            grade=block.grade,
            internal_month=sum(f.moves_within_grade for _, f in block.rows),
            internal_cum=sum(f.cum_moves_within_grade for _, f in block.rows),
        )
        members = [class_rows[c.pk] for c, _ in block.rows]
        block_row.confirmed = all(r.confirmed for r in members)
        if block_row.internal_month or block_row.internal_cum:
            block_row.notes.append(_internal_note(block_row, "khối"))
        _cumulative_note(block_row)
        rows.append(block_row)
        block_rows.append(block_row)
        for number, member in enumerate(members, start=1):
            member.number = str(number)
            rows.append(member)
    total = ReportRow(
        kind="total",
        number="",
        label="Tổng cộng",
        figures=school_total,
        confirmed=all(r.confirmed for r in class_rows.values()),
        internal_month=sum(b.figures.moves_within_school for b in block_rows),
        internal_cum=sum(b.figures.cum_moves_within_school for b in block_rows),
    )
    if total.internal_month or total.internal_cum:
        total.notes.append(_internal_note(total, "trường"))
    _cumulative_note(total)
    rows.append(total)

    report = ClassSizeReport(
        school_id=school.pk,
        school_name=school.name,
        governing_body=school.governing_body,
        place=_place(school),
        year_name=year.name,
        month=month,
        period_start=start,
        period_end=end,
        issued_on=today,
        number=text.number if text else "",
        target=settings.dropout_target_percent,
        rows=rows,
        total=total,
        dropouts=None,
        unusual_changes=text.unusual_changes if text else "",
        causes=text.causes if text else "",
        measures=text.measures if text else "",
        recipients=_recipients(text, school),
        signer_name=signer,
    )
    if include_names:
        report.dropouts = _dropouts(classrooms, start, end, class_rows, year)
    report.problems = _problems(rows)
    return report


def _cumulative_note(row: ReportRow) -> None:
    f = row.figures
    if f.cum_returned or f.cum_other_exit:
        row.notes.append(f"Lũy kế trở lại lớp {f.cum_returned}, giảm lý do khác {f.cum_other_exit}")


def _internal_note(row: ReportRow, where: str) -> str:
    return f"Đã trừ chuyển lớp trong {where}: {row.internal_month} (lũy kế {row.internal_cum})"


def _recipients(text: ClassSizeReportText | None, school: School) -> list[str]:
    if text and text.recipients.strip():
        lines = [line.strip().lstrip("-–").strip() for line in text.recipients.splitlines()]
        return [line for line in lines if line]
    return default_recipients(school)


def _principal_name(year: SchoolYear) -> str:
    assignment = (
        RoleAssignment.objects.filter(role=Role.PRINCIPAL, school_year=year)
        .select_related("user")
        .first()
    )
    return assignment.user.full_name if assignment else ""


def _dropouts(classrooms, start, end, class_rows, year) -> list[DropoutLine]:
    """Students who dropped out in the month (one query): for a confirmed class, those its
    confirmed figures counted (up to the day it confirmed)."""
    if not classrooms:
        return []
    period = Period(start=start, end=end, snapshot=year.enrollment_snapshot_date)
    returned_later = Enrollment.objects.filter(
        student_id=OuterRef("student_id"),
        start_kind=Enrollment.StartKind.RETURNED,
        start_date__gte=OuterRef("end_date"),
    )
    spans = (
        Enrollment.objects.filter(
            classroom__in=classrooms,
            end_kind=Enrollment.EndKind.DROPPED_OUT,
            end_date__gt=period.opening_day,
            end_date__lte=end,
        )
        .select_related("student", "classroom")
        .annotate(returned=Exists(returned_later))
        .order_by("classroom__grade", "classroom__name", "student__sort_key", "pk")
    )
    lines = []
    for span in spans:
        row = class_rows[span.classroom_id]
        if row.as_of and span.end_date > row.as_of:
            continue
        student: Student = span.student
        groups = sorted({DropoutCause.group_of(c) for c in span.cause_list if c[:1].isdigit()})
        lines.append(
            DropoutLine(
                number=len(lines) + 1,
                full_name=student.full_name,
                classroom=span.classroom.name,
                date_of_birth=student.date_of_birth,
                female=student.gender == Student.Gender.FEMALE,
                ethnicity=student.ethnicity,
                date=span.end_date,
                cause_groups=groups,
                returned=span.returned,
            )
        )
    return lines


def _problems(rows: list[ReportRow]) -> list[str]:
    """Why the report cannot be issued (empty when it can)."""
    problems = []
    for row in rows:
        f = row.figures
        if not f.identity_holds:
            problems.append(
                _(
                    "%(row)s: the end-of-month size (13) = %(end)s does not equal "
                    "(7) + (8) + (9) − (10) − (11) − (12) = %(expected)s."
                )
                % {
                    "row": row.label,
                    "end": f.end_total,
                    "expected": f.opening
                    + f.arrived
                    + f.returned
                    - f.left
                    - f.dropped
                    - f.other_exit,
                }
            )
        if not f.balance_holds:
            problems.append(
                _(
                    "%(row)s: the start-of-year size plus arrivals minus departures since the "
                    "start of the year does not equal the end-of-month size (13) = %(end)s."
                )
                % {"row": row.label, "end": f.end_total}
            )
        negative = [
            f"({column})"
            for column, value in zip((c for c, _ in FIGURE_COLUMNS), row.values, strict=True)
            if value < 0
        ]
        if negative:
            problems.append(
                _(
                    "%(row)s: negative figures in columns %(columns)s: classes confirmed at "
                    "different times disagree about a class move; ask them to confirm again."
                )
                % {"row": row.label, "columns": ", ".join(negative)}
            )
    return problems


# --- frozen copies (a submitted report is a snapshot; issue 7) -----------------------------------


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, ClassSizeFigures):
        return value.as_json()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def report_to_json(report: ClassSizeReport) -> dict:
    """The whole data object as JSON-safe values: freeze it, and the exporters can rebuild the
    very same files later from ``report_from_json``."""
    data = _plain(report)
    data.pop("total")  # the last row
    return data


def _date(text):
    return datetime.date.fromisoformat(text) if text else None


def _row(data: dict) -> ReportRow:
    values = dict(data)
    values["figures"] = ClassSizeFigures.from_json(values["figures"])
    values["confirmed_at"] = (
        datetime.datetime.fromisoformat(values["confirmed_at"]) if values["confirmed_at"] else None
    )
    values["as_of"] = _date(values["as_of"])
    return ReportRow(**values)


def report_from_json(data: dict) -> ClassSizeReport:
    values = dict(data)
    for name in ("month", "period_start", "period_end", "issued_on"):
        values[name] = _date(values[name])
    values["target"] = Decimal(values["target"])
    values["rows"] = [_row(r) for r in values["rows"]]
    values["total"] = values["rows"][-1]
    if values["dropouts"] is not None:
        values["dropouts"] = [
            DropoutLine(
                **{
                    **d,
                    "date_of_birth": _date(d["date_of_birth"]),
                    "date": _date(d["date"]),
                }
            )
            for d in values["dropouts"]
        ]
    return ClassSizeReport(**values)
