"""Results: storing the term averages a gradebook exports, and classifying them.

The app keeps one row per student, subject and term (``SubjectResult``): a semester average
(ĐTBmhk) or a comment result (Đạt / Chưa đạt). Everything else is derived here, never typed:

* the year row of a subject (term YEAR, source "computed") once both semesters exist:
  ĐTBmcn = (HK1 + 2·HK2) / 3 (``rules.year_average``), a comment subject's year result = HK2;
* the learning result of each semester and of the year (``TermResult``) under the school year's
  regulation: TT22 (Tốt / Khá / Đạt / Chưa đạt, with the one-subject adjustment) or, for older
  years, TT58 (Giỏi … Kém, with its khoản 6 adjustment);
* then the weak-student register (``services_weak.sync_from_results``).

Writers (``record_results``, ``set_result``, ``save_grid``) are atomic, validate every value with
``tutoring.rules`` and cost a fixed number of queries whatever the number of students, except
deletions: each deleted row costs its own DELETE + audit INSERT (django-simple-history records
deletions through signals, one row at a time), which is rare (a re-import with fewer rows).
Bulk writes go through ``simple_history.utils`` so the audit trail keeps every change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from lib.formatting import format_number
from lib.vietnamese import unaccent
from schools.models import Subject
from students.models import Enrollment, Student

from . import rules
from .models import WEAK_LEVELS, Comment, LevelCode, SubjectResult, Term, TermResult

ONE_DECIMAL = Decimal("0.1")
CLASSIFIED_TERMS = (Term.HK1, Term.HK2, Term.YEAR)
WRITABLE_TERMS = (Term.SURVEY, Term.HK1, Term.HK2)

BAD_SCORE = _(
    "“%(value)s” is not a score: write a number from 0 to 10 with at most one decimal, "
    "for example 6,5."
)
BAD_COMMENT = _("“%(value)s” is not a result of a comment subject: write Đ (Đạt) or CĐ (Chưa đạt).")
BAD_TERM = _("Choose the start-of-year survey, semester I or semester II.")
YEAR_IS_COMPUTED = _(
    "Whole-year results are computed from the two semesters: enter the semester results instead."
)
BAD_SOURCE = _("Unknown source of results.")
UNKNOWN_SUBJECT = _("Unknown subject.")
NOT_IN_CLASS = _(
    "Some students are not in class %(classroom)s this school year; their results were not saved."
)
DUPLICATE_STUDENT = _("The same student appears twice; nothing was saved.")
NOT_ALLOWED_CELL = _("You may only correct the results of your tutoring group in its subject.")
BAD_CONDUCT = _("“%(value)s” is not a conduct level (Tốt, Khá, Đạt or Chưa đạt).")

# TT58 gate subjects (Điều 13) are named as rules.TT58_GATE_SUBJECTS names them.
_GATE_NAMES = {"TOAN": "Toán", "NV": "Ngữ văn", "NN1": "Ngoại ngữ"}
_TT22_LEVELS = {
    rules.Level.TOT: LevelCode.TOT,
    rules.Level.KHA: LevelCode.KHA,
    rules.Level.DAT: LevelCode.DAT,
    rules.Level.CHUA_DAT: LevelCode.CHUA_DAT,
}
_TT22_BY_CODE = {code: level for level, code in _TT22_LEVELS.items()}
_TT58_LEVELS = {
    rules.HocLuc.GIOI: LevelCode.GIOI,
    rules.HocLuc.KHA: LevelCode.KHA,
    rules.HocLuc.TRUNG_BINH: LevelCode.TRUNG_BINH,
    rules.HocLuc.YEU: LevelCode.YEU,
    rules.HocLuc.KEM: LevelCode.KEM,
}

Value = Decimal | str | None  # a score, "D" / "CD", or nothing
Cell = tuple[int, int]  # (student id, subject id)


@dataclass
class StudentValues:
    """One student's line of a class's results for a term (an import row, or the grid)."""

    student_id: int
    values: dict[int, Decimal | str]  # subject id -> Decimal score, or "D"/"CD"
    conduct: str = ""  # LevelCode value (tot/kha/dat/chua_dat) or ""
    imported_level: str = ""  # the overall result as written in the file, if any


@dataclass
class RecordSummary:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    students: int = 0


@dataclass
class GridConflict:
    """A cell someone else changed after the grid was loaded."""

    student_id: int
    subject_id: int
    loaded: Value
    current: Value
    mine: Value


@dataclass
class GridSave:
    saved: int = 0
    conflicts: list[GridConflict] = field(default_factory=list)


# --- values --------------------------------------------------------------------------------------


def clean_value(subject: Subject, raw: object) -> Value:
    """One cell as typed or read from a file → a Decimal score, "D"/"CD", or None when empty.

    Scores accept "8,5" and "8.5" (0 to 10, one decimal at most); comment subjects accept
    Đ / Đạt / D and CĐ / Chưa đạt / CD in any case. Raises ValidationError in Vietnamese.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    shown = str(raw).strip()[:20]
    if subject.assessment == Subject.Assessment.COMMENT:
        key = unaccent(str(raw)).upper().replace(" ", "").replace(".", "")
        if key in ("D", "DAT"):
            return Comment.PASS.value
        if key in ("CD", "CHUADAT"):
            return Comment.FAIL.value
        raise ValidationError(BAD_COMMENT, code="bad_comment", params={"value": shown})
    if isinstance(raw, float):
        raw = str(raw)
    try:
        return rules.validate_score(raw).quantize(ONE_DECIMAL)
    except ValueError:
        raise ValidationError(BAD_SCORE, code="bad_score", params={"value": shown}) from None


