"""Storing and classifying results: the worked examples of REGULATIONS.md §10 end to end through
record_results + recompute, re-import semantics with history, single cells, the grid save."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from schools.models import SchoolSettings
from students.models import Enrollment
from tests import factories as f
from tutoring.models import LevelCode, SubjectResult, Term, TermResult, WeakRecord
from tutoring.services_results import (
    StudentValues,
    clean_value,
    recompute,
    record_results,
    save_grid,
    set_result,
)

from .conftest import COMMENTED, SCORED

D = Decimal


def _values(subjects, values: dict[str, object]) -> dict[int, object]:
    """{"TOAN": "8,5", "GDTC": "D"} → {subject id: value} as the contract wants."""
    out = {}
    for code, value in values.items():
        subject = subjects[code]
        if subject.assessment == "comment" or value == "":
            out[subject.pk] = value
        else:
            out[subject.pk] = D(str(value).replace(",", "."))
    return out


def _record(world, subjects, term, per_student: dict, *, classroom=None, replace=True, **extra):
    classroom = classroom or world.c9a1
    rows = [
        StudentValues(student_id=s.pk, values=_values(subjects, v), **extra)
        for s, v in per_student.items()
    ]
    return record_results(
        classroom=classroom,
        term=term,
        rows=rows,
        user=world.gvcn,
        source=SubjectResult.Source.IMPORT,
        replace=replace,
    )


def _both_semesters(world, subjects, student, values):
    """The same averages in both semesters: the year averages equal them (x + 2x) / 3 = x."""
    _record(world, subjects, Term.HK1, {student: values})
    _record(world, subjects, Term.HK2, {student: values})


def _year(student, code, subjects):
    return SubjectResult.objects.get(student=student, subject=subjects[code], term=Term.YEAR)


def _term_result(student, term=Term.YEAR):
    return TermResult.objects.get(student=student, term=term)


def _scored(*scores) -> dict[str, str]:
    return dict(zip(SCORED, scores, strict=True))


ALL_DAT = dict.fromkeys(COMMENTED, "D")


# --- averages (A1, A3) -----------------------------------------------------------------------


def test_a1_year_average_is_stored_as_a_computed_row(world, subjects):
    student = world.s9a1[0]
    _record(world, subjects, Term.HK1, {student: {"TOAN": "8,0"}})
    _record(world, subjects, Term.HK2, {student: {"TOAN": "7,7"}})
    year = _year(student, "TOAN", subjects)
    assert year.score == D("7.8")
    assert year.source == SubjectResult.Source.COMPUTED
    assert year.classroom == world.c9a1


@pytest.mark.parametrize(("hk1", "expected"), [("7,9", D("8.0")), ("7,8", D("7.9"))])
def test_a3_rounding_of_the_year_average(world, subjects, hk1, expected):
    student = world.s9a1[0]
    _record(world, subjects, Term.HK1, {student: {"TOAN": hk1}})
    _record(world, subjects, Term.HK2, {student: {"TOAN": "8,0"}})
    assert _year(student, "TOAN", subjects).score == expected


def test_comment_subject_year_result_is_the_semester_ii_result(world, subjects):
    student = world.s9a1[0]
    _record(world, subjects, Term.HK1, {student: {"GDTC": "CD"}})
    _record(world, subjects, Term.HK2, {student: {"GDTC": "D"}})
    assert _year(student, "GDTC", subjects).comment == "D"


def test_no_year_row_until_both_semesters_exist(world, subjects):
    student = world.s9a1[0]
    _record(world, subjects, Term.HK1, {student: {"TOAN": "6,0"}})
    assert not SubjectResult.objects.filter(student=student, term=Term.YEAR).exists()
    assert not TermResult.objects.filter(student=student, term=Term.YEAR).exists()


# --- TT22 classification (§10 worked examples 1-8) -------------------------------------------


@pytest.mark.parametrize(
    ("scores", "comments", "base", "level", "trigger"),
    [
        # 1: exactly 6 subjects >= 8,0 and minimum exactly 6,5
        (_scored("8,5", "8,0", "8,0", "9,0", "8,2", "8,0", "6,5", "7,9"), {}, "tot", "tot", None),
        # 2: only 5 subjects >= 8,0 -> Khá, no adjustment
        (_scored("8,5", "7,9", "8,5", "8,5", "8,5", "8,5", "7,0", "7,0"), {}, "kha", "kha", None),
        # 3: one 4,0 drags Tốt to Đạt -> Khá
        (_scored("8,5", "8,5", "8,5", "8,5", "8,5", "8,5", "8,5", "4,0"), {}, "dat", "kha", "TIN"),
        # 4: one 3,4 drags Tốt to Chưa đạt -> Đạt only
        (
            _scored("9,0", "9,0", "9,0", "9,0", "9,0", "9,0", "7,0", "3,4"),
            {},
            "chua_dat",
            "dat",
            "TIN",
        ),
        # 5: a single comment subject triggers the adjustment too
        (_scored(*["9,0"] * 8), {"GDTC": "CD"}, "dat", "kha", "GDTC"),
        # 6: two comment subjects Chưa đạt -> no adjustment
        (_scored(*["9,0"] * 8), {"GDTC": "CD", "HDTN": "CD"}, "chua_dat", "chua_dat", None),
        # 7: two subjects below 5,0 but Đạt
        (_scored("7,0", "7,0", "7,0", "7,0", "7,0", "7,0", "4,9", "4,0"), {}, "dat", "dat", None),
        # 8: MOET's example: KHTN 4,5 and NN1 3,2 -> Chưa đạt
        (
            _scored("6,0", "6,0", "3,2", "6,0", "6,0", "4,5", "6,0", "6,0"),
            {},
            "chua_dat",
            "chua_dat",
            None,
        ),
    ],
)
def test_worked_examples_are_stored_with_their_adjustment(
    world, subjects, scores, comments, base, level, trigger
):
    student = world.s9a1[0]
    _both_semesters(world, subjects, student, {**scores, **ALL_DAT, **comments})
    for term in (Term.HK1, Term.HK2, Term.YEAR):
        result = _term_result(student, term)
        assert (result.base_level, result.level) == (base, level)
        assert result.adjusted_by == (subjects[trigger] if trigger else None)
        assert result.is_weak == (level == LevelCode.CHUA_DAT)
        assert result.missing_subjects == 0
        assert result.needs_review is False
        assert result.classroom == world.c9a1


def test_example_2_rounding_decides_the_level_and_a_correction_reclassifies(world, subjects):
    """Toán 7,8 / 8,0 → 7,9: Khá. Corrected to 7,9 / 8,0 → 8,0: Tốt."""
    student = world.s9a1[0]
    others = _scored("8,5", "8,0", "8,5", "8,5", "8,5", "8,5", "7,0", "7,0")
    _record(world, subjects, Term.HK1, {student: {**others, "TOAN": "7,8", **ALL_DAT}})
    _record(world, subjects, Term.HK2, {student: {**others, "TOAN": "8,0", **ALL_DAT}})
    assert _year(student, "TOAN", subjects).score == D("7.9")
    assert _term_result(student).level == LevelCode.KHA

    set_result(
        student=student,
        classroom=world.c9a1,
        subject=subjects["TOAN"],
        term=Term.HK1,
        value="7,9",
        user=world.gvcn,
    )
    assert _year(student, "TOAN", subjects).score == D("8.0")
    assert _term_result(student).level == LevelCode.TOT


def test_electives_count_as_scored_subjects_when_the_student_has_them(world, subjects):
    student = world.s9a1[0]
    # Only five subjects >= 8,0 among the eight: Khá. An elective at 9,0 makes six: Tốt.
    scores = _scored("8,5", "8,0", "8,5", "8,5", "8,5", "7,0", "7,0", "7,0")
    _both_semesters(world, subjects, student, {**scores, **ALL_DAT})
    assert _term_result(student).level == LevelCode.KHA
    _both_semesters(world, subjects, student, {**scores, **ALL_DAT, "NN2": "9,0"})
    assert _term_result(student).level == LevelCode.TOT
    assert _term_result(student).missing_subjects == 0


def test_missing_subjects_are_counted_and_flagged(world, subjects):
    student = world.s9a1[0]
    _record(world, subjects, Term.HK1, {student: {"TOAN": "9,0", "NV": "9,0", "GDTC": "D"}})
    result = _term_result(student, Term.HK1)
    assert result.missing_subjects == 9
    assert result.needs_review is True
    assert result.level == LevelCode.CHUA_DAT  # fewer than 6 scored subjects


def test_survey_results_get_no_learning_result(world, subjects):
    student = world.s9a1[0]
    _record(world, subjects, Term.SURVEY, {student: {"TOAN": "3,0", "NV": "6,0"}})
    assert SubjectResult.objects.filter(student=student, term=Term.SURVEY).count() == 2
    assert not TermResult.objects.filter(student=student).exists()


# --- TT58 ------------------------------------------------------------------------------------


def test_tt58_year_stores_hoc_luc_average_and_adjustment(world, subjects):
    world.year_a.regulation = "tt58"
    world.year_a.save()
    world.c9a1.refresh_from_db()
    student = world.s9a1[0]
    # X = (7 × 9,0 + 4,0) / 8 = 8,375 → 8,4: Giỏi but for the single 4,0 → Trung bình → Khá.
    _both_semesters(world, subjects, student, {**_scored(*["9,0"] * 7, "4,0"), **ALL_DAT})
    result = _term_result(student)
    assert result.average == D("8.4")
    assert (result.base_level, result.level) == (LevelCode.TRUNG_BINH, LevelCode.KHA)
    assert result.adjusted_by == subjects["TIN"]
    assert result.is_weak is False


def test_tt58_yeu_is_weak(world, subjects):
    world.year_a.regulation = "tt58"
    world.year_a.save()
    world.c9a1.refresh_from_db()
    student = world.s9a1[0]
    _both_semesters(world, subjects, student, {**_scored(*["4,0"] * 8), **ALL_DAT})
    result = _term_result(student)
    assert result.level == LevelCode.YEU
    assert result.average == D("4.0")
    assert result.is_weak is True


def test_tt58_without_toan_or_ngu_van_needs_a_human(world, subjects):
    world.year_a.regulation = "tt58"
    world.year_a.save()
    world.c9a1.refresh_from_db()
    student = world.s9a1[0]
    _record(world, subjects, Term.HK1, {student: {"KHTN": "8,0"}})
    result = _term_result(student, Term.HK1)
    assert result.level == ""
    assert result.needs_review is True


# --- re-import, single cells, recompute ------------------------------------------------------


def test_reimport_replaces_the_class_term_and_keeps_history(world, subjects):
    a, b, c = world.s9a1
    first = _record(
        world,
        subjects,
        Term.HK1,
        {a: {"TOAN": "4,0", "NV": "6,0"}, b: {"TOAN": "7,0", "NV": "6,0"}, c: {"TOAN": "8,0"}},
    )
    assert (first.created, first.updated, first.deleted, first.students) == (5, 0, 0, 3)
    toan_c = SubjectResult.objects.get(student=c, subject=subjects["TOAN"], term=Term.HK1)

    # The corrected file: a's Toán changed, b's Văn empty, c missing.
    second = _record(
        world, subjects, Term.HK1, {a: {"TOAN": "5,0", "NV": "6,0"}, b: {"TOAN": "7,0", "NV": ""}}
    )
    assert (second.created, second.updated, second.deleted, second.unchanged) == (0, 1, 2, 2)
    left = SubjectResult.objects.filter(term=Term.HK1).values_list(
        "student_id", "subject__code", "score"
    )
    assert sorted(left) == sorted(
        [(a.pk, "TOAN", D("5.0")), (a.pk, "NV", D("6.0")), (b.pk, "TOAN", D("7.0"))]
    )
    history = SubjectResult.history.filter(id=toan_c.pk).order_by("history_date")
    assert [h.history_type for h in history] == ["+", "-"]
    assert history.last().history_user == world.gvcn
    changed = SubjectResult.history.filter(student_id=a.pk, subject=subjects["TOAN"])
    assert sorted(h.history_type for h in changed) == ["+", "~"]
    assert not TermResult.objects.filter(student=c).exists()


def test_reimport_without_replace_keeps_the_other_rows(world, subjects):
    a, b, _c = world.s9a1
    _record(world, subjects, Term.HK1, {a: {"TOAN": "4,0"}, b: {"TOAN": "7,0"}})
    summary = _record(world, subjects, Term.HK1, {a: {"TOAN": "4,5"}}, replace=False)
    assert (summary.updated, summary.deleted) == (1, 0)
    assert SubjectResult.objects.filter(term=Term.HK1, subject=subjects["TOAN"]).count() == 2


def test_set_result_deletes_and_the_year_follows(world, subjects):
    student = world.s9a1[0]
    _record(world, subjects, Term.HK1, {student: {"TOAN": "6,0"}})
    _record(world, subjects, Term.HK2, {student: {"TOAN": "6,0"}})
    assert TermResult.objects.filter(student=student, term=Term.YEAR).exists()
    removed = set_result(
        student=student,
        classroom=world.c9a1,
        subject=subjects["TOAN"],
        term=Term.HK2,
        value="",
        user=world.gvcn,
    )
    assert removed is None
    assert not SubjectResult.objects.filter(student=student, term__in=[2, 3]).exists()
    assert not TermResult.objects.filter(student=student, term__in=[2, 3]).exists()
    assert TermResult.objects.filter(student=student, term=Term.HK1).exists()


def test_recompute_is_idempotent(world, subjects):
    student = world.s9a1[0]
    _both_semesters(world, subjects, student, {**_scored(*["7,0"] * 8), **ALL_DAT})
    counts = (SubjectResult.history.count(), TermResult.history.count())
    recompute(world.year_a, [student.pk])
    recompute(world.year_a, [student.pk])
    assert (SubjectResult.history.count(), TermResult.history.count()) == counts


def test_conduct_and_imported_level_are_kept_and_the_year_conduct_follows(world, subjects):
    student = world.s9a1[0]
    _record(
        world, subjects, Term.HK1, {student: {"TOAN": "7,0"}}, conduct="tot", imported_level="Khá"
    )
    _record(world, subjects, Term.HK2, {student: {"TOAN": "7,0"}}, conduct="dat")
    hk1 = _term_result(student, Term.HK1)
    assert (hk1.conduct, hk1.imported_level) == ("tot", "Khá")
    recompute(world.year_a, [student.pk])
    assert _term_result(student, Term.HK1).conduct == "tot"
    # TT22 Điều 8: HK1 Tốt, HK2 Đạt → Khá for the year.
    assert _term_result(student, Term.YEAR).conduct == LevelCode.KHA


def test_computed_rows_take_the_class_of_semester_ii(world, subjects):
    student = f.StudentFactory(school=world.school_a, family_name="Vi Văn", given_name="Chuyển")
    move = datetime.date(2027, 1, 20)
    Enrollment.objects.create(
        student=student,
        classroom=world.c9a1,
        start_date=world.year_a.start_date,
        start_kind=Enrollment.StartKind.START_OF_YEAR,
        end_date=move,
        end_kind=Enrollment.EndKind.CLASS_CHANGE,
    )
    f.enroll(student, world.c9a2, start=move, kind=Enrollment.StartKind.CLASS_CHANGE)
    _record(world, subjects, Term.HK1, {student: {"TOAN": "6,0"}})
    _record(world, subjects, Term.HK2, {student: {"TOAN": "6,0"}}, classroom=world.c9a2)
    assert _year(student, "TOAN", subjects).classroom == world.c9a2
    assert _term_result(student).classroom == world.c9a2
    assert _term_result(student, Term.HK1).classroom == world.c9a1


def test_weak_results_reach_the_weak_register(world, subjects):
    student = world.s9a1[0]
    _record(world, subjects, Term.HK1, {student: {"TOAN": "3,5", "NV": "7,0"}})
    weak = WeakRecord.objects.filter(student=student, subject__isnull=False)
    assert list(weak.values_list("subject__code", flat=True)) == ["TOAN"]


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value"), [("TOAN", "11"), ("TOAN", "8,25"), ("TOAN", "tám"), ("GDTC", "7,0")]
)
def test_a_bad_value_refuses_the_whole_import(world, subjects, code, value):
    a, b, _ = world.s9a1
    rows = [
        StudentValues(student_id=a.pk, values={subjects["NV"].pk: D("6.0")}),
        StudentValues(student_id=b.pk, values={subjects[code].pk: value}),
    ]
    with pytest.raises(ValidationError):
        record_results(
            classroom=world.c9a1, term=Term.HK1, rows=rows, user=world.gvcn, source="import"
        )
    assert SubjectResult.objects.count() == 0


def test_students_of_another_class_and_duplicates_are_refused(world, subjects):
    toan = subjects["TOAN"].pk
    outsider = StudentValues(student_id=world.s9a2[0].pk, values={toan: D("5.0")})
    with pytest.raises(ValidationError, match="9A1"):
        record_results(
            classroom=world.c9a1, term=1, rows=[outsider], user=world.gvcn, source="import"
        )
    twice = [StudentValues(world.s9a1[0].pk, {toan: D("5.0")})] * 2
    with pytest.raises(ValidationError):
        record_results(classroom=world.c9a1, term=1, rows=twice, user=world.gvcn, source="import")
    assert SubjectResult.objects.count() == 0


def test_the_year_term_is_computed_not_entered(world, subjects):
    with pytest.raises(ValidationError):
        set_result(
            student=world.s9a1[0],
            classroom=world.c9a1,
            subject=subjects["TOAN"],
            term=Term.YEAR,
            value="8,0",
            user=world.gvcn,
        )
    assert SubjectResult.objects.count() == 0


@pytest.mark.parametrize(
    ("code", "typed", "expected"),
    [
        ("TOAN", "8,5", D("8.5")),
        ("TOAN", " 8.5 ", D("8.5")),
        ("TOAN", "10", D("10.0")),
        ("TOAN", "", None),
        ("GDTC", "Đ", "D"),
        ("GDTC", "đạt", "D"),
        ("GDTC", "CĐ", "CD"),
        ("GDTC", "chưa đạt", "CD"),
        ("GDTC", "cd", "CD"),
    ],
)
def test_clean_value_accepts_what_teachers_type(subjects, code, typed, expected):
    assert clean_value(subjects[code], typed) == expected


# --- the grid save ---------------------------------------------------------------------------


def test_save_grid_refuses_when_someone_changed_a_cell_meanwhile(world, subjects):
    a, b, _ = world.s9a1
    toan = subjects["TOAN"].pk
    _record(world, subjects, Term.HK1, {a: {"TOAN": "4,0"}, b: {"TOAN": "6,0"}})
    loaded = {(a.pk, toan): D("4.0"), (b.pk, toan): D("6.0")}
    # Someone else corrects a's Toán after the grid was opened.
    set_result(
        student=a,
        classroom=world.c9a1,
        subject=subjects["TOAN"],
        term=1,
        value="4,5",
        user=world.principal,
    )
    result = save_grid(
        classroom=world.c9a1,
        term=Term.HK1,
        values={(a.pk, toan): D("4.0"), (b.pk, toan): D("7.0")},
        loaded=loaded,
        user=world.gvcn,
    )
    assert result.saved == 0
    assert [(c.student_id, c.current) for c in result.conflicts] == [(a.pk, D("4.5"))]
    assert SubjectResult.objects.get(student=b, term=1).score == D("6.0")


def test_save_grid_saves_changed_cells_only_and_limits_tutors(world, subjects):
    a, b, _ = world.s9a1
    toan, nv = subjects["TOAN"].pk, subjects["NV"].pk
    _record(world, subjects, Term.HK1, {a: {"TOAN": "4,0"}, b: {"TOAN": "6,0"}})
    loaded = {(a.pk, toan): D("4.0"), (b.pk, toan): D("6.0")}
    history = SubjectResult.history.count()
    result = save_grid(
        classroom=world.c9a1,
        term=Term.HK1,
        values={(a.pk, toan): D("4.0"), (b.pk, toan): None, (a.pk, nv): D("5.5")},
        loaded=loaded,
        user=world.gvcn,
    )
    assert (result.saved, result.conflicts) == (2, [])
    assert SubjectResult.history.count() == history + 2  # one "+" and one "-"
    assert not SubjectResult.objects.filter(student=b, term=1).exists()
    with pytest.raises(ValidationError):
        save_grid(
            classroom=world.c9a1,
            term=Term.HK1,
            values={(a.pk, nv): D("9.0")},
            loaded={(a.pk, nv): D("5.5")},
            user=world.teacher,
            allowed={(a.pk, toan)},
        )
    assert SubjectResult.objects.get(student=a, subject_id=nv, term=1).score == D("5.5")


# --- query counts ------------------------------------------------------------------------------


def _class_of(world, size: int, name: str):
    classroom = f.ClassroomFactory(school_year=world.year_a, name=name, grade=7)
    students = []
    for i in range(size):
        s = f.StudentFactory(school=world.school_a, family_name="Nguyễn Văn", given_name=f"Em{i}")
        f.enroll(s, classroom)
        students.append(s)
    return classroom, students


def _import_cost(world, subjects, classroom, students, django_assert_max_num_queries) -> int:
    values = {
        **_scored("4,0", "5,0", "6,0", "7,0", "8,0", "9,0", "3,0", "6,5"),
        **ALL_DAT,
        "GDTC": "CD",
    }
    rows = [StudentValues(s.pk, _values(subjects, values), conduct="kha") for s in students]
    with django_assert_max_num_queries(60) as ctx:
        record_results(
            classroom=classroom, term=Term.HK1, rows=rows, user=world.clerk, source="import"
        )
    return len(ctx.captured_queries)


def test_record_results_costs_the_same_for_3_and_40_students(
    world, subjects, django_assert_max_num_queries
):
    SchoolSettings.for_school(world.school_a)  # created once, not part of an import
    small = _class_of(world, 3, "7A1")
    large = _class_of(world, 40, "7A2")
    few = _import_cost(world, subjects, *small, django_assert_max_num_queries)
    many = _import_cost(world, subjects, *large, django_assert_max_num_queries)
    assert many == few
    assert SubjectResult.objects.filter(classroom=large[0]).count() == 40 * 12
    assert TermResult.objects.filter(classroom=large[0], is_weak=True).count() == 40
