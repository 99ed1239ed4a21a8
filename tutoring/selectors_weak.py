"""Reading the weak-student register: the lists with counts and rates, "not yet covered", the
class page, one record with its history, and the home and student panels.

Every builder costs a fixed number of queries, whatever the number of records or students: rows
are loaded once and grouped in Python (a school has hundreds of records, not millions).

"Covered" (không bỏ quên một học sinh nào): a student is covered in a subject when they are in a
tutoring group of that subject this year (membership not ended) or helped by a peer in it (pair
not ended), and in every subject when a teacher mentors them this year (an active mentorship,
issue 6); an overall record is covered when any of the student's subjects is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from lib.formatting import format_number, percent
from retention.models import Mentorship
from schools.models import Classroom, SchoolYear, Subject, User
from schools.scoping import scope_for
from students.models import Enrollment, Student

from . import scoping
from .models import (
    Comment,
    LevelCode,
    Membership,
    PeerPair,
    SubjectResult,
    Term,
    TermResult,
    WeakCause,
    WeakRecord,
)
from .services_weak import student_version, subject_is_weak

Status = WeakRecord.Status
PAGE_SIZE = 50
OVERALL = "overall"  # the subject filter's value for "weak overall"

# URL names other areas give their pages (looked up, never required).
GROUP_CREATE_URL = "group_create"  # ?subject=<id>&grade=<n>
PEER_PAIR_CREATE_URL = "peer_pair_create"  # ?student=<id>&subject=<id>


# --- coverage ------------------------------------------------------------------------------------


def covered_pairs(school_year: SchoolYear, student_ids) -> set[tuple[int, int | None]]:
    """(student id, subject id) for every subject in which these students are being helped this
    year: an active membership of a tutoring group of that subject, or an active peer pair; and
    (student id, None) for a student an active mentorship of this year covers in every subject.
    Three queries (none for no student)."""
    ids = list(student_ids)
    if not ids:
        return set()
    pairs: set[tuple[int, int | None]] = set(
        Membership.objects.filter(
            student_id__in=ids, left_on__isnull=True, group__school_year=school_year
        )
        .order_by()
        .values_list("student_id", "group__subject_id")
    )
    pairs |= set(
        PeerPair.objects.filter(helped_id__in=ids, end_date__isnull=True, school_year=school_year)
        .order_by()
        .values_list("helped_id", "subject_id")
    )
    pairs |= {
        (student_id, None)
        for student_id in Mentorship.objects.active()
        .filter(student_id__in=ids, school_year=school_year)
        .order_by()
        .values_list("student_id", flat=True)
    }
    return pairs


def is_covered(student_id: int, subject_id: int | None, pairs: set[tuple[int, int | None]]) -> bool:
    """A subject record: that subject is covered, or the student has a mentor (every subject);
    an overall record: any subject is, or the student has a mentor."""
    if subject_id is not None:
        return (student_id, subject_id) in pairs or (student_id, None) in pairs
    return any(student == student_id for student, _subject in pairs)


# --- scope ----------------------------------------------------------------------------------------


def can_read_weak(user) -> bool:
    """Whoever may see some weak records: leaders and the clerk (the school), GVCN and subject
    teachers (their classes), tổ trưởng (their subjects), tutors (their students)."""
    scope = scope_for(user)
    if not scoping.in_school(scope) or scope.year is None:
        return False
    return bool(
        scoping.is_school_wide(scope)
        or scope.homeroom_class_ids
        or scope.taught_class_ids
        or scope.group_ids
        or scoping.tutored_group_ids(scope)
    )


def year_records(user, school_year: SchoolYear) -> QuerySet:
    return with_basis(WeakRecord.objects.for_user(user).filter(school_year=school_year))


def with_basis(qs: QuerySet) -> QuerySet:
    """Annotates ``basis_last_year``: the record rests on last year's whole-year result (its term
    is YEAR and this year has no whole-year result yet)."""
    this_year_subject = SubjectResult.objects.filter(
        student_id=OuterRef("student_id"),
        school_year_id=OuterRef("school_year_id"),
        subject_id=OuterRef("subject_id"),
        term=Term.YEAR,
    )
    this_year_overall = TermResult.objects.filter(
        student_id=OuterRef("student_id"),
        school_year_id=OuterRef("school_year_id"),
        term=Term.YEAR,
    )
    return qs.annotate(
        basis_last_year=Case(
            When(Q(term=Term.YEAR, subject__isnull=False), then=~Exists(this_year_subject)),
            When(Q(term=Term.YEAR, subject__isnull=True), then=~Exists(this_year_overall)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def student_classrooms(school_year: SchoolYear, student_ids, *, open_only=False) -> dict:
    """student id → their class this year: the open span's class, else the last one left.
    One query."""
    spans = Enrollment.objects.filter(classroom__school_year=school_year)
    if student_ids is not None:
        spans = spans.filter(student_id__in=list(student_ids))
    if open_only:
        spans = spans.filter(end_date__isnull=True)
    found: dict[int, tuple] = {}
    for span in spans.select_related("classroom").order_by("start_date", "pk"):
        current = found.get(span.student_id)
        if current is None or current[1] is not None or span.end_date is None:
            found[span.student_id] = (span.classroom, span.end_date)
    return {student_id: classroom for student_id, (classroom, _end) in found.items()}


def referable_students(user) -> QuerySet:
    """Students a teacher may refer: those whose results they may read, enrolled now in a class
    of the current year; annotated with ``class_name``, ordered by class then name."""
    scope = scope_for(user)
    spans = Enrollment.objects.filter(
        classroom__school_year=scope.year, end_date__isnull=True, student_id=OuterRef("pk")
    )
    return (
        scoping.results_students(user)
        .filter(Exists(spans))
        .annotate(
            class_name=Subquery(spans.values("classroom__name")[:1]),
            grade=Subquery(spans.values("classroom__grade")[:1]),
        )
        .order_by("grade", "class_name", "sort_key", "pk")
    )


# --- display helpers ------------------------------------------------------------------------------


def term_label(record: WeakRecord) -> str:
    if record.term is None:
        return ""
    if getattr(record, "basis_last_year", False):
        start = record.school_year.start_year - 1 if record.school_year_id else None
        return _("Whole year %(year)s") % {"year": f"{start}-{start + 1}"}
    return str(Term(record.term).label)


def value_label(score: Decimal | None, comment: str) -> str:
    if score is not None:
        return format_number(score, 1)
    return Comment(comment).label if comment else ""


@dataclass
class WeakItem:
    """One record as the lists show it."""

    record: WeakRecord
    covered: bool
    term: str  # the basis, e.g. "Học kì I" or "Cả năm 2025-2026"

    @property
    def value(self) -> str:
        return value_label(self.record.score, self.record.comment)

    @property
    def gap(self) -> str:
        return format_number(self.record.gap, 1) if self.record.gap is not None else ""

    @property
    def subject_name(self) -> str:
        return self.record.subject.short_name if self.record.subject_id else _("Overall")

    @property
    def is_current(self) -> bool:
        return self.record.status != Status.DISMISSED and self.record.resolved_term is None


def _item(record: WeakRecord, pairs) -> WeakItem:
    return WeakItem(
        record, is_covered(record.student_id, record.subject_id, pairs), term_label(record)
    )


def _order(record: WeakRecord) -> tuple:
    return (0, 0) if record.subject_id is None else (1, record.subject.order)


@dataclass
class StudentRow:
    student: Student
    classroom: Classroom | None
    items: list[WeakItem]

    @property
    def weak_subject_count(self) -> int:
        return sum(1 for i in self.items if i.record.subject_id and i.is_current)

    @property
    def overall(self) -> WeakItem | None:
        return next((i for i in self.items if i.record.subject_id is None), None)


def _student_rows(records, classes, pairs) -> list[StudentRow]:
    by_student: dict[int, list[WeakRecord]] = defaultdict(list)
    for record in records:
        by_student[record.student_id].append(record)
    rows = []
    for items in by_student.values():
        student = items[0].student
        items.sort(key=_order)
        rows.append(StudentRow(student, classes.get(student.pk), [_item(r, pairs) for r in items]))
    rows.sort(key=lambda row: (row.student.sort_key, row.student.pk))
    return rows


# --- the list -----------------------------------------------------------------------------------


@dataclass
class Filters:
    classroom_id: int | None = None
    grade: int | None = None
    subject: str = ""  # "", OVERALL or a subject id as text
    status: str = ""  # "": not dismissed
    origin: str = ""
    state: str = "current"  # current (still weak) | resolved | all
    uncovered: bool = False


@dataclass
class RateRow:
    label: str
    weak: int
    total: int
    key: str = ""
    overall: int | None = None  # by grade: weak overall

    @property
    def rate(self) -> Decimal | None:
        return percent(self.weak, self.total)

    @property
    def overall_rate(self) -> Decimal | None:
        return percent(self.overall or 0, self.total) if self.overall is not None else None


@dataclass
class WeakList:
    rows: list[StudentRow]
    page: object
    record_count: int
    student_count: int
    uncovered_count: int
    by_subject: list[RateRow]
    by_grade: list[RateRow]
    total: RateRow | None
    subjects_limited: bool = False


def _matches(record: WeakRecord, f: Filters, classroom, covered: bool) -> bool:
    if f.classroom_id and (classroom is None or classroom.pk != f.classroom_id):
        return False
    if f.grade and (classroom is None or classroom.grade != f.grade):
        return False
    if f.subject == OVERALL and record.subject_id is not None:
        return False
    if f.subject not in ("", OVERALL) and str(record.subject_id) != f.subject:
        return False
    if f.status and record.status != f.status:
        return False
    if not f.status and record.status == Status.DISMISSED:
        return False
    if f.origin and record.origin != f.origin:
        return False
    if f.state == "current" and record.resolved_term is not None:
        return False
    if f.state == "resolved" and record.resolved_term is None:
        return False
    return not (f.uncovered and covered)


def _stat_subject_ids(user) -> set[int] | None:
    """Subjects whose records the user sees school-wide or class-wide alike (None: all). A tổ
    trưởng's rates are about their subjects."""
    scope = scope_for(user)
    if scoping.is_school_wide(scope) or not scope.group_ids:
        return None
    return scoping.head_subject_ids(scope)


