"""Read side of results: a class's grid (students × subjects), a subject across a grade, the
results overview of the school's classes and a student's results by term.

Each selector builds plain data objects in a fixed number of queries, whatever the number of
students or classes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max

from lib.formatting import percent as _percent
from schools.models import Classroom, Subject
from students.models import Enrollment, Student
from students.services import class_sizes

from .models import WEAK_LEVELS, Comment, LevelCode, SubjectResult, Term, TermResult
from .services_results import Cell, Value, is_weak_value, row_value, value_text

ONE_DECIMAL = Decimal("0.1")
TERM_ORDER = (Term.SURVEY, Term.HK1, Term.HK2, Term.YEAR)
# Distribution bands of a subject's averages (lower bound inclusive).
BANDS = (
    (Decimal("0"), Decimal("3.5")),
    (Decimal("3.5"), Decimal("5.0")),
    (Decimal("5.0"), Decimal("6.5")),
    (Decimal("6.5"), Decimal("8.0")),
    (Decimal("8.0"), None),
)


def _average(values: list[Decimal]) -> Decimal | None:
    from .rules import round1

    return round1(sum(values, Decimal(0)) / len(values)) if values else None


def field_name(student_id: int, subject_id: int) -> str:
    return f"c-{student_id}-{subject_id}"


def ordered_subjects(subjects: Iterable[Subject]) -> list[Subject]:
    """Scored subjects, then comment subjects, each in the programme's order."""
    return sorted(subjects, key=lambda s: (s.assessment != Subject.Assessment.SCORE, s.order, s.pk))


# --- a class's grid ------------------------------------------------------------------------------


@dataclass
class GridCell:
    subject: Subject
    name: str  # the form field: c-<student>-<subject>
    value: Value
    text: str  # as shown ("8,5", "Đ", "CĐ")
    weak: bool
    computed: bool = False
    typed: str = ""  # what the input shows (edit mode: what was typed)
    error: str = ""
    conflict: bool = False
    editable: bool = True


@dataclass
class GridRow:
    number: int
    student: Student
    left: bool  # no longer in the class
    cells: list[GridCell]
    term_result: TermResult | None = None
    weak_count: int = 0


@dataclass
class GridColumn:
    subject: Subject
    count: int = 0
    weak: int = 0
    average: Decimal | None = None

    @property
    def is_scored(self) -> bool:
        return self.subject.assessment == Subject.Assessment.SCORE


@dataclass
class ResultGrid:
    classroom: Classroom
    term: int
    threshold: Decimal
    columns: list[GridColumn]
    rows: list[GridRow]
    loaded: dict[Cell, Value]
    level_counts: list[tuple[str, int, bool]] = field(default_factory=list)
    weak_overall: int = 0
    needs_review: int = 0

    @property
    def has_results(self) -> bool:
        return bool(self.loaded)

    @property
    def students(self) -> list[int]:
        return [row.student.pk for row in self.rows]

    def mark(self, typed: dict[str, str], errors: dict[str, str], conflicts: set[str]) -> None:
        """Show what was typed, the bad cells and the cells someone else changed."""
        for row in self.rows:
            for cell in row.cells:
                if cell.name in conflicts:
                    cell.conflict, cell.typed = True, cell.text
                elif cell.name in typed:
                    cell.typed = typed[cell.name]
                cell.error = errors.get(cell.name, "")


def class_students(classroom: Classroom) -> list[tuple[Student, bool]]:
    """Students in the class at any time this year, in Vietnamese order, with whether they have
    left it (one query)."""
    spans = (
        Enrollment.objects.filter(classroom=classroom)
        .select_related("student")
        .order_by("student__sort_key", "student__date_of_birth", "student_id", "start_date")
    )
    still_in: dict[int, bool] = {}
    students: dict[int, Student] = {}
    for span in spans:
        students[span.student_id] = span.student
        here = span.end_date is None or span.end_kind == Enrollment.EndKind.YEAR_END
        still_in[span.student_id] = still_in.get(span.student_id, False) or here
    return [(s, not still_in[pk]) for pk, s in students.items()]


def latest_term_with_results(classroom: Classroom) -> int:
    """The latest term with a result for the class's students, else semester I."""
    terms = set(
        SubjectResult.objects.filter(
            school_year=classroom.school_year,
            student__enrollments__classroom=classroom,
        )
        .values_list("term", flat=True)
        .distinct()
    )
    return max(terms) if terms else Term.HK1


