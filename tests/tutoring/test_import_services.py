"""Results import services: read the file, match the class, apply all or nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from schools.models import Subject
from students.models import Student
from tests import factories as f
from tutoring import samples
from tutoring import services_import as svc
from tutoring.models import ResultImport, SubjectResult, Term, TermResult
from tutoring.services_import import (
    MSG_HAS_ERRORS,
    MSG_NOT_PENDING,
    apply_import,
    build_preview,
    discard_import,
    read_upload,
)

from .test_import_reader import HEADER, first_row, xlsx


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def line(n, student, toan="8,5", van="7,0", gdtc="Đ", *, code=True, dob=True):
    birth = student.date_of_birth.strftime("%d/%m/%Y") if dob else ""
    return [n, student.code if code else "", student.full_name, birth, toan, van, gdtc]


def upload(world, rows, *, user=None, classroom=None, term=Term.HK1, **file_options):
    return read_upload(
        classroom=classroom or world.c9a1,
        term=term,
        user=user or world.clerk,
        file_name="bang-diem-9A1.xlsx",
        content=xlsx(rows, **file_options),
    )


def class_file(world, **values):
    return [line(n, s, **values) for n, s in enumerate(world.s9a1, start=1)]


def counts():
    return (
        SubjectResult.objects.count(),
        TermResult.objects.count(),
        SubjectResult.history.count(),
    )


# --- Reading ------------------------------------------------------------------------------------
def test_reading_keeps_the_rows_and_changes_no_result(world):
    before = counts()
    imported = upload(world, class_file(world))
    assert imported.status == ResultImport.Status.PREVIEW
    assert (imported.school, imported.classroom, imported.term) == (
        world.school_a,
        world.c9a1,
        Term.HK1,
    )
    assert imported.row_count == 3
    assert len(imported.data["rows"]) == 3
    assert counts() == before


def test_the_whole_year_cannot_be_imported(world):
    with pytest.raises(ValidationError) as caught:
        upload(world, class_file(world), term=Term.YEAR)
    assert "term" in caught.value.error_dict
    assert not ResultImport.objects.exists()


def test_a_file_too_large_is_refused_and_nothing_is_stored(world, settings):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as caught:
        upload(world, class_file(world))
    assert caught.value.message_dict["file"] == [str(svc.MSG_FILE_TOO_LARGE % {"size": 0})]
    assert not ResultImport.objects.exists()


def test_an_unreadable_file_is_refused_and_nothing_is_stored(world):
    with pytest.raises(ValidationError) as caught:
        read_upload(
            classroom=world.c9a1,
            term=Term.HK1,
            user=world.clerk,
            file_name="bang-diem.xlsx",
            content=b"PK\x03\x04 not really",
        )
    assert caught.value.message_dict["file"] == ["The file could not be read as an Excel workbook."]
    assert not ResultImport.objects.exists()


def test_a_new_upload_discards_the_users_waiting_file_for_the_same_class_and_term(world):
    first = upload(world, class_file(world))
    other_term = upload(world, class_file(world), term=Term.HK2)
    second = upload(world, class_file(world))
    first.refresh_from_db()
    other_term.refresh_from_db()
    assert first.status == ResultImport.Status.DISCARDED and first.data == {}
    assert other_term.status == second.status == ResultImport.Status.PREVIEW


# --- Matching the class -------------------------------------------------------------------------
def test_a_clean_file_matches_every_student_and_can_be_applied(world, subjects):
    preview = build_preview(upload(world, class_file(world, toan="4,5")))
    assert preview.errors == []
    assert preview.can_apply
    assert preview.student_count == 3
    assert preview.result_count == 9
    assert [s.subject.code for s in preview.subjects] == ["NV", "TOAN", "GDTC"]
    # Students in Vietnamese order (Anh, Ánh, Ân), whatever the file's order.
    assert [r.student.given_name for r in preview.rows] == ["Anh", "Ánh", "Ân"]
    toan = preview.subjects[1]
    assert (toan.weak, toan.missing) == (3, 0)
    assert preview.weak_count == 3
    assert [c.text for c in preview.rows[0].cells] == ["7,0", "4,5", "Đ"]
    assert [c.weak for c in preview.rows[0].cells] == [False, True, False]


def test_students_are_matched_by_name_and_date_of_birth_without_a_code(world):
    rows = [line(n, s, code=False) for n, s in enumerate(world.s9a1, start=1)]
    preview = build_preview(upload(world, rows))
    assert preview.errors == []
    assert {r.student for r in preview.rows} == set(world.s9a1)


def test_names_in_capitals_without_accents_still_match(world):
    anh = world.s9a1[0]
    rows = [[1, "", "NGUYEN THI ANH", "04/03/2012", 8, 7, "Đ"]]
    preview = build_preview(upload(world, rows))
    assert preview.rows[0].student == anh
    assert preview.errors == []


def test_a_student_of_another_class_is_an_error_naming_their_class(world):
    binh = world.s9a2[0]
    rows = [*class_file(world), line(4, binh)]
    preview = build_preview(upload(world, rows))
    number = first_row() + 3
    assert preview.errors == [
        f"Row {number}: Trần Văn Bình is a student of class 9A2, not of class 9A1."
    ]
    assert not preview.can_apply


def test_a_stranger_is_an_error(world):
    rows = [*class_file(world), [4, "HS-KHONG-CO", "Phạm Văn Lạ", "01/01/2012", 8, 7, "Đ"]]
    preview = build_preview(upload(world, rows))
    assert preview.errors == [
        f"Row {first_row() + 3}: Phạm Văn Lạ is not a student of class 9A1 (no student with "
        "this code, or with this name and date of birth)."
    ]


def test_a_student_of_another_school_is_a_stranger(world):
    pao = world.s9b1[0]
    preview = build_preview(upload(world, [*class_file(world), line(4, pao)]))
    assert len(preview.errors) == 1
    assert "is not a student of class 9A1" in preview.errors[0]


def test_the_same_student_twice_is_an_error_on_both_rows(world):
    anh = world.s9a1[0]
    rows = [*class_file(world), line(4, anh)]
    preview = build_preview(upload(world, rows))
    start = first_row()
    assert preview.errors == [
        f"Row {start}: Nguyễn Thị Ánh is also on row {start + 3}: list each student once.",
        f"Row {start + 3}: Nguyễn Thị Ánh is also on row {start}: list each student once.",
    ]


def test_a_code_belonging_to_another_student_is_an_error(world):
    anh, other = world.s9a1[0], world.s9a1[1]
    rows = [[1, anh.code, "Phạm Văn Khác", "01/01/2011", 8, 7, "Đ"], line(2, other)]
    preview = build_preview(upload(world, rows))
    assert preview.errors == [
        f"Row {first_row()}: the code {anh.code} belongs to Nguyễn Thị Ánh, born 04/03/2012, "
        "not to Phạm Văn Khác: check the code."
    ]


def test_students_of_the_class_missing_from_the_file_are_a_warning_not_an_error(world):
    preview = build_preview(upload(world, class_file(world)[:2]))
    assert preview.errors == []
    assert preview.can_apply
    assert preview.missing_students == [world.s9a1[2]]
    assert preview.warnings == [
        "Students of class 9A1 not in the file (1): Đặng Thị Ân. They will have no result this "
        "term in the subjects of the file."
    ]


def test_a_student_who_left_before_the_term_is_not_missing(world):
    gone = f.StudentFactory(school=world.school_a, family_name="Lý Văn", given_name="Đi")
    span = f.enroll(gone, world.c9a1)
    span.end_date = datetime.date(2026, 10, 1)  # left in October: not in semester II
    span.end_kind = span.EndKind.TRANSFER_OUT
    span.save()
    preview = build_preview(upload(world, class_file(world), term=Term.HK2))
    assert preview.missing_students == []


def test_empty_cells_are_counted_per_subject(world):
    rows = class_file(world)
    rows[0][4] = ""
    rows[1][4] = None
    rows[2][6] = ""
    preview = build_preview(upload(world, rows))
    assert [s.missing for s in preview.subjects] == [0, 2, 1]
    assert preview.errors == []


def test_the_title_of_another_class_or_term_is_a_warning(world):
    title = ("TRƯỜNG THCS A", "BẢNG ĐIỂM TỔNG HỢP HỌC KỲ II", "Năm học 2025-2026, lớp 9A2")
    preview = build_preview(upload(world, class_file(world), title=title))
    assert preview.errors == []
    assert preview.warnings == [
        "The file's title says class 9A2, but you are importing class 9A1: check that this is "
        "the right file.",
        "The file's title says Semester II, but you chose Semester I: check the term.",
        "The file's title says school year 2025-2026, but class 9A1 is in the school year "
        "2026-2027.",
    ]


# --- Applying -------------------------------------------------------------------------------------
def test_apply_records_every_result_and_keeps_only_a_summary(world, subjects):
    header = [*HEADER, "KQHT", "KQRL"]
    rows = [[*r, "Khá", "Tốt"] for r in class_file(world, toan="4,5")]
    imported = upload(world, rows, header=header)
    done = apply_import(result_import=imported, user=world.clerk)
    assert done.status == ResultImport.Status.APPLIED
    assert done.applied_by == world.clerk and done.applied_at is not None
    assert done.data["summary"] == {
        "students": 3,
        "results": 9,
        "weak": 3,
        "replaced": 0,
        "created": 9,
        "updated": 0,
        "deleted": 0,
    }
    assert "rows" not in done.data
    results = SubjectResult.objects.filter(classroom=world.c9a1, term=Term.HK1)
    assert results.count() == 9
    assert set(results.values_list("source", flat=True)) == {"import"}
    anh = world.s9a1[0]
    assert results.get(student=anh, subject=subjects["TOAN"]).score == Decimal("4.5")
    assert results.get(student=anh, subject=subjects["GDTC"]).comment == "D"
    term_result = TermResult.objects.get(student=anh, term=Term.HK1)
    assert (term_result.conduct, term_result.imported_level) == ("tot", "Khá")


def test_reimporting_replaces_the_class_results_for_the_term_with_history(world, subjects):
    apply_import(result_import=upload(world, class_file(world)), user=world.clerk)
    rows = class_file(world, toan="6,0")
    rows[2][5] = ""  # Ân's Ngữ văn left empty this time
    second = upload(world, rows)
    preview = build_preview(second)
    assert preview.replace_count == 9
    history_before = SubjectResult.history.count()
    apply_import(result_import=second, user=world.clerk)
    results = SubjectResult.objects.filter(classroom=world.c9a1, term=Term.HK1)
    assert set(results.filter(subject=subjects["TOAN"]).values_list("score", flat=True)) == {
        Decimal("6.0")
    }
    assert not results.filter(student=world.s9a1[2], subject=subjects["NV"]).exists()
    assert results.count() == 8
    assert SubjectResult.history.count() == history_before + 3 + 1  # 3 changed, 1 removed


def test_a_file_with_an_error_is_refused_whole_and_nothing_is_saved(world):
    rows = class_file(world)
    rows[1][4] = "11"
    imported = upload(world, rows)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        apply_import(result_import=imported, user=world.clerk)
    assert caught.value.messages == [str(MSG_HAS_ERRORS % {"count": 1})]
    assert counts() == before
    imported.refresh_from_db()
    assert imported.status == ResultImport.Status.PREVIEW


def test_a_failure_inside_record_results_leaves_nothing_half_saved(world, monkeypatch):
    imported = upload(world, class_file(world))
    before = counts()
    real = svc.record_results

    def record_then_fail(**kwargs):
        real(**kwargs)  # every row is written …
        assert SubjectResult.objects.count() == before[0] + 9
        raise RuntimeError("disk full")  # … then something breaks

    monkeypatch.setattr(svc, "record_results", record_then_fail)
    with pytest.raises(RuntimeError):
        apply_import(result_import=imported, user=world.clerk)
    assert counts() == before
    imported.refresh_from_db()
    assert imported.status == ResultImport.Status.PREVIEW
    assert len(imported.data["rows"]) == 3


def test_a_student_moved_out_since_the_preview_is_caught_at_apply(world):
    imported = upload(world, class_file(world))
    assert build_preview(imported).can_apply
    moved = world.s9a1[2]
    moved.enrollments.all().delete()  # as if the roster had been corrected meanwhile
    f.enroll(moved, world.c9a2)
    before = counts()
    with pytest.raises(ValidationError):
        apply_import(result_import=imported, user=world.clerk)
    assert counts() == before


def test_applying_twice_applies_once(world):
    imported = upload(world, class_file(world))
    apply_import(result_import=imported, user=world.clerk)
    after_first = counts()
    with pytest.raises(ValidationError) as caught:
        apply_import(result_import=imported, user=world.gvcn)
    assert caught.value.messages == [str(MSG_NOT_PENDING)]
    assert counts() == after_first
    imported.refresh_from_db()
    assert imported.applied_by == world.clerk


def test_a_discarded_file_cannot_be_applied_and_keeps_no_rows(world):
    imported = upload(world, class_file(world))
    discard_import(result_import=imported)
    imported.refresh_from_db()
    assert (imported.status, imported.data) == (ResultImport.Status.DISCARDED, {})
    with pytest.raises(ValidationError):
        apply_import(result_import=imported, user=world.clerk)
    with pytest.raises(ValidationError):
        discard_import(result_import=imported)
    assert not SubjectResult.objects.exists()


def test_a_file_whose_cells_are_all_empty_has_nothing_to_import(world):
    preview = build_preview(upload(world, class_file(world, toan="", van="", gdtc="")))
    assert preview.errors == [str(svc.MSG_NOTHING)]
    assert not preview.can_apply


def test_the_start_of_year_survey_can_be_imported(world, subjects):
    header = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Toán", "Ngữ văn", "Tiếng Anh"]
    rows = [[*line(n, s)[:6], "3,5"] for n, s in enumerate(world.s9a1, start=1)]
    imported = upload(world, rows, term=Term.SURVEY, header=header)
    apply_import(result_import=imported, user=world.gvcn)
    survey = SubjectResult.objects.filter(term=Term.SURVEY, subject=subjects["NN1"])
    assert survey.count() == 3


# --- The shipped samples against a class that has their students --------------------------------
@pytest.fixture
def sample_class(world):
    """The sample's ten students in 9A1 (and its stranger in 9A2), as in the demo school."""
    made = []
    for student, classroom in [
        *((s, world.c9a1) for s in samples.STUDENTS),
        (samples.OTHER_CLASS_STUDENT, world.c9a2),
    ]:
        made.append(
            f.StudentFactory(
                school=world.school_a,
                code=student.code,
                family_name=student.family_name,
                given_name=student.given_name,
                date_of_birth=student.date_of_birth,
            )
        )
        f.enroll(made[-1], classroom)
    return made