def weak_list(user, filters: Filters | None = None, *, page=1) -> WeakList:
    """The register as the list page shows it: one row per student (their weak subjects as
    badges), filtered, in Vietnamese order, 50 students a page; counts and rates by subject and
    by grade block (still weak / students with results, within the class and grade filters).

    Queries: the records, the students' classes, coverage (2), subjects, two grouped counts of
    students with results: 7, whatever the number of records."""
    f = filters or Filters()
    scope = scope_for(user)
    year = scope.year
    records = list(year_records(user, year).select_related("student", "subject", "school_year"))
    student_ids = {r.student_id for r in records}
    classes = student_classrooms(year, student_ids)
    pairs = covered_pairs(year, student_ids)

    shown, uncovered_students = [], set()
    for record in records:
        covered = is_covered(record.student_id, record.subject_id, pairs)
        classroom = classes.get(record.student_id)
        if _matches(record, f, classroom, covered):
            shown.append(record)
            if not covered and record.status != Status.DISMISSED:
                uncovered_students.add(record.student_id)
    rows = _student_rows(shown, classes, pairs)
    page_obj = Paginator(rows, PAGE_SIZE).get_page(page)

    by_subject, by_grade, total, limited = _rates(user, year, records, classes, f)
    return WeakList(
        rows=list(page_obj),
        page=page_obj,
        record_count=len(shown),
        student_count=len(rows),
        uncovered_count=len(uncovered_students),
        by_subject=by_subject,
        by_grade=by_grade,
        total=total,
        subjects_limited=limited,
    )


