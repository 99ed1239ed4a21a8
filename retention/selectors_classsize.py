"""Class-size figures (sĩ số) for a period, per class, grade block and school, derived from the
enrollment spans: nothing here is typed, everything is counted.

How the numbers are defined (REPORTS.md S3, columns (4)–(22)):

* A span is *in the class at the end of day D* when ``start_date <= D`` and it has not ended by D
  (``end_date > D``; spans closed with ``YEAR_END`` count as still there: finishing the year is no
  departure). Spans start inclusive and end exclusive, so a movement dated D is part of day D.
* (4)–(6) start of the year: in the class at the end of the school year's headcount date
  (``SchoolYear.enrollment_snapshot_date``), the denominator of the dropout rate (CV 3237).
* Movements are counted after the headcount date only: anything before it is already inside (4).
  The period's movement window is ``(opening_day, end]`` with
  ``opening_day = max(start - 1 day, headcount date)`` (never after ``end``), and
  (7) "start of the month" is the size at the end of ``opening_day``: for the first month of the
  year that is the start-of-year headcount itself.
* (8) chuyển đến = transferred in from another school + moved in from another class of the school
  + enrolled "at the start of the year" after the headcount date (a late entry, named in (23)).
  (10) chuyển đi = transferred out + moved out to another class. A class move is a departure for
  one class and an arrival for the other, so every class row balances; when rows are added up,
  moves between two classes of the same block (block row) or of the school (school row) are taken
  out of both (8) and (10) — see ``sum_figures``. The "(23) Ghi chú" note names the class moves.
* (9) trở lại = returned after dropping out; (11) bỏ học; (12) giảm lý do khác = any other exit
  (vocational training, death …) — never counted as a dropout.
* (13)–(15) size at the end of the period.
  **Identity** (checked on every row): (13) = (7) + (8) + (9) − (10) − (11) − (12).
* (16)–(20) cumulative since the headcount date, window ``(headcount date, end]``: arrivals and
  departures as in (8) and (10), dropouts with, of which, girls and ethnic-minority students. A
  student who dropped out and returned stays in (18) ("the lũy kế keeps both events").
  **Balance**: (4) + (16) + returned − (17) − (18) − other exits = (13); returns and other exits
  since the start of the year have no column of their own and are named in (23).
* (21) dropout rate = (18) ÷ (4) × 100, two decimals.
* (22) students at risk of dropping out: still in the class at the end of the period with a
  long-absence alert raised in the period or still open (until risk cases exist, issue 6).

Two grouped queries for any number of classes and students: one over the enrollment spans with
conditional counts, one over the absence alerts.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Lower, Trim
from django.db.models.lookups import Exact

from lib.calendar import month_bounds
from lib.formatting import round_half_up
from students.models import Enrollment, Student

from .models import AbsenceAlert, ClassSizeConfirmation

ONE_DAY = datetime.timedelta(days=1)
START = Enrollment.StartKind
END = Enrollment.EndKind


@dataclass
class ClassSizeFigures:
    """The figures of one class, or the sum of several (a grade block, the school)."""

    classes: int = 1  # (3)
    start_total: int = 0  # (4)
    start_female: int = 0  # (5)
    start_minority: int = 0  # (6)
    opening: int = 0  # (7)
    transfer_in: int = 0  # part of (8): from another school
    late_enrolled: int = 0  # part of (8): "start of the year" entries after the headcount date
    class_in: int = 0  # part of (8): from another class of the school
    returned: int = 0  # (9)
    transfer_out: int = 0  # part of (10): to another school
    class_out: int = 0  # part of (10): to another class of the school
    dropped: int = 0  # (11)
    other_exit: int = 0  # (12)
    end_total: int = 0  # (13)
    end_female: int = 0  # (14)
    end_minority: int = 0  # (15)
    cum_transfer_in: int = 0
    cum_late_enrolled: int = 0
    cum_class_in: int = 0
    cum_returned: int = 0
    cum_transfer_out: int = 0
    cum_class_out: int = 0
    cum_dropped: int = 0  # (18)
    cum_dropped_female: int = 0  # (19)
    cum_dropped_minority: int = 0  # (20)
    cum_other_exit: int = 0
    at_risk: int = 0  # (22)
    # Class moves whose other class is of the same grade / of the school: what adding rows
    # cancels. Counted on the arriving side; every such move also left a class of the same set.
    moves_within_grade: int = 0
    moves_within_school: int = 0
    cum_moves_within_grade: int = 0
    cum_moves_within_school: int = 0

    # --- the printed columns ------------------------------------------------------------------
    @property
    def arrived(self) -> int:  # (8)
        return self.transfer_in + self.late_enrolled + self.class_in

    @property
    def left(self) -> int:  # (10)
        return self.transfer_out + self.class_out

    @property
    def cum_arrived(self) -> int:  # (16)
        return self.cum_transfer_in + self.cum_late_enrolled + self.cum_class_in

    @property
    def cum_left(self) -> int:  # (17)
        return self.cum_transfer_out + self.cum_class_out

    @property
    def dropout_rate(self) -> Decimal:  # (21)
        if not self.start_total:
            return Decimal("0.00")
        return round_half_up(Decimal(self.cum_dropped) * 100 / self.start_total, 2)

    @property
    def has_movements(self) -> bool:
        return bool(self.arrived or self.returned or self.left or self.dropped or self.other_exit)

    # --- the checks ---------------------------------------------------------------------------
    @property
    def identity_holds(self) -> bool:
        """(13) = (7) + (8) + (9) − (10) − (11) − (12)."""
        expected = (
            self.opening + self.arrived + self.returned - self.left - self.dropped - self.other_exit
        )
        return self.end_total == expected

    @property
    def balance_holds(self) -> bool:
        """(4) + Σ arrivals − Σ departures since the start of the year = (13)."""
        expected = (
            self.start_total
            + self.cum_arrived
            + self.cum_returned
            - self.cum_left
            - self.cum_dropped
            - self.cum_other_exit
        )
        return self.end_total == expected

    # --- frozen copies ------------------------------------------------------------------------
    def as_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ClassSizeFigures:
        """Rebuild from a frozen copy; unknown keys are ignored, missing ones are zero."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {}
        for key, value in (data or {}).items():
            if key in names:
                try:
                    values[key] = int(value)
                except (TypeError, ValueError):
                    values[key] = 0
        return cls(**values)

    def core(self) -> dict:
        """The counted figures without the at-risk count (which moves with every alert)."""
        data = self.as_json()
        data.pop("at_risk")
        return data