def value_text(value: Value) -> str:
    """How a value is shown and typed: "8,5", "Đ", "CĐ" or ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return format_number(value, 1)
    return "Đ" if value == Comment.PASS else "CĐ"


def row_value(row: SubjectResult | None) -> Value:
    if row is None:
        return None
    return row.score.quantize(ONE_DECIMAL) if row.score is not None else (row.comment or None)


def _split(value: Value) -> tuple[Decimal | None, str]:
    """A value → (score, comment) as stored."""
    if isinstance(value, Decimal):
        return value, ""
    return None, str(value)


def is_weak_value(value: Value, threshold: Decimal) -> bool:
    """A score below the school's line, or Chưa đạt."""
    if value is None:
        return False
    if isinstance(value, Decimal):
        return value < threshold
    return value == Comment.FAIL


def _writable_term(term) -> int:
    try:
        term = Term(int(term))
    except (TypeError, ValueError):
        raise ValidationError(BAD_TERM, code="bad_term") from None
    if term == Term.YEAR:
        raise ValidationError(YEAR_IS_COMPUTED, code="year_is_computed")
    return term


def _subjects() -> dict[int, Subject]:
    return {s.pk: s for s in Subject.objects.all()}


def _lock_class_students(classroom, student_ids: Iterable[int]) -> set[int]:
    """The given students who were in the class at some time this year, locked for the
    transaction (two saves of the same students queue up instead of clashing)."""
    ids = set(student_ids)
    if not ids:
        return set()
    in_class = Enrollment.objects.filter(classroom=classroom).values("student_id")
    return set(
        Student.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .filter(pk__in=in_class)
        .values_list("pk", flat=True)
    )


def _refuse_outsiders(classroom, wanted: set[int]) -> None:
    enrolled = _lock_class_students(classroom, wanted)
    if wanted - enrolled:
        raise ValidationError(
            NOT_IN_CLASS, code="not_in_class", params={"classroom": classroom.name}
        )


# --- writing ------------------------------------------------------------------------------------