def _rates(user, year, records, classes, f: Filters):
    """Still-weak students / students with results, by subject and by grade block."""
    subject_ids = _stat_subject_ids(user)
    weak_by_subject: dict[int, set[int]] = defaultdict(set)
    weak_by_grade: dict[int, set[int]] = defaultdict(set)
    overall_by_grade: dict[int, set[int]] = defaultdict(set)
    for record in records:
        if record.status == Status.DISMISSED or record.resolved_term is not None:
            continue
        classroom = classes.get(record.student_id)
        if classroom is None:
            continue
        if (f.classroom_id and classroom.pk != f.classroom_id) or (
            f.grade and classroom.grade != f.grade
        ):
            continue
        if record.subject_id is None:
            overall_by_grade[classroom.grade].add(record.student_id)
        elif subject_ids is None or record.subject_id in subject_ids:
            weak_by_subject[record.subject_id].add(record.student_id)
            weak_by_grade[classroom.grade].add(record.student_id)

    results = SubjectResult.objects.filter(
        school_year=year, student__in=scoping.results_students(user)
    )
    if f.classroom_id:
        results = results.filter(classroom_id=f.classroom_id)
    if f.grade:
        results = results.filter(classroom__grade=f.grade)
    per_subject = {
        r["subject_id"]: r["n"]
        for r in results.values("subject_id").annotate(n=Count("student_id", distinct=True))
    }
    per_grade = {
        r["classroom__grade"]: r["n"]
        for r in results.values("classroom__grade").annotate(n=Count("student_id", distinct=True))
    }
    subjects = Subject.objects.filter(pk__in=set(per_subject) | set(weak_by_subject))
    if subject_ids is not None:
        subjects = subjects.filter(pk__in=subject_ids)
    by_subject = [
        RateRow(s.name, len(weak_by_subject.get(s.pk, ())), per_subject.get(s.pk, 0), str(s.pk))
        for s in subjects.order_by("order", "name")
    ]
    grades = sorted(set(per_grade) | set(weak_by_grade) | set(overall_by_grade))
    by_grade = [
        RateRow(
            _("Grade %(grade)s") % {"grade": g},
            len(weak_by_grade.get(g, ())),
            per_grade.get(g, 0),
            str(g),
            overall=len(overall_by_grade.get(g, ())),
        )
        for g in grades
    ]
    total = None
    if by_grade:
        total = RateRow(
            _("All grades"),
            sum(r.weak for r in by_grade),
            sum(r.total for r in by_grade),
            overall=sum(r.overall or 0 for r in by_grade),
        )
    return by_subject, by_grade, total, subject_ids is not None