COUNT_FIELDS = [f.name for f in dataclasses.fields(ClassSizeFigures)]
MOVE_PAIRS = (
    ("class_in", "class_out", "moves_within"),
    ("cum_class_in", "cum_class_out", "cum_moves_within"),
)


def sum_figures(figures: Iterable[ClassSizeFigures], *, within: str) -> ClassSizeFigures:
    """Add class figures up to a grade block (``within="grade"``: all the classes of one grade)
    or the school (``within="school"``): class moves inside the group cancel out of (8)/(10) and
    (16)/(17), so a block or school row counts only what came from or went outside it."""
    assert within in ("grade", "school")
    total = ClassSizeFigures(classes=0)
    for item in figures:
        for name in COUNT_FIELDS:
            setattr(total, name, getattr(total, name) + getattr(item, name))
    for arrived, left, prefix in MOVE_PAIRS:
        internal = getattr(total, f"{prefix}_{within}")
        setattr(total, arrived, getattr(total, arrived) - internal)
        setattr(total, left, getattr(total, left) - internal)
    if within == "school":
        # Nothing left to cancel at a higher level.
        for prefix in ("moves_within", "cum_moves_within"):
            setattr(total, f"{prefix}_grade", 0)
            setattr(total, f"{prefix}_school", 0)
    else:
        # What remains to cancel at school level: moves between this block and another.
        for prefix in ("moves_within", "cum_moves_within"):
            cross = getattr(total, f"{prefix}_school") - getattr(total, f"{prefix}_grade")
            setattr(total, f"{prefix}_school", cross)
            setattr(total, f"{prefix}_grade", 0)
    return total


@dataclass
class Period:
    start: datetime.date
    end: datetime.date
    snapshot: datetime.date

    @property
    def opening_day(self) -> datetime.date:
        return min(max(self.start - ONE_DAY, self.snapshot), self.end)

    @property
    def cumulative_from(self) -> datetime.date:
        """Movements after this day count in the year's cumulative columns."""
        return min(self.snapshot, self.end)