@transaction.atomic
def record_results(
    *,
    classroom,
    term: int,
    rows: list[StudentValues],
    user,
    source: str,
    replace: bool = True,
) -> RecordSummary:
    """Store a class's results for one term, then classify them (``recompute``).

    ``replace=True`` (an import): for the subjects present in ``rows``, the class's rows of that
    term that are not in ``rows`` are deleted (the history keeps them); an empty value deletes
    too. Other values are created or updated. Refuses (ValidationError, nothing saved) a whole
    year term, an unknown subject, a bad value, a duplicate student or a student who was not in
    the class this year.
    """
    term = _writable_term(term)
    if source not in (SubjectResult.Source.IMPORT, SubjectResult.Source.MANUAL):
        raise ValidationError(BAD_SOURCE, code="bad_source")
    year = classroom.school_year
    student_ids = [r.student_id for r in rows]
    if len(set(student_ids)) != len(student_ids):
        raise ValidationError(DUPLICATE_STUDENT, code="duplicate_student")
    subjects = _subjects()
    wanted: dict[Cell, Value] = {}
    present_subjects: set[int] = set()
    errors: list[ValidationError] = []
    extras: dict[tuple[int, int], tuple[str, str]] = {}
    for row in rows:
        for subject_id, raw in row.values.items():
            subject = subjects.get(subject_id)
            if subject is None:
                errors.append(ValidationError(UNKNOWN_SUBJECT, code="unknown_subject"))
                continue
            present_subjects.add(subject_id)
            try:
                value = clean_value(subject, raw)
            except ValidationError as error:
                errors.append(error)
                continue
            if value is not None:
                wanted[row.student_id, subject_id] = value
        conduct = (row.conduct or "").strip()
        if conduct and conduct not in LevelCode.values:
            errors.append(
                ValidationError(BAD_CONDUCT, code="bad_conduct", params={"value": conduct[:20]})
            )
        if replace or conduct or row.imported_level:
            extras[row.student_id, term] = (conduct, (row.imported_level or "").strip()[:20])
    if errors:
        raise ValidationError(errors)
    _refuse_outsiders(classroom, set(student_ids))

    existing = {
        (r.student_id, r.subject_id): r
        for r in SubjectResult.objects.filter(
            school_year=year, term=term, subject_id__in=present_subjects
        ).filter(Q(classroom=classroom) | Q(student_id__in=student_ids))
    }
    summary = RecordSummary(students=len(rows))
    touched = set(student_ids)
    to_delete = []
    if replace:
        for key, row in existing.items():
            if key not in wanted and (row.classroom_id == classroom.pk or key[0] in touched):
                to_delete.append(row)
    elif existing:
        # Without replace, an empty cell removes only the student's own row of that subject.
        listed = {(r.student_id, s) for r in rows for s, v in r.values.items()}
        to_delete = [row for key, row in existing.items() if key in listed and key not in wanted]
    created, updated = _apply(
        year=year,
        term=term,
        classroom_id=classroom.pk,
        wanted=wanted,
        existing=existing,
        source=source,
        user=user,
    )
    summary.created, summary.updated = created, updated
    summary.unchanged = len(wanted) - created - updated
    summary.deleted = _delete(to_delete, user)
    touched.update(r.student_id for r in to_delete)
    recompute(year, touched, user=user, extras=extras, subjects=subjects)
    return summary


def _apply(*, year, term, classroom_id, wanted, existing, source, user) -> tuple[int, int]:
    """Create or update the wanted cells in bulk (with history). Returns (created, updated)."""
    now = timezone.now()
    to_create, to_update = [], []
    for (student_id, subject_id), value in wanted.items():
        score, comment = _split(value)
        row = existing.get((student_id, subject_id))
        if row is None:
            to_create.append(
                SubjectResult(
                    student_id=student_id,
                    school_year=year,
                    classroom_id=classroom_id,
                    subject_id=subject_id,
                    term=term,
                    score=score,
                    comment=comment,
                    source=source,
                    updated_by=user,
                )
            )
        elif row_value(row) != value or row.classroom_id != classroom_id:
            row.score, row.comment, row.source = score, comment, source
            row.classroom_id, row.updated_by, row.updated_at = classroom_id, user, now
            to_update.append(row)
    if to_create:
        bulk_create_with_history(to_create, SubjectResult, default_user=user)
    if to_update:
        bulk_update_with_history(
            to_update,
            SubjectResult,
            ["score", "comment", "source", "classroom", "updated_by", "updated_at"],
            default_user=user,
        )
    return len(to_create), len(to_update)


def _delete(rows: list, user) -> int:
    for row in rows:
        row._history_user = user  # the audit row names who removed it
        row.delete()
    return len(rows)


@transaction.atomic
def set_result(*, student, classroom, subject, term: int, value, user) -> SubjectResult | None:
    """One grid cell: store, change or (value None / "") delete a student's result in a subject
    for a term, then ``recompute`` that student. Refuses the year term (computed), a bad value
    and a student who was not in the class this year."""
    term = _writable_term(term)
    cleaned = clean_value(subject, value)
    _refuse_outsiders(classroom, {student.pk})
    year = classroom.school_year
    row = SubjectResult.objects.filter(
        student=student, school_year=year, subject=subject, term=term
    ).first()
    if cleaned is None:
        if row is not None:
            _delete([row], user)
            row = None
    else:
        score, comment = _split(cleaned)
        if row is None:
            row = SubjectResult(
                student=student,
                school_year=year,
                classroom=classroom,
                subject=subject,
                term=term,
                source=SubjectResult.Source.MANUAL,
            )
        if row.pk is None or row_value(row) != cleaned or row.classroom_id != classroom.pk:
            row.score, row.comment, row.classroom = score, comment, classroom
            row.source, row.updated_by = SubjectResult.Source.MANUAL, user
            row._history_user = user
            row.full_clean(validate_unique=False, validate_constraints=False)
            row.save()
    recompute(year, [student.pk], user=user)
    return row