# --- not yet covered ---------------------------------------------------------------------------


@dataclass
class UncoveredItem:
    item: WeakItem
    group_url: str | None = None
    pair_url: str | None = None


@dataclass
class UncoveredStudent:
    student: Student
    items: list[UncoveredItem]


@dataclass
class UncoveredClass:
    classroom: Classroom
    students: list[UncoveredStudent] = field(default_factory=list)


@dataclass
class Uncovered:
    classes: list[UncoveredClass]
    student_count: int
    record_count: int
    group_create_available: bool
    peer_pair_available: bool


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def current_uncovered(user, year: SchoolYear):
    """The still-weak records (not dismissed, not resolved) of students enrolled now whom no
    group or pair helps in that subject, with the students' classes. Four queries."""
    records = list(
        year_records(user, year)
        .exclude(status=Status.DISMISSED)
        .filter(resolved_term__isnull=True)
        .select_related("student", "subject", "school_year")
    )
    student_ids = {r.student_id for r in records}
    classes = student_classrooms(year, student_ids, open_only=True)
    pairs = covered_pairs(year, classes)
    left = [
        r
        for r in records
        if r.student_id in classes and not is_covered(r.student_id, r.subject_id, pairs)
    ]
    return left, classes, pairs


def uncovered(user) -> Uncovered:
    """ "Chưa được hỗ trợ": still-weak students no group or pair helps, by class (grade, name),
    students in Vietnamese order, with links to set up a group or a pair where those pages exist
    and the user may use them. Fixed number of queries."""
    scope = scope_for(user)
    records, classes, pairs = current_uncovered(user, scope.year)
    group_base = _url_or_none(GROUP_CREATE_URL)
    pair_base = _url_or_none(PEER_PAIR_CREATE_URL)
    by_class: dict[int, UncoveredClass] = {}
    for row in _student_rows(records, classes, pairs):
        classroom = row.classroom
        entry = by_class.setdefault(classroom.pk, UncoveredClass(classroom))
        items = []
        for item in row.items:
            subject_id = item.record.subject_id
            group_url = pair_url = None
            if subject_id is not None:
                if group_base and scoping.can_create_group(user, subject_id):
                    group_url = f"{group_base}?subject={subject_id}&grade={classroom.grade}"
                if pair_base and (scope.is_leader or classroom.pk in scope.homeroom_class_ids):
                    pair_url = f"{pair_base}?student={row.student.pk}&subject={subject_id}"
            items.append(UncoveredItem(item, group_url, pair_url))
        entry.students.append(UncoveredStudent(row.student, items))
    ordered = sorted(by_class.values(), key=lambda c: (c.classroom.grade, c.classroom.name))
    return Uncovered(
        classes=ordered,
        student_count=sum(len(c.students) for c in ordered),
        record_count=len(records),
        group_create_available=group_base is not None,
        peer_pair_available=pair_base is not None,
    )


# --- the class page -------------------------------------------------------------------------------


@dataclass
class ClassStudent:
    student: Student
    items: list[WeakItem]
    version: str
    causes: list[str]
    cause_note: str

    @property
    def proposed(self) -> bool:
        return any(i.record.status == Status.PROPOSED for i in self.items)