def sample_upload(world, content, name):
    return read_upload(
        classroom=world.c9a1, term=Term.HK1, user=world.clerk, file_name=name, content=content
    )


def test_the_clean_sample_previews_without_errors_and_applies(world, sample_class):
    imported = sample_upload(world, samples.clean_sample(), samples.CLEAN_NAME)
    preview = build_preview(imported)
    assert preview.errors == []
    assert preview.student_count == 10
    assert len(preview.subjects) == 12
    assert preview.weak_count == 9  # eight scores below 5,0 and one CĐ
    # The world's own three 9A1 students are not in the sample: a warning only.
    assert len(preview.warnings) == 1 and "(3)" in preview.warnings[0]
    apply_import(result_import=imported, user=world.clerk)
    assert SubjectResult.objects.filter(classroom=world.c9a1, term=Term.HK1).count() == 120


def test_the_faulty_sample_shows_exactly_its_listed_errors(world, sample_class):
    preview = build_preview(sample_upload(world, samples.faulty_sample(), samples.FAULTY_NAME))
    assert len(preview.errors) == len(samples.FAULTY_ERRORS)
    assert preview.errors == [
        "Column R (Môn tự chọn X) is not a subject the app knows: rename it to a subject's name "
        "(Toán, Ngữ văn …) or delete the column.",
        "Row 9: Dương Nhật Cường is also on row 21: list each student once.",
        "Row 10, column E (Toán): “8,55” has more than one decimal: write at most one decimal, "
        "e.g. 8,5.",
        "Row 11, column F (Ngữ văn): “11” is not between 0 and 10.",
        "Row 12, column E (Toán): “CĐ” is a comment result, but this subject is assessed by "
        "score: write its average, e.g. 6,5.",
        "Row 13, column M (GDTC): “7” is a number, but this subject is assessed by comment: "
        "write Đ (Đạt) or CĐ (Chưa đạt).",
        "Row 20: Lê Gia An is a student of class 9A2, not of class 9A1.",
        "Row 21: Dương Nhật Cường is also on row 9: list each student once.",
    ]
    for key, row, column in samples.FAULTY_ERRORS:
        prefix = f"Row {row}" if row else f"Column {column}"
        assert any(e.startswith(prefix) for e in preview.errors), key
    assert not preview.can_apply
    assert Student.objects.filter(school=world.school_a).count() == 16
    assert Subject.objects.count() == 14


def test_weak_cells_follow_the_schools_threshold(world):
    from schools.models import SchoolSettings

    settings = SchoolSettings.for_school(world.school_a)
    settings.weak_threshold = Decimal("6.0")
    settings.save()
    preview = build_preview(upload(world, class_file(world, toan="5,5", van="6,0", gdtc="CĐ")))
    assert preview.weak_threshold == Decimal("6.0")
    assert [c.weak for c in preview.rows[0].cells] == [False, True, True]
    assert preview.weak_count == 6