@transaction.atomic
def save_grid(
    *,
    classroom,
    term: int,
    values: Mapping[Cell, Value],
    loaded: Mapping[Cell, Value],
    user,
    allowed: set[Cell] | None = None,
) -> GridSave:
    """Save a results grid: every cell the person changed, in one transaction, then one
    ``recompute``. ``values`` are the cleaned cells as posted, ``loaded`` the values the grid
    showed when it was opened. When someone else changed any of these cells since, nothing is
    saved and the conflicts are returned (never a silent overwrite). ``allowed`` limits the
    cells that may change (a tutor: their group's students in their subject).
    """
    term = _writable_term(term)
    year = classroom.school_year
    subjects = _subjects()
    if any(subject_id not in subjects for _, subject_id in values):
        raise ValidationError(UNKNOWN_SUBJECT, code="unknown_subject")
    student_ids = {student_id for student_id, _ in values}
    _refuse_outsiders(classroom, student_ids)
    rows = {
        (r.student_id, r.subject_id): r
        for r in SubjectResult.objects.filter(
            school_year=year, term=term, student_id__in=student_ids
        )
    }
    current = {key: row_value(row) for key, row in rows.items()}
    conflicts = [
        GridConflict(key[0], key[1], loaded.get(key), current.get(key), values[key])
        for key in values
        if loaded.get(key) != current.get(key)
    ]
    if conflicts:
        return GridSave(conflicts=conflicts)
    changes = {key: v for key, v in values.items() if v != current.get(key)}
    if allowed is not None and any(key not in allowed for key in changes):
        raise ValidationError(NOT_ALLOWED_CELL, code="not_allowed")
    wanted = {key: v for key, v in changes.items() if v is not None}
    _apply(
        year=year,
        term=term,
        classroom_id=classroom.pk,
        wanted=wanted,
        existing=rows,
        source=SubjectResult.Source.MANUAL,
        user=user,
    )
    _delete([rows[key] for key, v in changes.items() if v is None and key in rows], user)
    if changes:
        recompute(year, {key[0] for key in changes}, user=user, subjects=subjects)
    return GridSave(saved=len(changes))


# --- classification ------------------------------------------------------------------------------


def _year_value(subject: Subject, hk1: SubjectResult, hk2: SubjectResult) -> Value:
    if subject.assessment == Subject.Assessment.COMMENT:
        if not hk2.comment:
            return None
        label = rules.comment_year_result(value_label(hk1.comment), value_label(hk2.comment))
        return Comment.PASS.value if label == rules.DAT_LABEL else Comment.FAIL.value
    if hk1.score is None or hk2.score is None:
        return None
    return rules.year_average(hk1.score, hk2.score)


def value_label(comment: str) -> str | None:
    """ "D"/"CD" → the legal labels the rules read ("Đạt", "Chưa đạt")."""
    if comment == Comment.PASS:
        return rules.DAT_LABEL
    if comment == Comment.FAIL:
        return rules.CHUA_DAT_LABEL
    return None