def month_period(
    month: datetime.date, *, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The figures of a month: from its first day to its last, or to today while it runs."""
    first, last = month_bounds(month.year, month.month)
    return first, min(last, max(today, first))


def _in_class_at_end_of(day: datetime.date) -> Q:
    return Q(start_date__lte=day) & (
        Q(end_date__isnull=True) | Q(end_date__gt=day) | Q(end_kind=END.YEAR_END)
    )


def _started(after: datetime.date, until: datetime.date, kind: str) -> Q:
    return Q(start_kind=kind, start_date__gt=after, start_date__lte=until)


def _ended(after: datetime.date, until: datetime.date, kind: str) -> Q:
    return Q(end_kind=kind, end_date__gt=after, end_date__lte=until)


FEMALE = Q(student__gender=Student.Gender.FEMALE)
# Same rule as Student.is_ethnic_minority: a non-empty ethnicity other than Kinh.
MINORITY = ~Q(Exact(Lower(Trim("student__ethnicity")), "kinh")) & ~Q(
    Exact(Trim("student__ethnicity"), "")
)
LONG_ABSENCE_KINDS = (AbsenceAlert.Kind.CONSECUTIVE, AbsenceAlert.Kind.WINDOW)


def class_size_figures(
    classrooms, *, start: datetime.date, end: datetime.date
) -> dict[int, ClassSizeFigures]:
    """Figures of each class for the period ``start``–``end`` (both inclusive).

    The classes must belong to one school year (pass them with ``school_year`` selected). Two
    grouped queries, whatever the number of classes and students. Refuses an empty period.
    """
    classrooms = list(classrooms)
    if not classrooms:
        return {}
    if end < start:
        raise ValueError("The period ends before it starts.")
    years = {c.school_year_id for c in classrooms}
    if len(years) != 1:
        raise ValueError("The classes must belong to one school year.")
    period = Period(
        start=start, end=end, snapshot=classrooms[0].school_year.enrollment_snapshot_date
    )
    ids = [c.pk for c in classrooms]
    lo, cum, hi = period.opening_day, period.cumulative_from, end

    # The class a mover came from: the span the student left, by class change, the day they came.
    previous = Enrollment.objects.filter(
        student_id=OuterRef("student_id"),
        end_kind=END.CLASS_CHANGE,
        end_date=OuterRef("start_date"),
        classroom__school_year_id=OuterRef("classroom__school_year_id"),
    ).exclude(classroom_id=OuterRef("classroom_id"))
    from_same_grade = Exists(previous.filter(classroom__grade=OuterRef("classroom__grade")))
    from_school = Exists(previous)

    def count(condition: Q) -> Count:
        return Count("pk", filter=condition)

    at_start = _in_class_at_end_of(period.snapshot)
    at_end = _in_class_at_end_of(hi)
    month_move = _started(lo, hi, START.CLASS_CHANGE)
    cum_move = _started(cum, hi, START.CLASS_CHANGE)
    cum_dropped = _ended(cum, hi, END.DROPPED_OUT)
    rows = (
        Enrollment.objects.filter(classroom_id__in=ids)
        .values("classroom_id")
        .annotate(
            start_total=count(at_start),
            start_female=count(at_start & FEMALE),
            start_minority=count(at_start & MINORITY),
            opening=count(_in_class_at_end_of(lo)),
            transfer_in=count(_started(lo, hi, START.TRANSFER_IN)),
            late_enrolled=count(_started(lo, hi, START.START_OF_YEAR)),
            class_in=count(month_move),
            returned=count(_started(lo, hi, START.RETURNED)),
            transfer_out=count(_ended(lo, hi, END.TRANSFER_OUT)),
            class_out=count(_ended(lo, hi, END.CLASS_CHANGE)),
            dropped=count(_ended(lo, hi, END.DROPPED_OUT)),
            other_exit=count(_ended(lo, hi, END.OTHER_EXIT)),
            end_total=count(at_end),
            end_female=count(at_end & FEMALE),
            end_minority=count(at_end & MINORITY),
            cum_transfer_in=count(_started(cum, hi, START.TRANSFER_IN)),
            cum_late_enrolled=count(_started(cum, hi, START.START_OF_YEAR)),
            cum_class_in=count(cum_move),
            cum_returned=count(_started(cum, hi, START.RETURNED)),
            cum_transfer_out=count(_ended(cum, hi, END.TRANSFER_OUT)),
            cum_class_out=count(_ended(cum, hi, END.CLASS_CHANGE)),
            cum_dropped=count(cum_dropped),
            cum_dropped_female=count(cum_dropped & FEMALE),
            cum_dropped_minority=count(cum_dropped & MINORITY),
            cum_other_exit=count(_ended(cum, hi, END.OTHER_EXIT)),
            moves_within_grade=count(month_move & Q(from_same_grade)),
            moves_within_school=count(month_move & Q(from_school)),
            cum_moves_within_grade=count(cum_move & Q(from_same_grade)),
            cum_moves_within_school=count(cum_move & Q(from_school)),
        )
        .order_by()
    )
    result = {pk: ClassSizeFigures() for pk in ids}
    for row in rows:
        classroom_id = row.pop("classroom_id")
        result[classroom_id] = ClassSizeFigures(**row)

    still_there = Enrollment.objects.filter(
        student_id=OuterRef("student_id"), classroom_id=OuterRef("classroom_id")
    ).filter(_in_class_at_end_of(hi))
    at_risk = (
        AbsenceAlert.objects.filter(
            classroom_id__in=ids, kind__in=LONG_ABSENCE_KINDS, opened_on__lte=hi
        )
        .filter(Q(acknowledged_at__isnull=True) | Q(opened_on__gte=start))
        .filter(Exists(still_there))
        .values("classroom_id")
        .annotate(n=Count("student_id", distinct=True))
        .order_by()
    )
    for row in at_risk:
        result[row["classroom_id"]].at_risk = row["n"]
    return result


# --- grade blocks and the school ----------------------------------------------------------------


@dataclass
class BlockFigures:
    grade: int
    rows: list = field(default_factory=list)  # (classroom, ClassSizeFigures)
    total: ClassSizeFigures = field(default_factory=lambda: ClassSizeFigures(classes=0))


def figures_by_block(
    classrooms, figures: dict[int, ClassSizeFigures], *, first: Iterable[int] = ()
) -> tuple[list[BlockFigures], ClassSizeFigures]:
    """Classes grouped by grade (blocks in ``first`` — a vice-principal's — listed first), each
    block's total, and the school's total (no queries)."""
    first = set(first)
    blocks: dict[int, BlockFigures] = {}
    for classroom in sorted(classrooms, key=lambda c: (c.grade, c.name)):
        block = blocks.setdefault(classroom.grade, BlockFigures(grade=classroom.grade))
        block.rows.append((classroom, figures.get(classroom.pk, ClassSizeFigures())))
    for block in blocks.values():
        block.total = sum_figures((f for _, f in block.rows), within="grade")
    school = sum_figures((f for block in blocks.values() for _, f in block.rows), within="school")
    ordered = sorted(blocks.values(), key=lambda b: (b.grade not in first, b.grade))
    return ordered, school


# --- confirmations and the movements behind a class's figures -----------------------------------


def confirmations_for(classrooms, month: datetime.date) -> dict[int, ClassSizeConfirmation]:
    """This month's confirmations of these classes, by class (one query)."""
    ids = [c.pk for c in classrooms]
    if not ids:
        return {}
    found = ClassSizeConfirmation.objects.filter(classroom_id__in=ids, month=month).select_related(
        "confirmed_by"
    )
    return {c.classroom_id: c for c in found}


def previous_confirmation(classroom, month: datetime.date) -> ClassSizeConfirmation | None:
    return (
        ClassSizeConfirmation.objects.filter(classroom=classroom, month__lt=month)
        .order_by("-month")
        .first()
    )


@dataclass
class MovementLine:
    date: datetime.date
    student: Student
    kind: str  # a label
    arriving: bool
    note: str = ""


def movements_in_period(classroom, *, start: datetime.date, end: datetime.date, students):
    """The arrivals and departures of a class counted in a period's figures, for the people who
    may see these students (``students``: a scoped queryset). One query."""
    year = classroom.school_year
    period = Period(start=start, end=end, snapshot=year.enrollment_snapshot_date)
    lo, hi = period.opening_day, end
    spans = (
        Enrollment.objects.filter(classroom=classroom, student__in=students)
        .filter(
            Q(start_date__gt=lo, start_date__lte=hi)
            | (Q(end_date__gt=lo, end_date__lte=hi) & ~Q(end_kind=END.YEAR_END))
        )
        .select_related("student")
        .order_by("start_date", "pk")
    )
    lines = []
    for span in spans:
        if lo < span.start_date <= hi:
            lines.append(
                MovementLine(
                    span.start_date,
                    span.student,
                    span.get_start_kind_display(),
                    True,
                    span.start_note,
                )
            )
        if span.end_date and lo < span.end_date <= hi and span.end_kind != END.YEAR_END:
            lines.append(
                MovementLine(
                    span.end_date, span.student, span.get_end_kind_display(), False, span.end_note
                )
            )
    lines.sort(key=lambda line: (line.date, line.student.sort_key))
    return lines
