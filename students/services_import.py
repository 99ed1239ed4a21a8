"""Roster import: upload a class list, check every row against the school, then apply it whole.

Flow: ``roster_import_create`` reads the file and keeps the rows (nothing about students changes);
the preview calls ``roster_import_plan`` (what each row would do, every problem at once);
``roster_import_apply`` applies the plan in one transaction, or nothing at all when one row is
wrong; ``roster_import_discard`` throws a pending import away.

Rules: a row is matched to a student of the school by code, or (when the file has no code) by
name and date of birth. Empty cells never erase what is recorded. An import never moves a student
who is already in another class this year, nor brings back one who left: those are movements with
a date and a reason, recorded on the student's page. Students of a previous year's class are
rolled over (that span ends with the year) into the new class.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from lib.formatting import format_date
from lib.vietnamese import normalize_spaces, unaccent
from schools.models import Classroom, SchoolYear

from .importers import ERROR, FIELD_LABELS, issue_text, read_roster
from .models import KINH, Enrollment, Guardian, RosterImport, Student
from .services import MSG_FUTURE, MSG_OTHER_SCHOOL, MSG_OUTSIDE_YEAR

MIN_AGE, MAX_AGE = 9, 25  # age on the opening day; outside this a date of birth is a typo

MSG_NO_YEAR = _("The school has no current school year yet: the principal sets it up first.")
MSG_NO_CLASSES = _("The current school year has no classes yet: create the classes first.")
MSG_HAS_ERRORS = _(
    "%(count)s rows have errors, so nothing was imported. Correct the file and upload it again."
)
MSG_NOT_PENDING = _("This import has already been applied or discarded.")
MSG_YEAR_NOT_CURRENT = _(
    "The school year %(year)s is no longer the current year: upload the file again."
)
MSG_CHANGED_MEANWHILE = _(
    "Someone changed these students while you were importing: nothing was imported. "
    "Check the preview again."
)

# Row problems found against the school's records (kept as keys, shown by ``issue_text``).
MSG_UNKNOWN_CLASS = _("There is no class %(name)s in the school year %(year)s.")
MSG_NO_CLASS = _("No class: the file needs a Class column, or choose a class when uploading.")
MSG_CLASS_CONFLICT = _("The file says class %(file)s but the import is for class %(chosen)s.")
MSG_DUPLICATE_CODE = _("The code %(code)s is also on row %(row)s.")
MSG_DUPLICATE_PERSON = _("The same student (name and date of birth) is also on row %(row)s.")
MSG_AMBIGUOUS = _("Several students of the school have this name and date of birth: add the code.")
MSG_CODE_OTHER_STUDENT = _("The code %(code)s belongs to %(name)s, born %(date)s: check the code.")
MSG_IN_OTHER_CLASS = _(
    "Already in class %(classroom)s this year: record a class change on the student's page."
)
MSG_LEFT_THIS_YEAR = _(
    "Left class %(classroom)s on %(date)s: record the return on the student's page."
)
MSG_MISSING_BIRTH = _("The date of birth is missing.")
MSG_MISSING_GENDER = _("The gender is missing.")
MSG_AGE = _("Born %(date)s, %(age)s years old at the start of the year: check the date.")
MSG_STARTED_AFTER = _("The student's current class began on %(date)s, after the enrolment date.")

PLAN_MESSAGES = {
    "unknown_class": MSG_UNKNOWN_CLASS,
    "no_class": MSG_NO_CLASS,
    "class_conflict": MSG_CLASS_CONFLICT,
    "duplicate_code": MSG_DUPLICATE_CODE,
    "duplicate_person": MSG_DUPLICATE_PERSON,
    "ambiguous": MSG_AMBIGUOUS,
    "code_other_student": MSG_CODE_OTHER_STUDENT,
    "in_other_class": MSG_IN_OTHER_CLASS,
    "left_this_year": MSG_LEFT_THIS_YEAR,
    "missing_birth": MSG_MISSING_BIRTH,
    "missing_gender": MSG_MISSING_GENDER,
    "age": MSG_AGE,
    "started_after": MSG_STARTED_AFTER,
}

UPDATABLE = ("family_name", "given_name", "date_of_birth", "gender", "ethnicity")
UPDATABLE_IF_GIVEN = ("hamlet", "commune", "address")


class Action:
    NEW = "new"
    UPDATE = "update"
    SAME = "same"


@dataclass
class PlannedRow:
    sheet: str
    number: int
    data: dict
    code: str = ""
    full_name: str = ""
    date_of_birth: datetime.date | None = None
    gender: str = ""
    student: Student | None = None
    classroom: Classroom | None = None
    class_text: str = ""
    action: str = Action.NEW
    enroll: bool = False
    rollover: Enrollment | None = None
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    new_guardians: list[dict] = field(default_factory=list)
    guardian_phones: list[tuple[Guardian, str]] = field(default_factory=list)
    has_guardians: bool = False
    updates: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def gender_label(self) -> str:
        return str(Student.Gender(self.gender).label) if self.gender else ""


@dataclass
class ClassSummary:
    classroom: Classroom
    rows: int = 0
    new: int = 0
    enroll: int = 0
    missing: list[Student] = field(default_factory=list)


@dataclass
class RosterPlan:
    rows: list[PlannedRow]
    classes: list[ClassSummary]
    sheets: list[dict]
    skipped: list[dict]
    start_kind: str

    @property
    def error_rows(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.errors]

    @property
    def warning_count(self) -> int:
        return sum(len(r.warnings) for r in self.rows)

    @property
    def new_count(self) -> int:
        return sum(1 for r in self.rows if r.action == Action.NEW)

    @property
    def update_count(self) -> int:
        return sum(1 for r in self.rows if r.action == Action.UPDATE)

    @property
    def same_count(self) -> int:
        return sum(1 for r in self.rows if r.action == Action.SAME)

    @property
    def enroll_count(self) -> int:
        return sum(1 for r in self.rows if r.enroll)


def _class_key(text: str) -> str:
    """'Lớp 6A1', '6a1' -> '6A1'; '6/1', '6-1' -> '61' (a sheet title cannot hold "/")."""
    key = unaccent(text or "").upper()
    if key.startswith("LOP "):
        key = key[4:]
    return "".join(ch for ch in key if ch.isalnum())


def _person_key(family: str, given: str, birth) -> tuple[str, str]:
    return unaccent(f"{family} {given}"), str(birth)


def start_kind_for(school_year: SchoolYear, start_date: datetime.date) -> str:
    """Enrolled by the headcount date: at the start of the year; later: transferred in."""
    if start_date <= school_year.enrollment_snapshot_date:
        return Enrollment.StartKind.START_OF_YEAR
    return Enrollment.StartKind.TRANSFER_IN


def _check_start(school_year: SchoolYear, start_date: datetime.date) -> None:
    """Within the year; in the future only for the start-of-year roster (schools load their
    class lists in the last days of August, before the opening day)."""
    start_of_year = start_kind_for(school_year, start_date) == Enrollment.StartKind.START_OF_YEAR
    if start_date > timezone.localdate() and not start_of_year:
        raise ValidationError({"start_date": MSG_FUTURE})
    if not school_year.contains(start_date):
        raise ValidationError(
            {
                "start_date": MSG_OUTSIDE_YEAR
                % {"date": format_date(start_date), "year": school_year.name}
            }
        )


def roster_import_create(
    *,
    school_year: SchoolYear | None,
    user,
    file_name: str,
    content: bytes,
    classroom: Classroom | None,
    start_date: datetime.date,
) -> RosterImport:
    """Read the file and keep its rows for the preview. Nothing about students changes.

    Refuses: no current school year, a year without classes, a class of another year, an
    enrolment date outside the year (or in the future, unless it is on or before the headcount
    date: the start-of-year roster is loaded before the opening day), and a file that cannot be
    read at all
    (every problem of a single row waits for the preview instead). Discards the user's earlier
    pending imports of the school: one file at a time.
    """
    if school_year is None:
        raise ValidationError(MSG_NO_YEAR)
    if not Classroom.objects.filter(school_year=school_year).exists():
        raise ValidationError(MSG_NO_CLASSES)
    if classroom is not None and classroom.school_year_id != school_year.pk:
        raise ValidationError({"classroom": MSG_OTHER_SCHOOL})
    _check_start(school_year, start_date)
    try:
        parsed = read_roster(content, file_name)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    with transaction.atomic():
        RosterImport.objects.filter(
            school_id=school_year.school_id, created_by=user, status=RosterImport.Status.PENDING
        ).update(status=RosterImport.Status.DISCARDED, data={}, updated_at=timezone.now())
        roster_import = RosterImport(
            school_id=school_year.school_id,
            school_year=school_year,
            created_by=user,
            file_name=normalize_spaces(file_name)[:255] or "roster.xlsx",
            classroom=classroom,
            start_date=start_date,
            data={"rows": parsed.rows, "sheets": parsed.sheets, "skipped": parsed.skipped},
            row_count=len(parsed.rows),
        )
        roster_import.full_clean()
        roster_import.save()
    return roster_import


def roster_import_plan(roster_import: RosterImport, *, lock: bool = False) -> RosterPlan:
    """What each row would do, with every problem, in a fixed number of queries (six, whatever
    the number of rows): classes, matching students, their enrollments, their guardians,
    the codes already used for generated codes, and the students of the classes not in the file."""
    year = roster_import.school_year
    school_id = roster_import.school_id
    rows = roster_import.data.get("rows", [])
    classes = list(Classroom.objects.filter(school_year=year).order_by("grade", "name"))
    by_key: dict[str, Classroom | None] = {}
    for classroom in classes:
        key = _class_key(classroom.name)
        by_key[key] = None if key in by_key else classroom  # two classes, one key: ambiguous
    chosen = roster_import.classroom

    codes = {r["code"] for r in rows if r.get("code")}
    births = {r["dob"] for r in rows if not r.get("code") and r.get("dob")}
    students = Student.objects.filter(school_id=school_id).filter(
        Q(code__in=codes) | Q(date_of_birth__in=births)
    )
    if lock:
        students = students.select_for_update()
    students = list(students)
    by_code = {s.code: s for s in students}
    by_person: dict[tuple[str, str], list[Student]] = {}
    for student in students:
        by_person.setdefault(
            _person_key(student.family_name, student.given_name, student.date_of_birth), []
        ).append(student)
    ids = [s.pk for s in students]
    spans: dict[int, list[Enrollment]] = {}
    for span in (
        Enrollment.objects.filter(student_id__in=ids)
        .filter(Q(end_date__isnull=True) | Q(classroom__school_year=year))
        .select_related("classroom__school_year")
        .order_by("start_date", "pk")
    ):
        spans.setdefault(span.student_id, []).append(span)
    guardians: dict[int, list[Guardian]] = {}
    for guardian in Guardian.objects.filter(student_id__in=ids).order_by("pk"):
        guardians.setdefault(guardian.student_id, []).append(guardian)

    kind = start_kind_for(year, roster_import.start_date)
    planned: list[PlannedRow] = []
    seen_codes: dict[str, int] = {}
    seen_people: dict[tuple[str, str], int] = {}
    for data in rows:
        row = PlannedRow(sheet=data.get("sheet", ""), number=int(data.get("n", 0)), data=data)
        planned.append(row)
        for level, key, params in data.get("issues", []):
            (row.errors if level == ERROR else row.warnings).append(issue_text(level, key, params))

        def error(key, _row=row, **params):
            _row.errors.append(issue_text(ERROR, key, params, PLAN_MESSAGES))

        row.code = data.get("code", "")
        row.full_name = f"{data.get('family_name', '')} {data.get('given_name', '')}".strip()
        row.date_of_birth = datetime.date.fromisoformat(data["dob"]) if data.get("dob") else None
        row.gender = data.get("gender", "")

        # Which class.
        row.class_text = data.get("classroom", "")
        target = None
        if row.class_text:
            target = by_key.get(_class_key(row.class_text))
            if target is None:
                error("unknown_class", name=row.class_text, year=year.name)
            elif chosen is not None and target.pk != chosen.pk:
                error("class_conflict", file=row.class_text, chosen=chosen.name)
        elif chosen is not None:
            target = chosen
        else:
            target = by_key.get(_class_key(row.sheet))  # one sheet per class, named after it
            if target is None:
                error("no_class")
        row.classroom = target

        # Duplicates inside the file.
        if row.code:
            if row.code in seen_codes:
                error("duplicate_code", code=row.code, row=seen_codes[row.code])
            seen_codes.setdefault(row.code, row.number)
        if row.date_of_birth and row.full_name:
            person = _person_key(data["family_name"], data["given_name"], row.date_of_birth)
            if person in seen_people:
                error("duplicate_person", row=seen_people[person])
            seen_people.setdefault(person, row.number)

        # Which student.
        student = None
        if row.code:
            student = by_code.get(row.code)
            if student is not None and row.date_of_birth and row.full_name:
                same_name = unaccent(student.full_name) == unaccent(row.full_name)
                if not same_name and student.date_of_birth != row.date_of_birth:
                    error(
                        "code_other_student",
                        code=row.code,
                        name=student.full_name,
                        date=format_date(student.date_of_birth),
                    )
        elif row.date_of_birth and row.full_name:
            matches = by_person.get(
                _person_key(data["family_name"], data["given_name"], row.date_of_birth), []
            )
            if len(matches) > 1:
                error("ambiguous")
            student = matches[0] if len(matches) == 1 else None
        row.student = student

        if row.date_of_birth:
            age = _age(row.date_of_birth, year.start_date)
            if not MIN_AGE <= age <= MAX_AGE:
                error("age", date=format_date(row.date_of_birth), age=age)

        if student is None:
            row.action = Action.NEW
            if not row.date_of_birth and not _has_issue(data, "bad_date"):
                error("missing_birth")
            if not row.gender and not _has_issue(data, "bad_gender"):
                error("missing_gender")
            row.enroll = target is not None
            row.new_guardians = list(data.get("guardians", []))
        else:
            row.code = student.code
            _plan_changes(row, student, data)
            _plan_guardians(row, guardians.get(student.pk, []), data)
            row.action = Action.UPDATE if row.changes else Action.SAME
            if target is not None:
                _plan_enrollment(row, spans.get(student.pk, []), target, year, roster_import)

    _assign_codes(planned, school_id, year)
    summaries = _class_summaries(planned, classes)
    return RosterPlan(
        rows=planned,
        classes=summaries,
        sheets=roster_import.data.get("sheets", []),
        skipped=roster_import.data.get("skipped", []),
        start_kind=kind,
    )


def _has_issue(data: dict, key: str) -> bool:
    return any(issue[1] == key for issue in data.get("issues", []))


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _plan_changes(row: PlannedRow, student: Student, data: dict) -> None:
    """Fields the file fills and that differ; empty cells never erase anything."""
    new_values = {
        "family_name": data.get("family_name", ""),
        "given_name": data.get("given_name", ""),
        "date_of_birth": row.date_of_birth,
        "gender": data.get("gender", ""),
        "ethnicity": data.get("ethnicity", ""),
        "hamlet": data.get("hamlet", ""),
        "commune": data.get("commune", ""),
        "address": data.get("address", ""),
    }
    for name in UPDATABLE + UPDATABLE_IF_GIVEN:
        new = new_values[name]
        old = getattr(student, name)
        if not new or new == old:
            continue
        label = capfirst(str(Student._meta.get_field(name).verbose_name))
        if name == "date_of_birth":
            row.changes.append((label, format_date(old), format_date(new)))
        elif name == "gender":
            row.changes.append((label, student.get_gender_display(), row.gender_label))
        else:
            row.changes.append((label, old, new))
        row.updates[name] = new


def _plan_guardians(row: PlannedRow, existing: list[Guardian], data: dict) -> None:
    known = {unaccent(g.full_name): g for g in existing}
    row.has_guardians = bool(existing)
    label = str(FIELD_LABELS["guardian_name"])
    for guardian in data.get("guardians", []):
        match = known.get(unaccent(guardian["full_name"]))
        if match is None:
            row.new_guardians.append(guardian)
            row.changes.append((label, "", guardian["full_name"]))
        elif guardian["phone"] and guardian["phone"] != match.phone:
            row.guardian_phones.append((match, guardian["phone"]))
            row.changes.append((str(FIELD_LABELS["phone"]), match.phone, guardian["phone"]))


def _plan_enrollment(row, spans, target, year, roster_import) -> None:
    current = next((s for s in spans if s.end_date is None), None)
    this_year = [s for s in spans if s.classroom.school_year_id == year.pk]
    if current is not None and current.classroom.school_year_id == year.pk:
        if current.classroom_id != target.pk:
            row.errors.append(
                issue_text(
                    ERROR, "in_other_class", {"classroom": current.classroom.name}, PLAN_MESSAGES
                )
            )
        return  # already in this class: nothing to do
    if current is None and this_year:
        last = this_year[-1]
        row.errors.append(
            issue_text(
                ERROR,
                "left_this_year",
                {"classroom": last.classroom.name, "date": format_date(last.end_date)},
                PLAN_MESSAGES,
            )
        )
        return
    if current is not None and current.classroom.school_year.start_year > year.start_year:
        row.errors.append(
            issue_text(
                ERROR, "in_other_class", {"classroom": current.classroom.name}, PLAN_MESSAGES
            )
        )
        return
    if current is not None:  # still open in an earlier year's class: that year is over
        if current.start_date > roster_import.start_date:
            row.errors.append(
                issue_text(
                    ERROR,
                    "started_after",
                    {"date": format_date(current.start_date)},
                    PLAN_MESSAGES,
                )
            )
            return
        row.rollover = current
    row.enroll = True


def _assign_codes(planned: list[PlannedRow], school_id: int, year: SchoolYear) -> None:
    """New students without a code get HS<year>-0001, HS<year>-0002 … (free ones only)."""
    needing = [r for r in planned if r.action == Action.NEW and not r.code]
    if not needing:
        return
    prefix = f"HS{year.start_year}-"
    used = set(
        Student.objects.filter(school_id=school_id, code__startswith=prefix).values_list(
            "code", flat=True
        )
    ) | {r.code for r in planned if r.code}
    number = 0
    for row in needing:
        number += 1
        while f"{prefix}{number:04d}" in used:
            number += 1
        row.code = f"{prefix}{number:04d}"


def _class_summaries(planned: list[PlannedRow], classes: list[Classroom]) -> list[ClassSummary]:
    summaries: dict[int, ClassSummary] = {}
    for row in planned:
        if row.classroom is None:
            continue
        summary = summaries.setdefault(row.classroom.pk, ClassSummary(row.classroom))
        summary.rows += 1
        summary.new += row.action == Action.NEW
        summary.enroll += row.enroll
    if summaries:
        in_file = {r.student.pk for r in planned if r.student is not None}
        for span in (
            Enrollment.objects.filter(classroom_id__in=summaries, end_date__isnull=True)
            .exclude(student_id__in=in_file)
            .select_related("student")
            .order_by("student__sort_key", "student__pk")
        ):
            summaries[span.classroom_id].missing.append(span.student)
    order = {c.pk: i for i, c in enumerate(classes)}
    return sorted(summaries.values(), key=lambda s: order.get(s.classroom.pk, 0))


@transaction.atomic
def roster_import_apply(*, roster_import: RosterImport, user) -> RosterImport:
    """Apply every row, or nothing: one wrong row rejects the whole file.

    Re-checks everything inside the transaction (someone may have changed the students since the
    preview), locks the import so a double click cannot apply it twice, and names the import as
    the reason in each student's history.
    """
    locked = RosterImport.objects.select_for_update().filter(pk=roster_import.pk).first()
    if locked is None or locked.status != RosterImport.Status.PENDING:
        raise ValidationError(MSG_NOT_PENDING)
    year = SchoolYear.objects.get(pk=locked.school_year_id)
    if not year.is_current:
        raise ValidationError(MSG_YEAR_NOT_CURRENT % {"year": year.name})
    _check_start(year, locked.start_date)
    locked.school_year = year
    plan = roster_import_plan(locked, lock=True)
    if plan.error_rows:
        raise ValidationError(MSG_HAS_ERRORS % {"count": len(plan.error_rows)})

    reason = f"Roster import #{locked.pk}: {locked.file_name}"[:100]
    created = updated = 0
    new_guardians: list[Guardian] = []
    new_spans: list[Enrollment] = []
    try:
        for row in plan.rows:
            student = row.student
            if row.rollover is not None:
                span = row.rollover
                span.end_date = min(span.classroom.school_year.end_date, locked.start_date)
                span.end_kind = Enrollment.EndKind.YEAR_END
                span._history_user = user
                span._change_reason = reason
                span.save(update_fields=["end_date", "end_kind", "updated_at"])
            if student is None:
                student = _new_student(row, locked.school_id)
                student._history_user = user
                student._change_reason = reason
                student.save()
                created += 1
            elif row.action == Action.UPDATE:
                changed = row.updates
                for name, value in changed.items():
                    setattr(student, name, value)
                if changed:
                    student.full_clean(
                        exclude=["school"], validate_unique=False, validate_constraints=False
                    )
                    student._history_user = user
                    student._change_reason = reason
                    student.save(update_fields=[*changed, "updated_at"])
                for guardian, phone in row.guardian_phones:
                    guardian.phone = phone
                    guardian._history_user = user
                    guardian._change_reason = reason
                    guardian.save(update_fields=["phone", "updated_at"])
                updated += 1
            has_guardians = row.has_guardians
            for index, data in enumerate(row.new_guardians):
                guardian = Guardian(
                    student=student,
                    full_name=data["full_name"],
                    relation=data["relation"],
                    phone=data["phone"],
                    # The main contact is the first parent of a student who had none.
                    is_primary=index == 0 and not has_guardians,
                )
                guardian.full_clean(exclude=["student"])
                new_guardians.append(guardian)
            if row.enroll:
                new_spans.append(
                    Enrollment(
                        student=student,
                        classroom=row.classroom,
                        start_date=locked.start_date,
                        start_kind=plan.start_kind,
                        start_note=str(_("Roster import")),
                    )
                )
        bulk_create_with_history(
            new_guardians, Guardian, default_user=user, default_change_reason=reason
        )
        bulk_create_with_history(
            new_spans, Enrollment, default_user=user, default_change_reason=reason
        )
    except IntegrityError as error:
        raise ValidationError(MSG_CHANGED_MEANWHILE) from error

    locked.status = RosterImport.Status.APPLIED
    locked.applied_at = timezone.now()
    locked.applied_by = user
    locked.created_count = created
    locked.updated_count = updated
    locked.enrolled_count = len(new_spans)
    locked.data = {}  # the students now hold the data; keep no second copy of children's records
    locked.save(
        update_fields=[
            "status",
            "applied_at",
            "applied_by",
            "created_count",
            "updated_count",
            "enrolled_count",
            "data",
            "updated_at",
        ]
    )
    return locked


def _new_student(row: PlannedRow, school_id: int) -> Student:
    data = row.data
    student = Student(
        school_id=school_id,
        code=row.code,
        family_name=data["family_name"],
        given_name=data["given_name"],
        date_of_birth=row.date_of_birth,
        gender=row.gender,
        ethnicity=data.get("ethnicity") or KINH,
        hamlet=data.get("hamlet", ""),
        commune=data.get("commune", ""),
        address=data.get("address", ""),
    )
    # Codes were checked against the school and the file in one query; no query per row here.
    student.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
    return student


@transaction.atomic
def roster_import_discard(*, roster_import: RosterImport) -> RosterImport:
    """Throw a pending import away (its rows are deleted; the record of the upload stays)."""
    locked = RosterImport.objects.select_for_update().filter(pk=roster_import.pk).first()
    if locked is None or locked.status != RosterImport.Status.PENDING:
        raise ValidationError(MSG_NOT_PENDING)
    locked.status = RosterImport.Status.DISCARDED
    locked.data = {}
    locked.save(update_fields=["status", "data", "updated_at"])
    return locked