def class_sheet(classroom: Classroom) -> list[ClassStudent]:
    """The students now in the class with weak records this year (dismissed ones left out), in
    Vietnamese order, each with the union of their causes and their note as the form's
    starting values. Three queries."""
    year = classroom.school_year
    in_class = Enrollment.objects.filter(classroom=classroom, end_date__isnull=True)
    records = list(
        with_basis(
            WeakRecord.objects.filter(
                school_year=year, student_id__in=in_class.values("student_id")
            ).exclude(status=Status.DISMISSED)
        ).select_related("student", "subject", "school_year")
    )
    pairs = covered_pairs(year, {r.student_id for r in records})
    out = []
    for row in _student_rows(records, {}, pairs):
        recs = [i.record for i in row.items]
        causes = {c for r in recs for c in r.cause_list}
        note = next((r.cause_note for r in recs if r.cause_note.strip()), "")
        out.append(
            ClassStudent(
                row.student,
                row.items,
                student_version(recs),
                [c for c in WeakCause.values if c in causes],
                note,
            )
        )
    return out


# --- one record ----------------------------------------------------------------------------------


@dataclass
class ResultLine:
    label: str
    value: str
    weak: bool


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    when: object
    who: str
    kind: str  # "+", "~", "-"
    changes: list[Change]


@dataclass
class RecordDetail:
    record: WeakRecord
    classroom: Classroom | None
    item: WeakItem
    others: list[WeakItem]  # the student's other records this year
    results: list[ResultLine]
    memberships: list
    peer_pairs: list
    history: list[HistoryRow] | None


_HISTORY_FIELDS = [
    "origin",
    "term",
    "score",
    "comment",
    "gap",
    "weak_subject_count",
    "causes",
    "cause_note",
    "evidence",
    "status",
    "confirmed_by",
    "resolved_term",
]


def record_detail(user, record: WeakRecord, *, with_history: bool) -> RecordDetail:
    """Everything the record page shows. About 8 queries (plus 2 for the history)."""
    from schools.models import SchoolSettings

    year = record.school_year
    threshold = SchoolSettings.for_school(record.school_id).weak_threshold
    classes = student_classrooms(year, [record.student_id])
    pairs = covered_pairs(year, [record.student_id])
    others = [
        _item(r, pairs)
        for r in sorted(
            year_records(user, year)
            .filter(student_id=record.student_id)
            .exclude(pk=record.pk)
            .select_related("student", "subject", "school_year"),
            key=_order,
        )
    ]
    last_year = Q(
        school_year__school_id=year.school_id,
        school_year__start_year=year.start_year - 1,
        term=Term.YEAR,
    )
    scope_q = Q(student_id=record.student_id) & (Q(school_year=year) | last_year)
    results = []
    if record.subject_id is not None:
        rows = SubjectResult.objects.filter(scope_q, subject_id=record.subject_id)
        for r in rows.select_related("school_year").order_by("school_year__start_year", "term"):
            results.append(
                ResultLine(
                    _result_label(r, year),
                    value_label(r.score, r.comment),
                    subject_is_weak(r.score, r.comment, threshold),
                )
            )
    else:
        rows = TermResult.objects.filter(scope_q)
        for r in rows.select_related("school_year").order_by("school_year__start_year", "term"):
            level = LevelCode(r.level).label if r.level else "—"
            results.append(ResultLine(_result_label(r, year), level, r.is_weak))
    memberships = list(
        Membership.objects.filter(
            student_id=record.student_id, group__school_year=year, left_on__isnull=True
        )
        .filter(Q(group__subject_id=record.subject_id) if record.subject_id else Q())
        .select_related("group__subject")
    )
    peer_pairs = list(
        PeerPair.objects.filter(
            helped_id=record.student_id, school_year=year, end_date__isnull=True
        )
        .filter(Q(subject_id=record.subject_id) if record.subject_id else Q())
        .select_related("helper", "subject")
    )
    return RecordDetail(
        record=record,
        classroom=classes.get(record.student_id),
        item=_item(record, pairs),
        others=others,
        results=results,
        memberships=memberships,
        peer_pairs=peer_pairs,
        history=record_history(record) if with_history else None,
    )


def _result_label(row, year: SchoolYear) -> str:
    if row.school_year_id != year.pk:
        return _("Whole year %(year)s") % {"year": row.school_year.name}
    return str(Term(row.term).label)


def _display(name: str, value, users: dict[int, str]) -> str:
    if value in (None, ""):
        return "—"
    if name == "causes":
        labels = dict(WeakCause.choices)
        return ", ".join(str(labels.get(c, c)) for c in str(value).split(",") if c)
    if name in ("score", "gap"):
        return format_number(value, 1)
    if name in ("term", "resolved_term"):
        return str(Term(value).label)
    if name == "comment":
        return Comment(value).label
    if name == "status":
        return str(Status(value).label)
    if name == "origin":
        return str(WeakRecord.Origin(value).label)
    if name == "confirmed_by":
        return users.get(value, "—")
    return str(value)