def class_grid(
    classroom: Classroom,
    term: int,
    *,
    threshold: Decimal,
    editing: bool = False,
    editable: set[Cell] | None = None,
) -> ResultGrid:
    """The results of a class for a term: one row per student, one column per subject.

    Electives show when someone has them (always while editing). Queries: students, subjects,
    results, learning results.
    """
    students = class_students(classroom)
    ids = [s.pk for s, _ in students]
    subjects = list(Subject.objects.all())
    results = list(
        SubjectResult.objects.filter(
            school_year=classroom.school_year, term=term, student_id__in=ids
        )
    )
    by_cell = {(r.student_id, r.subject_id): r for r in results}
    used = {r.subject_id for r in results}
    shown = ordered_subjects(s for s in subjects if not s.is_elective or editing or s.pk in used)
    term_results: dict[int, TermResult] = {}
    if term != Term.SURVEY:
        term_results = {
            t.student_id: t
            for t in TermResult.objects.filter(
                school_year=classroom.school_year, term=term, student_id__in=ids
            )
        }
    subject_by_id = {s.pk: s for s in subjects}
    columns = [GridColumn(s) for s in shown]
    scores: dict[int, list[Decimal]] = defaultdict(list)
    rows = []
    for number, (student, left) in enumerate(students, start=1):
        cells = []
        for column in columns:
            subject = column.subject
            row = by_cell.get((student.pk, subject.pk))
            value = row_value(row)
            weak = is_weak_value(value, threshold)
            text = value_text(value)
            cells.append(
                GridCell(
                    subject=subject,
                    name=field_name(student.pk, subject.pk),
                    value=value,
                    text=text,
                    weak=weak,
                    computed=row is not None and row.source == SubjectResult.Source.COMPUTED,
                    typed=text,
                    editable=editable is None or (student.pk, subject.pk) in editable,
                )
            )
            if value is not None:
                column.count += 1
                column.weak += weak
                if isinstance(value, Decimal):
                    scores[subject.pk].append(value)
        term_result = term_results.get(student.pk)
        if term_result is not None and term_result.adjusted_by_id:
            term_result.adjusted_subject = subject_by_id.get(term_result.adjusted_by_id)
        rows.append(
            GridRow(
                number=number,
                student=student,
                left=left,
                cells=cells,
                term_result=term_result,
                weak_count=sum(1 for c in cells if c.weak),
            )
        )
    for column in columns:
        column.average = _average(scores[column.subject.pk])
    counts = Counter(t.level for t in term_results.values() if t.level)
    return ResultGrid(
        classroom=classroom,
        term=term,
        threshold=threshold,
        columns=columns,
        rows=rows,
        loaded={key: row_value(r) for key, r in by_cell.items()},
        level_counts=[
            (label, counts[code], code in WEAK_LEVELS)
            for code, label in LevelCode.choices
            if counts[code]
        ],
        weak_overall=sum(1 for t in term_results.values() if t.is_weak),
        needs_review=sum(1 for t in term_results.values() if t.needs_review),
    )


# --- a subject across a grade --------------------------------------------------------------------


@dataclass
class SubjectLine:
    """One class (or the grade's total) for one subject and term."""

    label: str
    classroom: Classroom | None = None
    count: int = 0  # students with a result
    weak: int = 0
    average: Decimal | None = None
    bands: list[int] = field(default_factory=lambda: [0] * len(BANDS))
    passed: int = 0  # comment subjects: Đạt

    @property
    def weak_percent(self) -> Decimal | None:
        return _percent(self.weak, self.count)

    @property
    def failed(self) -> int:
        return self.weak


@dataclass
class SubjectReport:
    subject: Subject
    grade: int
    term: int
    threshold: Decimal
    lines: list[SubjectLine]
    total: SubjectLine

    @property
    def is_scored(self) -> bool:
        return self.subject.assessment == Subject.Assessment.SCORE


def _band(score: Decimal) -> int:
    for index, (low, high) in enumerate(BANDS):
        if score >= low and (high is None or score < high):
            return index
    return len(BANDS) - 1