def classify(regulation: str, subjects: Mapping[int, Subject], results: Iterable) -> dict:
    """The TermResult fields for one student's results of one term (SubjectResult rows).

    TT22: ``rules.learning_result`` over the scored averages (electives included when the
    student has them) and the comment results. TT58: ``rules.tt58_hoc_luc`` with Toán / Ngữ văn
    as gate subjects and the plain mean as ``average``. ``missing_subjects`` counts the
    compulsory subjects without a result; a term with any missing still gets a level, flagged
    for review.
    """
    ordered = sorted(results, key=lambda r: (subjects[r.subject_id].order, r.subject_id))
    scored = [
        (subjects[r.subject_id], r.score)
        for r in ordered
        if subjects[r.subject_id].assessment == Subject.Assessment.SCORE and r.score is not None
    ]
    comments = [
        (subjects[r.subject_id], r.comment)
        for r in ordered
        if subjects[r.subject_id].assessment == Subject.Assessment.COMMENT and r.comment
    ]
    have = {r.subject_id for r in ordered}
    missing = sum(1 for s in subjects.values() if not s.is_elective and s.pk not in have)
    out = {
        "level": "",
        "base_level": "",
        "adjusted_by_id": None,
        "average": None,
        "needs_review": missing > 0,
        "missing_subjects": missing,
    }
    if regulation == "tt58":
        out.update(_classify_tt58(scored, comments))
    else:
        out.update(_classify_tt22(scored, comments))
        out["needs_review"] = out["needs_review"] or missing > 0
    out["is_weak"] = out["level"] in WEAK_LEVELS
    return out


def _classify_tt22(scored, comments) -> dict:
    result = rules.learning_result(
        [score for _, score in scored], [value_label(c) for _, c in comments]
    )
    adjusted_by = None
    if result.adjusted and result.trigger_index is not None:
        pool = scored if result.trigger_kind == rules.SubjectKind.SCORED else comments
        adjusted_by = pool[result.trigger_index][0].pk
    return {
        "level": _TT22_LEVELS[result.level],
        "base_level": _TT22_LEVELS[result.base_level],
        "adjusted_by_id": adjusted_by,
        "needs_review": result.needs_review,
    }


def _classify_tt58(scored, comments) -> dict:
    keyed = {_GATE_NAMES.get(s.code, s.code): (s, score) for s, score in scored}
    by_code = {s.code: s for s, _ in comments}
    try:
        result = rules.tt58_hoc_luc(
            {key: score for key, (_, score) in keyed.items()},
            {s.code: value_label(c) for s, c in comments},
            gate_subjects=rules.TT58_GATE_SUBJECTS,
        )
    except ValueError:
        # No scored subject, or neither Toán nor Ngữ văn: no level without a human.
        return {"needs_review": True}
    adjusted_by = None
    if result.adjusted and result.trigger_subject is not None:
        trigger = keyed.get(result.trigger_subject, (by_code.get(result.trigger_subject), None))
        adjusted_by = trigger[0].pk if trigger[0] is not None else None
    return {
        "level": _TT58_LEVELS[result.level],
        "base_level": _TT58_LEVELS[result.base_level],
        "adjusted_by_id": adjusted_by,
        "average": result.average,
    }


def _term_classroom(rows: Mapping[int, SubjectResult]) -> int | None:
    """The class of the most recently changed row of a term."""
    if not rows:
        return None
    return max(
        rows.values(), key=lambda r: (r.updated_at or timezone.now(), r.pk or 0)
    ).classroom_id


_TERM_FIELDS = [
    "classroom_id",
    "level",
    "base_level",
    "adjusted_by_id",
    "average",
    "needs_review",
    "missing_subjects",
    "is_weak",
    "conduct",
    "imported_level",
]


