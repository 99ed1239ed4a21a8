"""The results pages: the class grid (read, edit, bad input, concurrent edits), by subject, the
overview, the student panel, and who may see and change what."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.conftest import login
from tutoring.models import Membership, SubjectResult, Term, TermResult, TutoringGroup
from tutoring.services_results import set_result

from .conftest import full_results, put_results
from .test_results_services import _record

D = Decimal


def _grid_url(classroom, term=None, **extra):
    url = reverse("results_class", args=[classroom.pk])
    query = {**({"term": term} if term is not None else {}), **extra}
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def results_9a1(world, subjects):
    """HK1 results for 9A1: Ánh weak in Toán (4,5), Anh fine, Ân without results."""
    anh_accent, anh, _an = world.s9a1
    _record(
        world,
        subjects,
        Term.HK1,
        {
            anh_accent: full_results(scores={"TOAN": "4,5"}),
            anh: full_results(comments={"GDTC": "CD"}),
        },
    )
    return world


def _post_data(client, url, changes: dict[str, str]):
    """What the edit form posts: every input as loaded, with ``changes`` applied."""
    page = client.get(url + "&edit=1")
    assert page.status_code == 200
    grid = page.context["grid"]
    data = {"loaded": page.context["loaded"]}
    for row in grid.rows:
        for cell in row.cells:
            if cell.editable:
                data[cell.name] = cell.text
    data.update(changes)
    return data


def _cell(world, subjects, student, code):
    return f"c-{student.pk}-{subjects[code].pk}"


# --- reading the grid ------------------------------------------------------------------------


def test_gvcn_reads_the_grid_with_weak_cells_and_levels(client, results_9a1, subjects):
    world = results_9a1
    login(client, world.gvcn)
    response = client.get(_grid_url(world.c9a1))
    assert response.status_code == 200
    assert response.context["term"] == Term.HK1  # the latest term with results
    html = response.content.decode()
    assert "4,5" in html and "7,0" in html and "4.5" not in html
    grid = response.context["grid"]
    names = [row.student.full_name for row in grid.rows]
    assert names == ["Lê Văn Anh", "Nguyễn Thị Ánh", "Đặng Thị Ân"]  # Vietnamese order
    toan = next(c for c in grid.rows[1].cells if c.subject.code == "TOAN")
    assert toan.weak and toan.text == "4,5"
    gdtc = next(c for c in grid.rows[0].cells if c.subject.code == "GDTC")
    assert gdtc.weak and gdtc.text == "CĐ"
    assert [c.subject.code for c in grid.columns][:2] == ["NV", "TOAN"]
    assert all(not c.subject.is_elective for c in grid.columns)  # nobody has an elective
    weak_toan = next(c for c in grid.columns if c.subject.code == "TOAN")
    assert (weak_toan.weak, weak_toan.count) == (1, 2)
    # One 4,5 keeps Ánh from Khá (every subject >= 5,0): Đạt, one step, so no adjustment.
    assert grid.rows[1].term_result.level == "dat"
    assert grid.rows[2].term_result is None
    assert 'class="is-weak' in html
    assert response.context["may_edit"] is True


def test_year_term_is_read_only_and_default_without_results_is_hk1(client, world):
    login(client, world.gvcn)
    response = client.get(_grid_url(world.c9a1))
    assert response.context["term"] == Term.HK1
    response = client.get(_grid_url(world.c9a1, Term.YEAR, edit=1))
    assert response.status_code == 200
    assert response.context["editing"] is False
    assert b'class="res-input"' not in response.content
    response = client.post(_grid_url(world.c9a1, Term.YEAR), {"loaded": "{}"})
    assert response.status_code == 403


def test_a_bad_term_falls_back_instead_of_failing(client, world):
    login(client, world.gvcn)
    assert client.get(_grid_url(world.c9a1, "9")).status_code == 200
    assert client.get(_grid_url(world.c9a1, "x")).status_code == 200


# --- editing ---------------------------------------------------------------------------------


def test_gvcn_corrects_several_cells_at_once(client, results_9a1, subjects):
    world = results_9a1
    anh_accent, anh, an = world.s9a1
    login(client, world.gvcn)
    url = _grid_url(world.c9a1, Term.HK1)
    data = _post_data(
        client,
        url,
        {
            _cell(world, subjects, anh_accent, "TOAN"): "5.5",
            _cell(world, subjects, anh, "GDTC"): "Đ",
            _cell(world, subjects, an, "NV"): "6,5",
            _cell(world, subjects, anh, "NV"): "",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302
    rows = SubjectResult.objects.filter(term=Term.HK1)
    assert rows.get(student=anh_accent, subject__code="TOAN").score == D("5.5")
    assert rows.get(student=anh, subject__code="GDTC").comment == "D"
    assert rows.get(student=an, subject__code="NV").source == SubjectResult.Source.MANUAL
    assert not rows.filter(student=anh, subject__code="NV").exists()
    # Classified again: Ánh now has every scored subject >= 5,0 and all Đạt.
    assert TermResult.objects.get(student=anh_accent, term=1).level == "kha"
    assert TermResult.objects.get(student=an, term=1).needs_review is True


def test_bad_input_reshows_the_grid_with_each_bad_cell_and_saves_nothing(
    client, results_9a1, subjects
):
    world = results_9a1
    anh_accent, anh, _an = world.s9a1
    login(client, world.gvcn)
    url = _grid_url(world.c9a1, Term.HK1)
    bad_score = _cell(world, subjects, anh_accent, "TOAN")
    bad_comment = _cell(world, subjects, anh, "GDTC")
    good = _cell(world, subjects, anh, "TOAN")
    data = _post_data(client, url, {bad_score: "11", bad_comment: "7", good: "9,5"})
    before = list(SubjectResult.objects.values_list("pk", "score", "comment"))
    response = client.post(url, data)
    assert response.status_code == 200
    assert list(SubjectResult.objects.values_list("pk", "score", "comment")) == before
    form = response.context["form"]
    assert set(form.cell_errors) == {bad_score, bad_comment}
    html = response.content.decode()
    assert f'name="{bad_score}" id="{bad_score}" value="11"' in html
    assert f'name="{good}" id="{good}" value="9,5"' in html  # what was typed is kept
    assert "is-error" in html and "aria-invalid" in html
    assert response.context["loaded"] == data["loaded"]  # still compares with what they saw


def test_a_concurrent_change_is_refused_and_shown(client, results_9a1, subjects):
    world = results_9a1
    anh_accent, anh, _an = world.s9a1
    login(client, world.gvcn)
    url = _grid_url(world.c9a1, Term.HK1)
    toan = _cell(world, subjects, anh_accent, "TOAN")
    mine = _cell(world, subjects, anh, "TOAN")
    data = _post_data(client, url, {toan: "5,0", mine: "8,0"})
    # The principal corrects Ánh's Toán while the GVCN is typing.
    set_result(
        student=anh_accent,
        classroom=world.c9a1,
        subject=subjects["TOAN"],
        term=Term.HK1,
        value="6,0",
        user=world.principal,
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert SubjectResult.objects.get(student=anh_accent, subject__code="TOAN", term=1).score == D(
        "6.0"
    )
    assert SubjectResult.objects.get(student=anh, subject__code="TOAN", term=1).score == D("7.0")
    conflicts = response.context["conflicts"]
    assert [(c["student"], c["loaded"], c["current"], c["mine"]) for c in conflicts] == [
        ("Nguyễn Thị Ánh", "4,5", "6,0", "5,0")
    ]
    html = response.content.decode()
    assert f'name="{toan}" id="{toan}" value="6,0"' in html  # the current value
    assert f'name="{mine}" id="{mine}" value="8,0"' in html  # their own entry kept
    # Saving again (having seen the change) goes through.
    again = {k: v for k, v in data.items()}
    again.update({"loaded": response.context["loaded"], toan: "6,0"})
    assert client.post(url, again).status_code == 302
    assert SubjectResult.objects.get(student=anh, subject__code="TOAN", term=1).score == D("8.0")


def test_a_damaged_form_is_refused(client, results_9a1):
    world = results_9a1
    login(client, world.gvcn)
    url = _grid_url(world.c9a1, Term.HK1)
    count = SubjectResult.objects.count()
    for loaded in ("not json", json.dumps(["x"]), json.dumps({"1-999999": "8"})):
        response = client.post(url, {"loaded": loaded})
        assert response.status_code == 200
        assert response.context["form"].errors
    assert SubjectResult.objects.count() == count


# --- who may see and change ------------------------------------------------------------------


def test_gvcn_cannot_open_another_class(client, results_9a1):
    world = results_9a1
    login(client, world.gvcn)
    assert client.get(_grid_url(world.c9a2)).status_code == 404
    assert client.post(_grid_url(world.c9a2, 1), {"loaded": "{}"}).status_code == 404


def test_teacher_reads_their_class_but_cannot_edit(client, world, subjects):
    student = world.s8a1[0]
    put_results(student, world.c8a1, Term.HK1, {"TOAN": "4,0"})
    login(client, world.teacher)
    response = client.get(_grid_url(world.c8a1, Term.HK1, edit=1))
    assert response.status_code == 200
    assert response.context["may_edit"] is False
    assert b'class="res-input"' not in response.content
    cell = f"c-{student.pk}-{subjects['TOAN'].pk}"
    response = client.post(_grid_url(world.c8a1, Term.HK1), {"loaded": "{}", cell: "9,0"})
    assert response.status_code == 403
    assert SubjectResult.objects.get(student=student).score == D("4.0")
    assert client.get(_grid_url(world.c9a1)).status_code == 404


@pytest.mark.parametrize("role", ["youth", "office"])
def test_roles_without_results_get_nothing(client, world, role):
    login(client, getattr(world, role))
    assert client.get(_grid_url(world.c9a1)).status_code == 404
    assert client.get(reverse("results_home")).status_code == 403
    assert client.get(reverse("results_subject")).status_code == 403


def test_another_schools_class_is_404_and_nothing_changes(client, world, subjects):
    student = world.s9b1[0]
    put_results(student, world.c9b1, Term.HK1, {"TOAN": "4,0"})
    login(client, world.principal)
    cell = f"c-{student.pk}-{subjects['TOAN'].pk}"
    assert client.get(_grid_url(world.c9b1)).status_code == 404
    response = client.post(_grid_url(world.c9b1, 1), {"loaded": "{}", cell: "9,0"})
    assert response.status_code == 404
    assert SubjectResult.objects.get(student=student).score == D("4.0")


def test_a_tutor_corrects_only_their_groups_students_in_its_subject(client, world, subjects):
    student = world.s8a1[0]
    put_results(student, world.c8a1, Term.HK1, {"TOAN": "4,0", "NV": "4,0"})
    group = TutoringGroup.objects.create(
        school=world.school_a,
        school_year=world.year_a,
        subject=subjects["TOAN"],
        grade=8,
        name="Phụ đạo Toán 8",
        start_date=datetime.date(2027, 1, 20),
        end_date=datetime.date(2027, 5, 20),
    )
    group.tutors.add(world.teacher)
    day = datetime.date(2027, 1, 20)
    Membership.objects.create(
        group=group,
        student=student,
        reason=Membership.Reason.WEAK,
        registered_on=day,
        consent_on=day,
        consent_by="Hà Văn Bố",
        joined_on=day,
        added_by=world.principal,
    )
    login(client, world.teacher)
    url = _grid_url(world.c8a1, Term.HK1)
    page = client.get(url + "&edit=1")
    assert page.context["editing"] is True
    toan = f"c-{student.pk}-{subjects['TOAN'].pk}"
    nv = f"c-{student.pk}-{subjects['NV'].pk}"
    html = page.content.decode()
    assert f'name="{toan}"' in html and f'name="{nv}"' not in html
    response = client.post(url, {"loaded": page.context["loaded"], toan: "5,5", nv: "9,0"})
    assert response.status_code == 302
    assert SubjectResult.objects.get(student=student, subject__code="TOAN").score == D("5.5")
    assert SubjectResult.objects.get(student=student, subject__code="NV").score == D("4.0")


# --- by subject ------------------------------------------------------------------------------


def test_results_by_subject_across_a_grade(client, world, subjects):
    a, b, c = world.s9a1
    put_results(a, world.c9a1, Term.HK1, {"TOAN": "3,0"})
    put_results(b, world.c9a1, Term.HK1, {"TOAN": "4,9"})
    put_results(c, world.c9a1, Term.HK1, {"TOAN": "8,0"})
    put_results(world.s9a2[0], world.c9a2, Term.HK1, {"TOAN": "6,5"})
    login(client, world.principal)
    response = client.get(
        reverse("results_subject"), {"grade": 9, "subject": subjects["TOAN"].pk, "term": 1}
    )
    assert response.status_code == 200
    report = response.context["report"]
    first, second = report.lines
    assert (first.label, first.count, first.weak, first.bands) == ("9A1", 3, 2, [1, 1, 0, 0, 1])
    assert first.average == D("5.3")  # (3,0 + 4,9 + 8,0) / 3 = 5,3
    assert first.weak_percent == D("66.7")
    assert (second.count, second.weak, second.bands) == (1, 0, [0, 0, 0, 1, 0])
    assert (report.total.count, report.total.weak, report.total.average) == (4, 2, D("5.6"))
    html = response.content.decode()
    assert "66,7 %" in html and "5,3" in html
    assert reverse("results_class", args=[world.c9a1.pk]) in html


def test_by_subject_defaults_and_comment_subjects(client, world, subjects):
    put_results(world.s9a1[0], world.c9a1, Term.HK2, {"TOAN": "3,0", "GDTC": "CD"})
    login(client, world.vp)
    response = client.get(reverse("results_subject"))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.grade, report.subject.code, report.term) == (8, "TOAN", Term.HK1)
    response = client.get(reverse("results_subject"), {"grade": 9, "subject": subjects["GDTC"].pk})
    report = response.context["report"]
    assert report.term == Term.HK2  # the latest term with results
    assert (report.lines[0].count, report.lines[0].weak, report.lines[0].passed) == (1, 1, 0)


def test_group_heads_compare_their_subjects_and_teachers_their_classes(client, world, subjects):
    world.group.subjects.add(subjects["TOAN"], subjects["TIN"])
    login(client, world.group_head)
    response = client.get(reverse("results_subject"))
    form = response.context["form"]
    assert [c for c, _ in form.fields["subject"].choices] == [
        subjects["TOAN"].pk,
        subjects["TIN"].pk,
    ]
    response = client.get(reverse("results_subject"), {"grade": 9, "subject": subjects["NV"].pk})
    assert response.status_code == 200
    assert response.context["notice"]
    assert response.context["report"].subject.code == "TOAN"

    login(client, world.teacher)
    response = client.get(reverse("results_subject"), {"grade": 9, "subject": subjects["NV"].pk})
    assert [line.label for line in response.context["report"].lines] == ["8A1"]


# --- overview and the student panel ------------------------------------------------------------


def test_results_home_lists_the_classes_with_their_counts(client, results_9a1):
    world = results_9a1
    login(client, world.principal)
    response = client.get(reverse("results_home"))
    assert response.status_code == 200
    blocks = dict(response.context["blocks"])
    assert [s.classroom.name for s in blocks[9]] == ["9A1", "9A2"]
    hk1 = blocks[9][0].terms[1]
    assert (hk1.term, hk1.students, blocks[9][0].size) == (Term.HK1, 2, 3)
    assert "2/3" in response.content.decode()
    login(client, world.gvcn)
    response = client.get(reverse("results_home"))
    assert [s.classroom.name for _, ss in response.context["blocks"] for s in ss] == ["9A1"]


def test_student_panel_shows_results_to_who_may_read_them(client, results_9a1):
    world = results_9a1
    student = world.s9a1[0]
    url = reverse("student_detail", args=[student.pk])
    login(client, world.gvcn)
    html = client.get(url).content.decode()
    assert 'id="results-panel"' in html and "4,5" in html
    login(client, world.youth)
    response = client.get(url)
    assert response.status_code == 200
    assert 'id="results-panel"' not in response.content.decode()