def subject_across_grade(
    classrooms: list[Classroom], subject: Subject, term: int, *, grade: int, threshold: Decimal
) -> SubjectReport:
    """A subject's results in each class of a grade and for the grade: students with a result,
    weak (count and %), the average of averages, the distribution by bands. One query (the
    classes are given); a result counts for the class it was recorded in."""
    lines = {c.pk: SubjectLine(label=c.name, classroom=c) for c in classrooms}
    total = SubjectLine(label="")
    year_ids = {c.school_year_id for c in classrooms}
    rows = SubjectResult.objects.filter(
        school_year_id__in=year_ids,
        subject=subject,
        term=term,
        classroom_id__in=list(lines),
    ).values_list("classroom_id", "score", "comment")
    scores: dict[int | None, list[Decimal]] = defaultdict(list)
    for classroom_id, score, comment in rows:
        value = score.quantize(ONE_DECIMAL) if score is not None else comment
        for line, key in ((lines[classroom_id], classroom_id), (total, None)):
            line.count += 1
            line.weak += is_weak_value(value, threshold)
            if isinstance(value, Decimal):
                line.bands[_band(value)] += 1
                scores[key].append(value)
            elif value == Comment.PASS:
                line.passed += 1
    for key, line in [*lines.items(), (None, total)]:
        line.average = _average(scores[key])
    return SubjectReport(
        subject=subject,
        grade=grade,
        term=term,
        threshold=threshold,
        lines=list(lines.values()),
        total=total,
    )


def grade_terms_with_results(classrooms: list[Classroom], subject: Subject) -> set[int]:
    return set(
        SubjectResult.objects.filter(classroom__in=classrooms, subject=subject)
        .values_list("term", flat=True)
        .distinct()
    )


# --- overview of the school's classes ------------------------------------------------------------


@dataclass
class TermStatus:
    term: int
    students: int  # students with at least one result in that class and term
    updated_at: object = None


@dataclass
class ClassStatus:
    classroom: Classroom
    size: int
    terms: list[TermStatus]
    can_manage: bool = False


def results_overview(classrooms: list[Classroom], *, on=None) -> list[ClassStatus]:
    """Per class and term: how many students have results, against the class size now. Two
    queries (the classes are given)."""
    if not classrooms:
        return []
    sizes = class_sizes(classrooms, on=on)
    counts: dict[tuple[int, int], tuple[int, object]] = {}
    for row in (
        SubjectResult.objects.filter(classroom__in=classrooms)
        .values("classroom_id", "term")
        .annotate(students=Count("student_id", distinct=True), last=Max("updated_at"))
        .order_by()
    ):
        counts[row["classroom_id"], row["term"]] = (row["students"], row["last"])
    return [
        ClassStatus(
            classroom=c,
            size=sizes[c.pk].now,
            terms=[TermStatus(t, *counts.get((c.pk, t), (0, None))) for t in TERM_ORDER],
        )
        for c in classrooms
    ]


# --- one student's results -----------------------------------------------------------------------


@dataclass
class StudentResults:
    terms: list[int]
    subjects: list[tuple[Subject, list[tuple[str, bool]]]]  # per subject: (text, weak) per term
    levels: list[TermResult | None]  # per term (None for the survey)

    @property
    def empty(self) -> bool:
        return not self.subjects


def student_results(student: Student, school_year, *, threshold: Decimal) -> StudentResults:
    """A student's results of a school year, subject by subject and term by term. Three queries."""
    rows = list(
        SubjectResult.objects.filter(student=student, school_year=school_year).select_related(
            "subject"
        )
    )
    term_results = {
        t.term: t
        for t in TermResult.objects.filter(student=student, school_year=school_year).select_related(
            "adjusted_by"
        )
    }
    terms = [t for t in TERM_ORDER if any(r.term == t for r in rows)]
    by_cell = {(r.subject_id, r.term): row_value(r) for r in rows}
    subjects = ordered_subjects({r.subject_id: r.subject for r in rows}.values())
    return StudentResults(
        terms=terms,
        subjects=[
            (
                s,
                [
                    (
                        value_text(by_cell.get((s.pk, t))),
                        is_weak_value(by_cell.get((s.pk, t)), threshold),
                    )
                    for t in terms
                ],
            )
            for s in subjects
        ],
        levels=[term_results.get(t) for t in terms],
    )