@transaction.atomic
def recompute(school_year, student_ids, *, user=None, extras=None, subjects=None) -> None:
    """Derive the year rows and the learning results of these students for the year, then the
    weak register. Idempotent: unchanged rows are not written.

    Year rows (term YEAR, source "computed") exist for every subject with both semesters and
    are deleted when a semester row disappears; rows typed as year results are left alone.
    ``extras`` maps (student id, term) to (conduct, level as written in the file), from an
    import; other conduct values are kept, and the year's conduct follows TT22 Điều 8 from the
    two semesters when both are known. ``user`` is written in the audit rows; ``subjects`` (id →
    Subject) saves a query when the caller has them.
    """
    ids = sorted(set(student_ids))
    if not ids:
        return
    extras = extras or {}
    subjects = subjects or _subjects()
    by_student: dict[int, dict[int, dict[int, SubjectResult]]] = defaultdict(
        lambda: {t: {} for t in CLASSIFIED_TERMS}
    )
    for row in SubjectResult.objects.filter(
        school_year=school_year, student_id__in=ids, term__in=CLASSIFIED_TERMS
    ):
        by_student[row.student_id][row.term][row.subject_id] = row
    now = timezone.now()
    create_rows, update_rows, delete_rows = [], [], []
    for student_id in ids:
        terms = by_student[student_id]
        _year_rows(
            student_id,
            school_year,
            terms,
            subjects,
            user,
            now,
            create_rows,
            update_rows,
            delete_rows,
        )
    if create_rows:
        bulk_create_with_history(create_rows, SubjectResult, default_user=user)
    if update_rows:
        bulk_update_with_history(
            update_rows,
            SubjectResult,
            ["score", "comment", "classroom", "updated_by", "updated_at"],
            default_user=user,
        )
    _delete(delete_rows, user)

    existing = {
        (t.student_id, t.term): t
        for t in TermResult.objects.filter(
            school_year=school_year, student_id__in=ids, term__in=CLASSIFIED_TERMS
        )
    }
    create_terms, update_terms, delete_terms = [], [], []
    for student_id in ids:
        terms = by_student[student_id]
        for term in CLASSIFIED_TERMS:
            current = existing.get((student_id, term))
            if not terms[term]:
                if current is not None:
                    delete_terms.append(current)
                    existing.pop((student_id, term))
                continue
            wanted = classify(school_year.regulation, subjects, terms[term].values())
            source = (terms[Term.HK2] or terms[Term.HK1]) if term == Term.YEAR else terms[term]
            wanted["classroom_id"] = _term_classroom(source)
            conduct, imported = (
                extras[student_id, term]
                if (student_id, term) in extras
                else (
                    current.conduct if current else "",
                    current.imported_level if current else "",
                )
            )
            if term == Term.YEAR:
                conduct = _year_conduct(existing, student_id) or conduct
            wanted["conduct"], wanted["imported_level"] = conduct, imported
            if current is None:
                current = TermResult(student_id=student_id, school_year=school_year, term=term)
                _set(current, wanted)
                create_terms.append(current)
                existing[student_id, term] = current
            elif any(getattr(current, name) != value for name, value in wanted.items()):
                _set(current, wanted)
                current.updated_at = now
                update_terms.append(current)
    if create_terms:
        bulk_create_with_history(create_terms, TermResult, default_user=user)
    if update_terms:
        bulk_update_with_history(
            update_terms,
            TermResult,
            [name.removesuffix("_id") for name in _TERM_FIELDS] + ["updated_at"],
            default_user=user,
        )
    _delete(delete_terms, user)

    from .services_weak import sync_from_results  # written by the weak-register area

    sync_from_results(school_year, ids, user=user)


def _set(obj, values: dict) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


def _year_rows(student_id, school_year, terms, subjects, user, now, create, update, delete):
    hk1, hk2, year_rows = terms[Term.HK1], terms[Term.HK2], terms[Term.YEAR]
    for subject_id in sorted(set(hk1) | set(hk2) | set(year_rows)):
        row = year_rows.get(subject_id)
        if row is not None and row.source != SubjectResult.Source.COMPUTED:
            continue  # typed as a year result (e.g. an old year's file): kept as it is
        first, second = hk1.get(subject_id), hk2.get(subject_id)
        value = _year_value(subjects[subject_id], first, second) if first and second else None
        if value is None:
            if row is not None:
                delete.append(row)
                del year_rows[subject_id]
            continue
        score, comment = _split(value)
        if row is None:
            row = SubjectResult(
                student_id=student_id,
                school_year=school_year,
                classroom_id=second.classroom_id,
                subject_id=subject_id,
                term=Term.YEAR,
                score=score,
                comment=comment,
                source=SubjectResult.Source.COMPUTED,
                updated_by=user,
            )
            row.updated_at = now
            create.append(row)
            year_rows[subject_id] = row
        elif row_value(row) != value or row.classroom_id != second.classroom_id:
            row.score, row.comment, row.classroom_id = score, comment, second.classroom_id
            row.updated_by, row.updated_at = user, now
            update.append(row)


def _year_conduct(term_results: Mapping, student_id: int) -> str:
    """Year rèn luyện from the two semesters (TT22 Điều 8), when both are TT22 levels."""
    first, second = (
        term_results.get((student_id, Term.HK1)),
        term_results.get((student_id, Term.HK2)),
    )
    if first is None or second is None:
        return ""
    if first.conduct not in _TT22_BY_CODE or second.conduct not in _TT22_BY_CODE:
        return ""
    level = rules.year_conduct(_TT22_BY_CODE[first.conduct], _TT22_BY_CODE[second.conduct])
    return _TT22_LEVELS[level]