def record_history(record: WeakRecord) -> list[HistoryRow]:
    """Who changed what and when, newest first, with the fields' Vietnamese names. Two queries."""
    rows = list(record.history.select_related("history_user").order_by("history_date", "pk"))
    user_ids = {getattr(r, "confirmed_by_id", None) for r in rows} - {None}
    users = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "full_name"))
    labels = {name: str(WeakRecord._meta.get_field(name).verbose_name) for name in _HISTORY_FIELDS}
    out, previous = [], None
    for row in rows:
        changes = []
        for name in _HISTORY_FIELDS:
            attname = WeakRecord._meta.get_field(name).attname
            new = getattr(row, attname)
            old = getattr(previous, attname) if previous is not None else None
            if previous is None and new in (None, "", 0):
                continue
            if previous is not None and old == new:
                continue
            changes.append(
                Change(
                    labels[name][:1].upper() + labels[name][1:],
                    _display(name, old, users) if previous is not None else "",
                    _display(name, new, users),
                )
            )
        who = row.history_user.full_name if row.history_user_id else _("the results import")
        if changes or row.history_type == "-":
            out.append(HistoryRow(row.history_date, who, row.history_type, changes))
        previous = row
    out.reverse()
    return out


# --- panels ---------------------------------------------------------------------------------------


@dataclass
class HomeSummary:
    leader: bool
    subject_students: int = 0
    subject_records: int = 0
    overall: int = 0
    proposed: int = 0
    uncovered_students: int = 0
    classes: list = field(default_factory=list)  # the GVCN's classes


def home_summary(user) -> HomeSummary | None:
    """Leaders: the school's still-weak students (by subject, overall), waiting for the GVCN,
    not yet covered. A GVCN: the same for their class. Five queries; None for other roles."""
    scope = scope_for(user)
    if scope.year is None or not scoping.in_school(scope):
        return None
    leader = scope.is_leader
    if not leader and not scope.homeroom_class_ids:
        return None
    year = scope.year
    qs = WeakRecord.objects.filter(school=scope.school, school_year=year).exclude(
        status=Status.DISMISSED
    )
    qs = qs.filter(resolved_term__isnull=True)
    classes = []
    if not leader:
        classes = list(Classroom.objects.filter(pk__in=scope.homeroom_class_ids).ordered())
        qs = qs.filter(student_id__in=scoping.class_student_ids(scope.homeroom_class_ids))
    rows = list(qs.values_list("student_id", "subject_id", "status"))
    ids = {s for s, _subject, _status in rows}
    enrolled = student_classrooms(year, ids, open_only=True)
    pairs = covered_pairs(year, enrolled)
    summary = HomeSummary(leader=leader, classes=classes)
    summary.subject_records = sum(1 for _s, subject, _st in rows if subject is not None)
    summary.subject_students = len({s for s, subject, _st in rows if subject is not None})
    summary.overall = sum(1 for _s, subject, _st in rows if subject is None)
    summary.proposed = len({s for s, _subject, st in rows if st == Status.PROPOSED})
    summary.uncovered_students = len(
        {s for s, subject, _st in rows if s in enrolled and not is_covered(s, subject, pairs)}
    )
    return summary


@dataclass
class StudentWeak:
    student: Student
    items: list[WeakItem]
    memberships: list
    peer_pairs: list


def student_weak(user, student: Student) -> StudentWeak | None:
    """The student page's panel: this year's records the user may see, with coverage."""
    scope = scope_for(user)
    if scope.year is None or not scoping.in_school(scope) or student.school_id != scope.school.pk:
        return None
    records = sorted(
        year_records(user, scope.year)
        .filter(student=student)
        .select_related("student", "subject", "school_year"),
        key=_order,
    )
    if not records:
        return StudentWeak(student, [], [], [])
    pairs = covered_pairs(scope.year, [student.pk])
    memberships = list(
        Membership.objects.filter(
            student=student, group__school_year=scope.year, left_on__isnull=True
        ).select_related("group__subject")
    )
    peer_pairs = list(
        PeerPair.objects.filter(
            helped=student, school_year=scope.year, end_date__isnull=True
        ).select_related("helper", "subject")
    )
    return StudentWeak(student, [_item(r, pairs) for r in records], memberships, peer_pairs)
