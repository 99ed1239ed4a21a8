"""Support around one student and their family, the read side: peer pairs (the list by class and
the helpers to suggest), grade-9 streaming counselling (a class, the school's summary), the
student page's panel, and the progress letter to the family.

Every function makes a fixed number of queries, whatever the number of students or records.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from lib.formatting import format_date, format_number
from lib.formatting import percent as _percent
from reports.class_size import nd30_place_date
from reports.pdf import OfficialDocument
from retention.models import FamilyContact
from schools.models import Classroom, Role, RoleAssignment, SchoolSettings, SchoolYear, Subject
from schools.scoping import scope_for
from students.models import Enrollment, Guardian, Student

from . import rules, scoping
from .models import (
    Comment,
    Counselling,
    Membership,
    PeerPair,
    SessionAttendance,
    SubjectResult,
    Term,
    TermResult,
    WeakRecord,
)
from .selectors_plans import place_of

Choice = Counselling.Choice


def today() -> datetime.date:
    return timezone.localdate()


def _active_weak(year_id: int) -> Q:
    return Q(school_year_id=year_id, resolved_term__isnull=True) & ~Q(
        status=WeakRecord.Status.DISMISSED
    )


# --- peer pairs ----------------------------------------------------------------------------------


@dataclass
class PairBlock:
    classroom: Classroom
    pairs: list[PeerPair]

    @property
    def active(self) -> int:
        return sum(1 for p in self.pairs if p.end_date is None)


@dataclass
class PeerPairList:
    blocks: list[PairBlock]
    classrooms: list[Classroom]
    chosen: Classroom | None
    active: int
    ended: int


def peer_pair_list(user, classroom: Classroom | None = None) -> PeerPairList:
    """The pairs of the current year in the classes the user manages (or one of them), by class,
    the ongoing ones first. Queries: the classes, the pairs (with students and subject): 2."""
    scope = scope_for(user)
    classrooms = list(scoping.peer_pair_classrooms(user).order_by("grade", "name"))
    pairs = (
        scoping.filter_peer_pairs(PeerPair.objects.all(), user)
        .filter(school_year=scope.year)
        .select_related("classroom", "subject", "helper", "helped", "weak_record")
        .order_by(
            "classroom__grade",
            "classroom__name",
            F("end_date").desc(nulls_first=True),
            "helped__sort_key",
            "subject__order",
            "pk",
        )
    )
    if classroom is not None:
        pairs = pairs.filter(classroom=classroom)
    blocks: dict[int, PairBlock] = {}
    active = ended = 0
    for pair in pairs:
        block = blocks.setdefault(pair.classroom_id, PairBlock(pair.classroom, []))
        block.pairs.append(pair)
        if pair.end_date is None:
            active += 1
        else:
            ended += 1
    return PeerPairList(
        blocks=list(blocks.values()),
        classrooms=classrooms,
        chosen=classroom,
        active=active,
        ended=ended,
    )


def class_students(classroom: Classroom, on: datetime.date) -> list[Student]:
    """The students in the class on ``on``, in Vietnamese order (one query)."""
    return list(
        Student.objects.filter(
            pk__in=Enrollment.objects.active_on(on).filter(classroom=classroom).values("student_id")
        ).order_by("sort_key")
    )


TERM_LABELS = {
    Term.SURVEY: "Khảo sát đầu năm",
    Term.HK1: "Học kì I",
    Term.HK2: "Học kì II",
    Term.YEAR: "Cả năm",
}


@dataclass
class HelperSuggestion:
    student: Student
    result: str  # "8,5" or "Đạt"
    term: int
    busy: int  # pairs the student already helps in
    weak: bool  # weak in the subject: cannot help

    @property
    def term_label(self) -> str:
        return str(Term(self.term).label)

    @property
    def available(self) -> bool:
        from .services_peers import HELPER_LIMIT

        return not self.weak and self.busy < HELPER_LIMIT


def helper_suggestions(
    classroom: Classroom,
    subject: Subject,
    helped_id: int | None,
    on: datetime.date,
    limit: int = 6,
) -> list[HelperSuggestion]:
    """The class's students with the best results in the subject in the latest term that has
    results (one query: results, with each student's active pairs as helper and whether they
    are weak in the subject). Students who cannot help (weak, or already helping two) come
    last, marked."""
    year_id = classroom.school_year_id
    busy = (
        PeerPair.objects.filter(helper=OuterRef("student_id"), end_date__isnull=True)
        .order_by()
        .values("helper")
        .annotate(n=Count("pk"))
        .values("n")
    )
    weak = WeakRecord.objects.filter(
        _active_weak(year_id), student=OuterRef("student_id"), subject=subject
    )
    rows = (
        SubjectResult.objects.filter(
            school_year_id=year_id,
            subject=subject,
            student_id__in=Enrollment.objects.active_on(on)
            .filter(classroom=classroom)
            .values("student_id"),
        )
        .exclude(student_id=helped_id)
        .annotate(
            busy=Coalesce(Subquery(busy, output_field=IntegerField()), Value(0)),
            weak=Exists(weak),
        )
        .select_related("student")
        .order_by("-term", F("score").desc(nulls_last=True), "-comment", "student__sort_key", "pk")
    )
    latest = None
    out: list[HelperSuggestion] = []
    for row in rows:
        if latest is None:
            latest = row.term
        if row.term != latest:
            break
        value = format_number(row.score, 1) if row.score is not None else row.get_comment_display()
        out.append(HelperSuggestion(row.student, value, row.term, row.busy, row.weak))
    out.sort(key=lambda s: not s.available)  # stable: best results first within each part
    return out[:limit]


# --- grade-9 streaming counselling ---------------------------------------------------------------


SHORT_LABELS = {
    Choice.UPPER_SECONDARY: gettext_lazy("Upper secondary"),
    Choice.CONTINUING: gettext_lazy("Continuing ed."),
    Choice.VOCATIONAL: gettext_lazy("Vocational"),
    Choice.UNDECIDED: gettext_lazy("Undecided"),
}


@dataclass
class ChoiceCount:
    choice: str
    label: str
    count: int
    percent: Decimal | None

    @property
    def short(self) -> str:
        """The column header of the summary table (the full label is its title)."""
        return str(SHORT_LABELS.get(self.choice, self.label))


def _choice_counts(latest_choices: list[str | None]) -> list[ChoiceCount]:
    total = len(latest_choices)
    counts = defaultdict(int)
    for choice in latest_choices:
        if choice:
            counts[choice] += 1
    return [
        ChoiceCount(value, str(label), counts[value], _percent(counts[value], total))
        for value, label in Choice.choices
    ]


@dataclass
class CounselRow:
    student: Student
    latest: Counselling | None
    sessions: int


@dataclass
class CounsellingClass:
    classroom: Classroom
    rows: list[CounselRow]
    counts: list[ChoiceCount]
    never: int
    total: int

    @property
    def never_percent(self) -> Decimal | None:
        return _percent(self.never, self.total)


def counselling_class(classroom: Classroom, on: datetime.date) -> CounsellingClass:
    """Every student of the grade-9 class with their latest counselling record this year, and
    the counts per choice (from each student's latest record). Queries: students, records: 2."""
    students = class_students(classroom, on)
    records = (
        Counselling.objects.filter(
            school_year_id=classroom.school_year_id, student_id__in=[s.pk for s in students]
        )
        .select_related("counsellor")
        .order_by("student_id", "-date", "-pk")
    )
    latest: dict[int, Counselling] = {}
    sessions: dict[int, int] = defaultdict(int)
    for record in records:
        latest.setdefault(record.student_id, record)
        sessions[record.student_id] += 1
    rows = [CounselRow(s, latest.get(s.pk), sessions[s.pk]) for s in students]
    choices = [r.latest.choice if r.latest else None for r in rows]
    return CounsellingClass(
        classroom=classroom,
        rows=rows,
        counts=_choice_counts(choices),
        never=sum(1 for c in choices if c is None),
        total=len(rows),
    )


@dataclass
class SummaryRow:
    classroom_id: int
    name: str
    total: int
    counts: list[ChoiceCount]
    never: int
    undecided_students: list[tuple[int, str]] = field(default_factory=list)
    never_students: list[tuple[int, str]] = field(default_factory=list)

    @property
    def never_percent(self) -> Decimal | None:
        return _percent(self.never, self.total)


@dataclass
class CounsellingSummary:
    year: SchoolYear
    rows: list[SummaryRow]
    total: SummaryRow


def counselling_summary(year: SchoolYear, on: datetime.date) -> CounsellingSummary:
    """Counts and rates per choice for every grade-9 class of the year and the school, with the
    undecided and never-counselled students named. One query: the students in grade-9 classes
    on ``on``, each with the choice of their latest counselling record."""
    latest = (
        Counselling.objects.filter(student=OuterRef("student_id"), school_year=year)
        .order_by("-date", "-pk")
        .values("choice")[:1]
    )
    spans = (
        Enrollment.objects.active_on(on)
        .filter(classroom__school_year=year, classroom__grade=9)
        .annotate(latest_choice=Subquery(latest))
        .values(
            "classroom_id",
            "classroom__name",
            "student_id",
            "student__family_name",
            "student__given_name",
            "latest_choice",
        )
        .order_by("classroom__name", "student__sort_key")
    )
    by_class: dict[int, list[dict]] = {}
    names: dict[int, str] = {}
    for span in spans:
        by_class.setdefault(span["classroom_id"], []).append(span)
        names[span["classroom_id"]] = span["classroom__name"]

    def row_of(class_id: int, name: str, spans: list[dict]) -> SummaryRow:
        choices = [s["latest_choice"] for s in spans]

        def who(s):
            return (s["student_id"], f"{s['student__family_name']} {s['student__given_name']}")

        return SummaryRow(
            classroom_id=class_id,
            name=name,
            total=len(spans),
            counts=_choice_counts(choices),
            never=sum(1 for c in choices if c is None),
            undecided_students=[who(s) for s in spans if s["latest_choice"] == Choice.UNDECIDED],
            never_students=[who(s) for s in spans if s["latest_choice"] is None],
        )

    rows = [row_of(cid, names[cid], spans) for cid, spans in by_class.items()]
    everyone = [s for spans in by_class.values() for s in spans]
    total = row_of(0, "", everyone)
    total.undecided_students, total.never_students = [], []
    return CounsellingSummary(year=year, rows=rows, total=total)


# --- the student page's panel -------------------------------------------------------------------


@dataclass
class StudentSupport:
    student: Student
    classroom: Classroom | None
    can_follow: bool  # learning contacts, counselling, progress letter
    can_pair: bool  # set up a peer pair in the student's class
    contacts: list[FamilyContact]
    counselling: list[Counselling]
    pairs: list[PeerPair]

    @property
    def grade9(self) -> bool:
        return self.classroom is not None and self.classroom.grade == 9


def student_support(user, student: Student) -> StudentSupport | None:
    """What the student page shows of learning contacts, counselling and peer pairs, to the
    people who may see them (GVCN of the class, leaders; subject teachers of the class see the
    peer pairs). None for anyone else. Queries: the student's class, then contacts, counselling
    and pairs: 4 at most."""
    can_follow, classroom = scoping.can_follow_family(user, student)
    can_pair = classroom is not None and scoping.can_manage_peer_pairs(user, classroom)
    if not (can_follow or can_pair):
        return None
    contacts, counselling = [], []
    if can_follow:
        contacts = list(
            FamilyContact.objects.filter(student=student, topic="learning").select_related(
                "recorded_by"
            )[:10]
        )
        counselling = list(
            Counselling.objects.filter(student=student).select_related("counsellor")[:5]
        )
    pairs = list(
        PeerPair.objects.filter(Q(helped=student) | Q(helper=student))
        .filter(school_year__school_id=student.school_id)
        .select_related("helper", "helped", "subject", "school_year")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date")[:10]
    )
    return StudentSupport(student, classroom, can_follow, can_pair, contacts, counselling, pairs)


# --- the progress letter -------------------------------------------------------------------------


@dataclass
class ResultLine:
    subject: str
    before: str
    before_weak: bool
    now: str
    now_weak: bool


@dataclass
class GroupLine:
    name: str
    subject: str
    tutors: str
    present: int
    total: int
    since: str
    left: str


@dataclass
class ProgressLetter:
    doc: OfficialDocument
    student: Student
    classroom_name: str
    addressee: str
    term: int
    term_label: str
    before_label: str
    results: list[ResultLine]
    level_now: str
    level_before: str
    weak_now: int
    weak_before: int
    groups: list[GroupLine]
    pairs: list[str]
    comment: str
    teacher_name: str
    threshold: str

    @property
    def has_results(self) -> bool:
        return any(line.now or line.before for line in self.results)

    @property
    def has_before(self) -> bool:
        """Whether there is anything to compare with (else the column is left out)."""
        return any(line.before for line in self.results)

    @property
    def term_phrase(self) -> str:
        """ "học kì I", "cả năm": the label inside a sentence."""
        return _phrase(self.term_label)

    @property
    def before_phrase(self) -> str:
        return _phrase(self.before_label)


def _phrase(label: str) -> str:
    """Lower-case the first word only: "Học kì II" → "học kì II", "Cả năm 2025-2026" →
    "cả năm 2025-2026" (|lower would give "học kì ii")."""
    return label[:1].lower() + label[1:]


SALUTATION = {
    Guardian.Relation.FATHER: "Ông",
    Guardian.Relation.GRANDFATHER: "Ông",
    Guardian.Relation.MOTHER: "Bà",
    Guardian.Relation.GRANDMOTHER: "Bà",
}


def letter_terms(student: Student, year: SchoolYear) -> list[int]:
    """The terms of this year with a result for the student, in order (one query)."""
    return sorted(
        set(
            SubjectResult.objects.filter(student=student, school_year=year).values_list(
                "term", flat=True
            )
        )
    )


def _before_key(term: int, year: SchoolYear, have: set[tuple[int, int]]) -> tuple[int, int] | None:
    """(school year id or 0 for last year, term) the letter compares ``term`` with."""
    if term == Term.HK2 or term == Term.YEAR:
        return (year.pk, Term.HK1)
    if term == Term.HK1 and (year.pk, Term.SURVEY) in have:
        return (year.pk, Term.SURVEY)
    return (0, Term.YEAR)


def _weak(value: Decimal | str | None, threshold: Decimal) -> bool:
    """Weak in the subject: a score below the school's line, or a "Chưa đạt" comment."""
    if value is None:
        return False
    if isinstance(value, str):
        return value == Comment.FAIL
    return rules.is_weak_in_subject(value, threshold)


def _shown(row: SubjectResult | None) -> tuple[str, Decimal | str | None]:
    """What the letter prints for a result, and the value the weak rule reads."""
    if row is None:
        return "", None
    if row.score is not None:
        return format_number(row.score, 1), row.score
    return ("Đạt" if row.comment == "D" else "Chưa đạt"), row.comment


def progress_letter(
    *,
    student: Student,
    year: SchoolYear,
    classroom: Classroom | None,
    term: int,
    comment: str,
    on: datetime.date,
) -> ProgressLetter:
    """Everything the letter prints, as plain data. Queries: settings, results (this year and
    last year's whole-year row), learning results, guardian, memberships, tutors, attendance,
    pairs, the GVCN: 9."""
    school = student.school
    threshold = SchoolSettings.for_school(school).weak_threshold
    last_year = Q(
        school_year__school_id=school.pk,
        school_year__start_year=year.start_year - 1,
        term=Term.YEAR,
    )
    results = list(
        SubjectResult.objects.filter(student=student)
        .filter(Q(school_year=year) | last_year)
        .select_related("subject")
    )
    levels = list(
        TermResult.objects.filter(student=student).filter(Q(school_year=year) | last_year)
    )

    def key(row) -> tuple[int, int]:
        return (row.school_year_id if row.school_year_id == year.pk else 0, row.term)

    have = {key(r) for r in results}
    before = _before_key(term, year, have)
    now_key = (year.pk, term)
    by_subject: dict[int, dict] = defaultdict(dict)
    subjects: dict[int, Subject] = {}
    for row in results:
        subjects[row.subject_id] = row.subject
        by_subject[row.subject_id][key(row)] = row
    lines = []
    weak_now = weak_before = 0
    for sid, subject in sorted(subjects.items(), key=lambda item: item[1].order):
        now_row, before_row = by_subject[sid].get(now_key), by_subject[sid].get(before)
        if now_row is None and before_row is None:
            continue
        now_text, now_value = _shown(now_row)
        before_text, before_value = _shown(before_row)
        now_weak, before_weak = _weak(now_value, threshold), _weak(before_value, threshold)
        weak_now += now_weak
        weak_before += before_weak
        lines.append(ResultLine(subject.name, before_text, before_weak, now_text, now_weak))
    level_by_key = {key(r): r for r in levels}
    level_now = level_by_key.get(now_key)
    level_before = level_by_key.get(before) if before else None
    if before == (0, Term.YEAR):
        before_label = f"Cả năm {year.start_year - 1}-{year.start_year}"
    else:
        before_label = TERM_LABELS[Term(before[1])]
    guardian = student.guardians.order_by("-is_primary", "pk").first()
    if guardian is not None:
        salutation = SALUTATION.get(guardian.relation, "Ông/Bà")
        addressee = f"{salutation} {guardian.full_name}"
    else:
        addressee = "Quý phụ huynh"
    memberships = list(
        Membership.objects.filter(student=student, group__school_year=year)
        .select_related("group__subject")
        .prefetch_related("group__tutors")
        .order_by("joined_on", "pk")
    )
    attendance = {
        row["session__group_id"]: row
        for row in SessionAttendance.objects.filter(
            student=student, session__group__school_year=year
        )
        .values("session__group_id")
        .annotate(total=Count("pk"), present=Count("pk", filter=Q(present=True)))
        .order_by()
    }
    groups = []
    for m in memberships:
        counts = attendance.get(m.group_id, {"total": 0, "present": 0})
        groups.append(
            GroupLine(
                name=m.group.name,
                subject=m.group.subject.name,
                tutors=", ".join(sorted(t.full_name for t in m.group.tutors.all())),
                present=counts["present"],
                total=counts["total"],
                since=format_date(m.joined_on),
                left=format_date(m.left_on),
            )
        )
    pairs = []
    for pair in (
        PeerPair.objects.filter(Q(helped=student) | Q(helper=student), school_year=year)
        .select_related("helper", "helped", "subject")
        .order_by("start_date", "pk")
    ):
        period = f"từ ngày {format_date(pair.start_date)}"
        if pair.end_date:
            period += f" đến ngày {format_date(pair.end_date)}"
        if pair.helped_id == student.pk:
            pairs.append(
                f"Được bạn {pair.helper.full_name} giúp đỡ môn {pair.subject.name} "
                f"(đôi bạn cùng tiến) {period}."
            )
        else:
            pairs.append(
                f"Giúp đỡ bạn {pair.helped.full_name} môn {pair.subject.name} "
                f"(đôi bạn cùng tiến) {period}."
            )
    teacher = ""
    if classroom is not None:
        found = (
            RoleAssignment.objects.filter(role=Role.HOMEROOM, classroom=classroom)
            .select_related("user")
            .first()
        )
        teacher = found.user.full_name if found else ""
    term_label = TERM_LABELS[Term(term)]
    doc = OfficialDocument(
        governing_body=school.governing_body,
        issuer=school.name,
        number_line="",
        place_date=nd30_place_date(place_of(school), on),
        kind="THƯ THÔNG BÁO KẾT QUẢ HỌC TẬP VÀ PHỤ ĐẠO",
        subject=f"{term_label}, năm học {year.name}",
        signer_title="GIÁO VIÊN CHỦ NHIỆM",
        signer_name=teacher,
    )
    return ProgressLetter(
        doc=doc,
        student=student,
        classroom_name=classroom.name if classroom else "",
        addressee=addressee,
        term=term,
        term_label=term_label,
        before_label=before_label,
        results=lines,
        level_now=level_now.get_level_display() if level_now and level_now.level else "",
        level_before=(
            level_before.get_level_display() if level_before and level_before.level else ""
        ),
        weak_now=weak_now,
        weak_before=weak_before,
        groups=groups,
        pairs=pairs,
        comment=(comment or "").strip(),
        teacher_name=teacher,
        threshold=format_number(threshold, 1),
    )
