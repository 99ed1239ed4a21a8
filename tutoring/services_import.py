"""Results import: upload one class's gradebook for one term, check it, then apply it whole.

Flow: ``read_upload`` reads the file (``importers.read_gradebook``) and keeps its rows in a
``ResultImport`` waiting for confirmation: no result changes. ``build_preview`` matches the rows
to the class's students and lists every problem at once (a fixed number of queries, whatever the
number of rows). ``apply_import`` checks everything again and hands the rows to
``services_results.record_results`` in one transaction: all of it, or nothing.
``discard_import`` throws a waiting file away.

Matching: by student code among the class's students (anyone with an enrolment span in the
class this year), else by name and date of birth (or the name alone when the file has no date
of birth and only one student of the class has that name). A student of another class, a
stranger, or the same student twice is an error on that row.

Re-importing a class's file for a term replaces its results for the subjects in the file
(``record_results(replace=True)``); the audit history keeps the old values.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.formatting import format_date, format_number
from lib.vietnamese import normalize_spaces, unaccent
from schools.models import Classroom, SchoolSettings, Subject
from students.models import Enrollment, Student

from . import rules
from .importers import (
    ERROR,
    FINE_ARTS,
    MUSIC,
    SUBJECT,
    issue_text,
    read_gradebook,
    subject_infos,
)
from .models import LevelCode, ResultImport, SubjectResult, Term
from .services_results import StudentValues, record_results

IMPORTABLE_TERMS = (Term.SURVEY, Term.HK1, Term.HK2)

# --- Refusals (ValidationError) --------------------------------------------------------------
MSG_TERM = _(
    "Choose the start-of-year survey, semester I or semester II: the whole year is computed "
    "from the two semesters."
)
MSG_FILE_TOO_LARGE = _("The file is too large (at most %(size)s MB).")
MSG_NOT_PENDING = _("This file has already been imported or discarded.")
MSG_HAS_ERRORS = _(
    "The file has %(count)s errors, so nothing was imported. Correct the file and upload it again."
)
MSG_NOTHING = _("The file has no result to import.")
MSG_CHANGED_MEANWHILE = _(
    "The class's students or results changed while you were importing: nothing was imported. "
    "Check the preview again."
)

# --- Row problems found against the class (kept as keys, shown by ``issue_text``) -------------
MSG_IN_OTHER_CLASS = _(
    "Row %(row)s: %(name)s is a student of class %(classroom)s, not of class %(chosen)s."
)
MSG_NOT_IN_CLASS = _(
    "Row %(row)s: %(name)s is a student of the school but was not in class %(chosen)s this "
    "school year."
)
MSG_UNKNOWN_STUDENT = _(
    "Row %(row)s: %(name)s is not a student of class %(chosen)s (no student with this code, or "
    "with this name and date of birth)."
)
MSG_AMBIGUOUS = _(
    "Row %(row)s: several students of class %(chosen)s are called %(name)s: add the student code "
    "or the date of birth."
)
MSG_DUPLICATE_STUDENT = _("Row %(row)s: %(name)s is also on row %(other)s: list each student once.")
MSG_CODE_OTHER_STUDENT = _(
    "Row %(row)s: the code %(code)s belongs to %(student)s, born %(dob)s, not to %(name)s: check "
    "the code."
)
MSG_NAME_DIFFERS = _(
    "Row %(row)s: the name “%(name)s” differs from the class list; read as %(student)s "
    "(code %(code)s)."
)
MSG_CODE_DIFFERS = _(
    "Row %(row)s: the code %(code)s is not %(student)s's code (%(student_code)s); read by name "
    "and date of birth."
)
MSG_MISSING_STUDENTS = _(
    "Students of class %(classroom)s not in the file (%(count)s): %(names)s. They will have no "
    "result this term in the subjects of the file."
)
MSG_TITLE_CLASS = _(
    "The file's title says class %(file)s, but you are importing class %(chosen)s: check that "
    "this is the right file."
)
MSG_TITLE_TERM = _("The file's title says %(file)s, but you chose %(chosen)s: check the term.")
MSG_TITLE_YEAR = _(
    "The file's title says school year %(file)s, but class %(chosen)s is in the school year "
    "%(year)s."
)

PREVIEW_MESSAGES = {
    "in_other_class": MSG_IN_OTHER_CLASS,
    "not_in_class": MSG_NOT_IN_CLASS,
    "unknown_student": MSG_UNKNOWN_STUDENT,
    "ambiguous": MSG_AMBIGUOUS,
    "duplicate_student": MSG_DUPLICATE_STUDENT,
    "code_other_student": MSG_CODE_OTHER_STUDENT,
    "name_differs": MSG_NAME_DIFFERS,
    "code_differs": MSG_CODE_DIFFERS,
}

VALUE_COLUMNS = (SUBJECT, MUSIC, FINE_ARTS)
COMMENT_TEXT = {"D": "Đ", "CD": "CĐ"}


# --- Reading the file ---------------------------------------------------------------------------
def read_upload(
    *, classroom: Classroom, term: int, user, file_name: str, content: bytes
) -> ResultImport:
    """Read a gradebook file and keep its rows for the preview. No result changes.

    Refuses (ValidationError keyed "term" or "file", nothing saved): the whole-year term, a file
    too large, and a file that cannot be used at all (not .xlsx, empty, unreadable, no header
    row, no subject column, no student). Every problem of a cell or a row waits for the preview.
    Discards the user's earlier waiting file for the same class and term.
    """
    try:
        term = Term(int(term))
    except (TypeError, ValueError):
        raise ValidationError({"term": MSG_TERM}) from None
    if term not in IMPORTABLE_TERMS:
        raise ValidationError({"term": MSG_TERM})
    max_bytes = settings.IMPORT_MAX_BYTES
    if len(content) > max_bytes:
        raise ValidationError({"file": MSG_FILE_TOO_LARGE % {"size": max_bytes // (1024 * 1024)}})
    subjects = subject_infos(Subject.objects.all())
    try:
        parsed = read_gradebook(content, file_name, subjects, class_name=classroom.name)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    year = classroom.school_year
    with transaction.atomic():
        ResultImport.objects.filter(
            classroom=classroom, term=term, created_by=user, status=ResultImport.Status.PREVIEW
        ).update(status=ResultImport.Status.DISCARDED, data={}, updated_at=timezone.now())
        result_import = ResultImport(
            school_id=year.school_id,
            school_year=year,
            classroom=classroom,
            term=term,
            file_name=normalize_spaces(file_name)[:255] or "bang-diem.xlsx",
            data=parsed.as_data(),
            row_count=len(parsed.rows),
            created_by=user,
        )
        result_import.full_clean()
        result_import.save()
    return result_import


# --- The preview --------------------------------------------------------------------------------
@dataclass
class PreviewCell:
    text: str = ""  # as shown: "8,5", "Đ", "CĐ", or what was typed when it is wrong
    weak: bool = False
    error: bool = False


@dataclass
class PreviewRow:
    number: int
    name: str
    code: str
    date_of_birth: datetime.date | None
    student: Student | None = None
    cells: list[PreviewCell] = field(default_factory=list)
    values: dict[int, Decimal | str] = field(default_factory=dict)
    conduct: str = ""
    level: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def conduct_label(self) -> str:
        return LevelCode(self.conduct).label if self.conduct else ""


@dataclass
class PreviewColumn:
    letter: str
    header: str
    read_as: str  # what the column is read as, in words
    known: bool  # False: not read (unknown or duplicate column)


@dataclass
class SubjectSummary:
    subject: Subject
    missing: int = 0
    weak: int = 0


@dataclass
class ImportPreview:
    result_import: ResultImport
    subjects: list[SubjectSummary]
    columns: list[PreviewColumn]
    rows: list[PreviewRow]
    errors: list[str]
    warnings: list[str]
    missing_students: list[Student]
    replace_count: int
    weak_threshold: Decimal
    title: list[str]

    @property
    def student_count(self) -> int:
        return len({r.student.pk for r in self.rows if r.student is not None})

    @property
    def result_count(self) -> int:
        return sum(len(r.values) for r in self.rows)

    @property
    def weak_count(self) -> int:
        return sum(s.weak for s in self.subjects)

    @property
    def error_rows(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    @property
    def can_apply(self) -> bool:
        return (
            self.result_import.status == ResultImport.Status.PREVIEW
            and not self.errors
            and self.result_count > 0
        )


def _term_window(year, term: int) -> tuple[datetime.date, datetime.date]:
    if term == Term.HK2:
        return year.semester2_start, year.end_date
    return year.start_date, year.semester1_end


def _person_key(name: str, dob) -> tuple[str, str]:
    return unaccent(name), str(dob or "")


def build_preview(result_import: ResultImport) -> ImportPreview:
    """Match the file's rows to the class and list every problem, in a fixed number of queries
    (subjects, the class's students, the school's other students named in the file and their
    classes, the results the import would replace, the school's settings), whatever the number
    of rows."""
    data = result_import.data or {}
    classroom = result_import.classroom
    year = classroom.school_year
    term = result_import.term
    chosen = classroom.name
    subjects = {s.pk: s for s in Subject.objects.all()}
    threshold = SchoolSettings.for_school(result_import.school_id).weak_threshold

    columns_data = data.get("columns", [])
    value_subject_ids: list[int] = []
    for column in columns_data:
        sid = column.get("subject")
        if column.get("role") in VALUE_COLUMNS and sid in subjects and sid not in value_subject_ids:
            value_subject_ids.append(sid)
    value_subject_ids.sort(key=lambda sid: (subjects[sid].order, sid))
    summaries = [SubjectSummary(subjects[sid]) for sid in value_subject_ids]
    position = {sid: i for i, sid in enumerate(value_subject_ids)}
    column_subject = {
        c["col"]: c.get("subject") for c in columns_data if c.get("role") in VALUE_COLUMNS
    }

    errors: list[str] = []
    warnings: list[str] = []
    for level, key, params in data.get("issues", []):
        (errors if level == ERROR else warnings).append(issue_text(key, params))
    warnings += _hint_warnings(data.get("hints", {}), classroom, term)

    # The class's students: anyone with a span in the class this year.
    spans = list(
        Enrollment.objects.filter(classroom=classroom)
        .select_related("student")
        .order_by("student__sort_key", "student__pk", "start_date")
    )
    in_class: dict[int, Student] = {}
    for span in spans:
        in_class.setdefault(span.student_id, span.student)
    by_code = {s.code.upper(): s for s in in_class.values() if s.code}
    by_person: dict[tuple[str, str], list[Student]] = {}
    by_name: dict[str, list[Student]] = {}
    for student in in_class.values():
        by_person.setdefault(_person_key(student.full_name, student.date_of_birth), []).append(
            student
        )
        by_name.setdefault(unaccent(student.full_name), []).append(student)

    rows: list[PreviewRow] = []
    unmatched: list[PreviewRow] = []
    for raw in data.get("rows", []):
        row = _preview_row(raw, position, column_subject, threshold, subjects)
        rows.append(row)
        _match_in_class(row, raw, by_code, by_person, by_name, chosen)
        if row.student is None and not row.errors:
            unmatched.append(row)
    _match_outside(unmatched, result_import.school_id, year, in_class, chosen)

    # The same student twice: an error on each of the rows.
    seen: dict[int, list[PreviewRow]] = {}
    for row in rows:
        if row.student is not None:
            seen.setdefault(row.student.pk, []).append(row)
    for same in seen.values():
        if len(same) > 1:
            for row in same:
                other = ", ".join(str(r.number) for r in same if r is not row)
                row.errors.append(
                    issue_text(
                        "duplicate_student",
                        {"row": row.number, "name": row.name, "other": other},
                        PREVIEW_MESSAGES,
                    )
                )

    for row in rows:
        for sid, value in row.values.items():
            summary = summaries[position[sid]]
            summary.weak += _is_weak(value, threshold)
        for sid, summary in zip(value_subject_ids, summaries, strict=True):
            if sid not in row.values and not row.cells[position[sid]].error:
                summary.missing += 1

    window_start, window_end = _term_window(year, term)
    listed = {r.student.pk for r in rows if r.student is not None}
    missing: list[Student] = []
    for span in spans:
        overlaps = span.start_date <= window_end and (
            span.end_date is None or span.end_date > window_start
        )
        if overlaps and span.student_id not in listed and span.student not in missing:
            missing.append(span.student)
    if missing:
        warnings.append(
            str(MSG_MISSING_STUDENTS)
            % {
                "classroom": chosen,
                "count": len(missing),
                "names": ", ".join(s.full_name for s in missing),
            }
        )

    matched_ids = [r.student.pk for r in rows if r.student is not None]
    replace_count = 0
    if value_subject_ids:
        replace_count = (
            SubjectResult.objects.filter(
                school_year=year, term=term, subject_id__in=value_subject_ids
            )
            .filter(Q(classroom=classroom) | Q(student_id__in=matched_ids))
            .count()
        )

    # Students in Vietnamese order; rows not matched to a student after them, in file order.
    rows.sort(
        key=lambda r: (
            r.student is None,
            r.student.sort_key if r.student else "",
            r.number,
        )
    )
    for row in sorted(rows, key=lambda r: r.number):
        errors += row.errors
        warnings += row.warnings
    if not errors and not any(r.values for r in rows):
        errors.append(str(MSG_NOTHING))
    columns = [_preview_column(c, subjects) for c in columns_data]
    return ImportPreview(
        result_import=result_import,
        subjects=summaries,
        columns=columns,
        rows=rows,
        errors=errors,
        warnings=warnings,
        missing_students=missing,
        replace_count=replace_count,
        weak_threshold=threshold,
        title=data.get("title", []),
    )


def _is_weak(value, threshold: Decimal) -> bool:
    if isinstance(value, Decimal):
        return rules.is_weak_in_subject(value, threshold)
    return value == "CD"


def _preview_row(raw: dict, position, column_subject, threshold, subjects) -> PreviewRow:
    dob = datetime.date.fromisoformat(raw["dob"]) if raw.get("dob") else None
    row = PreviewRow(
        number=int(raw.get("n", 0)),
        name=raw.get("name", ""),
        code=raw.get("code", ""),
        date_of_birth=dob,
        conduct=raw.get("conduct", ""),
        level=raw.get("level", ""),
        cells=[PreviewCell() for _ in position],
    )
    for key, text in raw.get("values", {}).items():
        sid = int(key)
        if sid not in position:
            continue
        value: Decimal | str = text if text in COMMENT_TEXT else Decimal(text)
        row.values[sid] = value
        cell = row.cells[position[sid]]
        if isinstance(value, Decimal):
            cell.text = format_number(value, 1)
        else:
            cell.text = COMMENT_TEXT[value]
        cell.weak = _is_weak(value, threshold)
    for level, key, params in raw.get("issues", []):
        (row.errors if level == ERROR else row.warnings).append(issue_text(key, params))
        sid = column_subject.get(params.get("col"))
        if level == ERROR and sid in position:
            cell = row.cells[position[sid]]
            cell.error, cell.text = True, params.get("value", "")
    return row


def _match_in_class(row: PreviewRow, raw, by_code, by_person, by_name, chosen) -> None:
    def problem(key, target, **params):
        target.append(issue_text(key, {"row": row.number, **params}, PREVIEW_MESSAGES))

    student = by_code.get(row.code) if row.code else None
    if student is not None:
        if row.name and unaccent(row.name) != unaccent(student.full_name):
            if row.date_of_birth and row.date_of_birth != student.date_of_birth:
                problem(
                    "code_other_student",
                    row.errors,
                    code=row.code,
                    student=student.full_name,
                    dob=format_date(student.date_of_birth),
                    name=row.name,
                )
                return
            problem(
                "name_differs",
                row.warnings,
                name=row.name,
                student=student.full_name,
                code=student.code,
            )
        row.student = student
        return
    if not row.name:
        return
    if row.date_of_birth:
        matches = by_person.get(_person_key(row.name, row.date_of_birth), [])
    else:
        matches = by_name.get(unaccent(row.name), [])
    if len(matches) > 1:
        problem("ambiguous", row.errors, name=row.name, chosen=chosen)
        return
    if matches:
        row.student = matches[0]
        if row.code:
            problem(
                "code_differs",
                row.warnings,
                code=row.code,
                student=row.student.full_name,
                student_code=row.student.code,
            )


def _match_outside(rows: list[PreviewRow], school_id, year, in_class, chosen) -> None:
    """Rows not found in the class: a student of another class, of no class, or a stranger.
    Two queries for all of them."""
    if not rows:
        return
    codes = {r.code for r in rows if r.code}
    names = {unaccent(r.name) for r in rows if r.name}
    candidates = list(
        Student.objects.filter(school_id=school_id)
        .filter(Q(code__in=codes) | Q(search_name__in=names))
        .exclude(pk__in=list(in_class))
    )
    classes: dict[int, str] = {}
    for span in (
        Enrollment.objects.filter(
            student_id__in=[s.pk for s in candidates], classroom__school_year=year
        )
        .select_related("classroom")
        .order_by("start_date", "pk")
    ):
        classes[span.student_id] = span.classroom.name  # the latest span wins
    by_code = {s.code.upper(): s for s in candidates if s.code}
    by_person: dict[tuple[str, str], Student] = {}
    for student in candidates:
        by_person.setdefault(_person_key(student.full_name, student.date_of_birth), student)
    for row in rows:
        found = by_code.get(row.code) if row.code else None
        if found is None and row.name and row.date_of_birth:
            found = by_person.get(_person_key(row.name, row.date_of_birth))
        name = row.name or row.code
        params = {"row": row.number, "name": name, "chosen": chosen}
        if found is not None and found.pk in classes:
            key, params["classroom"] = "in_other_class", classes[found.pk]
        elif found is not None:
            key = "not_in_class"
        else:
            key = "unknown_student"
        row.errors.append(issue_text(key, params, PREVIEW_MESSAGES))


def _hint_warnings(hints: dict, classroom: Classroom, term: int) -> list[str]:
    warnings = []
    file_class = hints.get("class", "")
    if file_class and _class_key(file_class) != _class_key(classroom.name):
        warnings.append(str(MSG_TITLE_CLASS) % {"file": file_class, "chosen": classroom.name})
    file_term = hints.get("term")
    if file_term is not None and file_term != term and file_term in Term.values:
        warnings.append(
            str(MSG_TITLE_TERM) % {"file": Term(file_term).label, "chosen": Term(term).label}
        )
    file_year = hints.get("year")
    year = classroom.school_year
    if file_year and file_year != year.start_year:
        warnings.append(
            str(MSG_TITLE_YEAR)
            % {"file": f"{file_year}-{file_year + 1}", "chosen": classroom.name, "year": year.name}
        )
    return warnings


def _class_key(text: str) -> str:
    key = "".join(ch for ch in unaccent(text) if ch.isalnum())
    return key[3:] if key.startswith("lop") else key


READ_AS = {
    "code": _("Student code"),
    "name": _("Full name"),
    "family": _("Family and middle name"),
    "given": _("Given name"),
    "beside": _("Given name"),
    "dob": _("Date of birth"),
    "level": _("Learning result in the file (KQHT)"),
    "conduct": _("Conduct (KQRL)"),
    "ignored": _("Not read"),
    "unknown": _("Unknown column"),
    "duplicate": _("Second column of the same subject"),
}


def _preview_column(column: dict, subjects: dict[int, Subject]) -> PreviewColumn:
    role = column.get("role", "")
    subject = subjects.get(column.get("subject"))
    if role == SUBJECT and subject is not None:
        read_as = str(subject.name)
    elif role == MUSIC and subject is not None:
        read_as = str(_("%(subject)s: the Âm nhạc part") % {"subject": subject.short_name})
    elif role == FINE_ARTS and subject is not None:
        read_as = str(_("%(subject)s: the Mĩ thuật part") % {"subject": subject.short_name})
    else:
        read_as = str(READ_AS.get(role, role))
    return PreviewColumn(
        letter=column.get("col", ""),
        header=column.get("header", ""),
        read_as=read_as,
        known=role not in ("unknown", "duplicate"),
    )


# --- Applying -----------------------------------------------------------------------------------
@transaction.atomic
def apply_import(*, result_import: ResultImport, user) -> ResultImport:
    """Store every result of the file, or nothing: one error anywhere refuses the whole file.

    Locks the import row first, so a double click or a second tab cannot apply it twice; checks
    the rows against the class again (students may have moved since the preview); then calls
    ``record_results(replace=True)`` for the class and term. Any exception rolls everything back,
    the import's status included. Keeps only a summary afterwards (no second copy of the
    children's results).
    """
    locked = (
        ResultImport.objects.select_for_update(of=("self",))
        .select_related("classroom__school_year")
        .filter(pk=result_import.pk)
        .first()
    )
    if locked is None or locked.status != ResultImport.Status.PREVIEW:
        raise ValidationError(MSG_NOT_PENDING)
    preview = build_preview(locked)
    if preview.errors:
        raise ValidationError(MSG_HAS_ERRORS % {"count": len(preview.errors)})
    if not preview.result_count:
        raise ValidationError(MSG_NOTHING)
    subject_ids = [s.subject.pk for s in preview.subjects]
    rows = [
        StudentValues(
            student_id=row.student.pk,
            values={sid: row.values.get(sid) for sid in subject_ids},
            conduct=row.conduct,
            imported_level=row.level,
        )
        for row in preview.rows
        if row.student is not None
    ]
    try:
        recorded = record_results(
            classroom=locked.classroom,
            term=locked.term,
            rows=rows,
            user=user,
            source=SubjectResult.Source.IMPORT,
            replace=True,
        )
    except IntegrityError as error:
        raise ValidationError(MSG_CHANGED_MEANWHILE) from error
    columns = (locked.data or {}).get("columns", [])
    locked.status = ResultImport.Status.APPLIED
    locked.applied_at = timezone.now()
    locked.applied_by = user
    locked.data = {
        "summary": {
            "students": len(rows),
            "results": preview.result_count,
            "weak": preview.weak_count,
            "replaced": preview.replace_count,
            "created": getattr(recorded, "created", 0),
            "updated": getattr(recorded, "updated", 0),
            "deleted": getattr(recorded, "deleted", 0),
        },
        "columns": columns,
    }
    locked.save(update_fields=["status", "applied_at", "applied_by", "data", "updated_at"])
    return locked


@transaction.atomic
def discard_import(*, result_import: ResultImport) -> ResultImport:
    """Throw a waiting file away: its rows are deleted, the record of the upload stays."""
    locked = (
        ResultImport.objects.select_for_update(of=("self",)).filter(pk=result_import.pk).first()
    )
    if locked is None or locked.status != ResultImport.Status.PREVIEW:
        raise ValidationError(MSG_NOT_PENDING)
    locked.status = ResultImport.Status.DISCARDED
    locked.data = {}
    locked.save(update_fields=["status", "data", "updated_at"])
    return locked
