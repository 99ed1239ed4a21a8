"""Results import pages: upload, preview, apply or discard, the list; who may do what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from tests import factories as f
from tests.conftest import login
from tutoring import services_import as svc
from tutoring.models import ResultImport, SubjectResult, Term, TermResult

from .test_import_reader import xlsx
from .test_import_services import class_file, line, upload

UPLOAD = reverse("results_import")
LIST = reverse("results_import_list")


@pytest.fixture(autouse=True)
def _english_messages(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def preview_url(item) -> str:
    return reverse("results_import_preview", args=[item.pk])


def post_file(client, classroom, content, *, name="bang-diem.xlsx", term=Term.HK1):
    return client.post(
        UPLOAD,
        {"classroom": classroom.pk, "term": int(term), "file": SimpleUploadedFile(name, content)},
    )


def counts():
    return (
        ResultImport.objects.count(),
        SubjectResult.objects.count(),
        TermResult.objects.count(),
    )


# --- Upload -------------------------------------------------------------------------------------
def test_clerk_uploads_a_file_and_lands_on_the_preview(client, world):
    login(client, world.clerk)
    page = client.get(UPLOAD)
    assert page.status_code == 200
    assert 'id="results-upload"' in page.content.decode()
    response = post_file(client, world.c9a1, xlsx(class_file(world)))
    imported = ResultImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == preview_url(imported)
    assert (imported.classroom, imported.term, imported.created_by) == (
        world.c9a1,
        Term.HK1,
        world.clerk,
    )
    body = client.get(preview_url(imported)).content.decode()
    assert "Nguyễn Thị Ánh" in body
    assert 'value="apply"' in body
    assert "How the columns were read" in body


def test_the_upload_page_preselects_the_class_and_term_from_the_link(client, world):
    login(client, world.principal)
    body = client.get(UPLOAD, {"classroom": world.c9a2.pk, "term": 2}).content.decode()
    assert f'<option value="{world.c9a2.pk}" selected>' in body
    assert '<option value="2" selected>' in body


def test_the_gvcn_imports_their_class_only(client, world):
    login(client, world.gvcn)
    assert client.get(UPLOAD, {"classroom": world.c9a1.pk}).status_code == 200
    assert client.get(UPLOAD, {"classroom": world.c9a2.pk}).status_code == 404
    before = counts()
    assert post_file(client, world.c9a2, xlsx([line(1, world.s9a2[0])])).status_code == 404
    assert counts() == before
    assert post_file(client, world.c9a1, xlsx(class_file(world))).status_code == 302


@pytest.mark.parametrize("role", ["teacher", "youth", "group_head", "office"])
def test_roles_that_do_not_manage_results_cannot_import(client, world, role):
    login(client, getattr(world, role))
    before = counts()
    assert client.get(UPLOAD).status_code == 403
    assert post_file(client, world.c8a1, xlsx(class_file(world))).status_code == 403
    assert client.get(LIST).status_code == 403
    assert counts() == before


def test_a_teacher_cannot_open_or_apply_the_preview_of_a_class_they_do_not_lead(client, world):
    imported = upload(world, [line(1, world.s8a1[0])], classroom=world.c8a1)
    login(client, world.teacher)
    assert client.get(preview_url(imported)).status_code == 404
    assert client.post(preview_url(imported), {"action": "apply"}).status_code == 404
    assert not SubjectResult.objects.exists()


def test_another_schools_class_is_404_and_nothing_is_read(client, world):
    login(client, world.principal)
    before = counts()
    assert client.get(UPLOAD, {"classroom": world.c9b1.pk}).status_code == 404
    assert post_file(client, world.c9b1, xlsx([line(1, world.s9b1[0])])).status_code == 404
    assert counts() == before


def test_another_schools_import_is_404_and_unchanged(client, world):
    theirs = upload(world, [line(1, world.s9b1[0])], classroom=world.c9b1, user=world.principal_b)
    login(client, world.principal)
    assert client.get(preview_url(theirs)).status_code == 404
    assert client.post(preview_url(theirs), {"action": "apply"}).status_code == 404
    assert client.post(preview_url(theirs), {"action": "discard"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ResultImport.Status.PREVIEW
    assert not SubjectResult.objects.exists()


def test_the_gvcn_does_not_see_another_classs_import(client, world):
    other = upload(world, [line(1, world.s9a2[0])], classroom=world.c9a2)
    login(client, world.gvcn)
    assert client.get(preview_url(other)).status_code == 404


# --- Bad files ----------------------------------------------------------------------------------
def test_a_file_of_the_wrong_type_shows_a_clear_message_and_saves_nothing(client, world):
    login(client, world.clerk)
    before = counts()
    response = post_file(client, world.c9a1, b"%PDF-1.4", name="bang-diem.pdf")
    assert response.status_code == 200
    assert "Upload the gradebook as an Excel file (.xlsx)." in response.content.decode()
    response = post_file(client, world.c9a1, b"not a workbook at all")
    assert "Upload the gradebook as an Excel file (.xlsx)." in response.content.decode()
    assert counts() == before


def test_a_file_without_a_header_row_shows_why(client, world):
    login(client, world.clerk)
    content = xlsx([[1, "a", "b"]], header=["x", "y", "z"])
    body = post_file(client, world.c9a1, content).content.decode()
    assert "No header row found in the first 20 rows" in body
    assert not ResultImport.objects.exists()


def test_a_missing_file_or_class_keeps_the_form(client, world):
    login(client, world.clerk)
    response = client.post(UPLOAD, {"classroom": world.c9a1.pk, "term": 1})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = client.post(UPLOAD, {"classroom": "abc", "term": 1})
    assert response.status_code == 200
    assert not ResultImport.objects.exists()


def test_the_whole_year_is_not_offered(client, world):
    login(client, world.clerk)
    response = post_file(client, world.c9a1, xlsx(class_file(world)), term=Term.YEAR)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not ResultImport.objects.exists()


# --- Preview, apply, discard --------------------------------------------------------------------
def test_a_preview_with_errors_lists_them_first_and_offers_no_confirm(client, world):
    rows = class_file(world)
    rows[0][4] = "8,55"
    rows[1][6] = 7
    imported = upload(world, rows)
    login(client, world.clerk)
    body = client.get(preview_url(imported)).content.decode()
    assert 'id="import-errors"' in body
    assert body.index('id="import-errors"') < body.index('id="import-rows"')
    assert "“8,55” has more than one decimal" in body
    assert "is a number, but this subject is assessed by comment" in body
    assert 'value="apply"' not in body
    assert 'value="discard"' in body
    before = counts()
    response = client.post(preview_url(imported), {"action": "apply"}, follow=True)
    assert "The file has 2 errors, so nothing was imported." in response.content.decode()
    assert counts() == before


def test_the_preview_says_how_many_results_a_reimport_replaces(client, world):
    svc.apply_import(result_import=upload(world, class_file(world)), user=world.clerk)
    again = upload(world, class_file(world, toan="5,0"))
    login(client, world.clerk)
    body = client.get(preview_url(again)).content.decode()
    assert "This replaces 9 existing results of class 9A1 for Semester I" in body


def test_confirming_imports_and_goes_to_the_class_results(client, world):
    imported = upload(world, class_file(world, toan="4,0"))
    login(client, world.gvcn)
    response = client.post(preview_url(imported), {"action": "apply"})
    assert response.status_code == 302
    target = reverse("results_class", kwargs={"pk": world.c9a1.pk})
    assert response["Location"] == f"{target}?term=1"
    assert SubjectResult.objects.filter(classroom=world.c9a1, term=Term.HK1).count() == 9
    shown = client.get(preview_url(imported)).content.decode()
    assert 'id="import-result"' in shown
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Imported class 9A1, Semester I: 3 students, 9 results, 3 weak results."]


def test_confirming_twice_imports_once(client, world):
    imported = upload(world, class_file(world))
    login(client, world.clerk)
    client.post(preview_url(imported), {"action": "apply"})
    after = counts(), SubjectResult.history.count()
    response = client.post(preview_url(imported), {"action": "apply"}, follow=True)
    assert "This file has already been imported or discarded." in response.content.decode()
    assert (counts(), SubjectResult.history.count()) == after


def test_discarding_goes_back_to_the_upload_page(client, world):
    imported = upload(world, class_file(world))
    login(client, world.clerk)
    response = client.post(preview_url(imported), {"action": "discard"})
    assert response["Location"] == UPLOAD
    imported.refresh_from_db()
    assert imported.status == ResultImport.Status.DISCARDED
    assert "This file was discarded" in client.get(preview_url(imported)).content.decode()


def test_an_unknown_action_changes_nothing(client, world):
    imported = upload(world, class_file(world))
    login(client, world.clerk)
    response = client.post(preview_url(imported), {"action": "explode"})
    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.status == ResultImport.Status.PREVIEW


# --- Lists --------------------------------------------------------------------------------------
def test_the_list_shows_the_school_to_leaders_and_the_class_to_its_gvcn(client, world):
    mine = upload(world, class_file(world))
    other = upload(world, [line(1, world.s9a2[0])], classroom=world.c9a2)
    svc.apply_import(result_import=other, user=world.clerk)
    upload(world, [line(1, world.s9b1[0])], classroom=world.c9b1, user=world.principal_b)
    login(client, world.principal)
    page = client.get(LIST)
    assert [i.pk for i in page.context["page"].object_list] == [other.pk, mine.pk]
    assert "1 students, 3 results, 0 weak" in page.content.decode()
    login(client, world.gvcn)
    assert [i.pk for i in client.get(LIST).context["page"].object_list] == [mine.pk]


# --- Query counts -------------------------------------------------------------------------------
def class_of(world, size):
    """9A1 with ``size`` students (the world's three and more), and its file."""
    students = list(world.s9a1)
    for n in range(len(students), size):
        extra = f.StudentFactory(school=world.school_a, family_name="Trần Văn", given_name=f"Số{n}")
        f.enroll(extra, world.c9a1)
        students.append(extra)
    return [line(n, s, toan="4,5") for n, s in enumerate(students, start=1)]


def test_the_preview_costs_the_same_queries_for_3_and_40_students(
    client, world, django_assert_max_num_queries
):
    login(client, world.clerk)
    few = upload(world, class_of(world, 3))
    client.get(preview_url(few))  # warm the session and the settings row
    # session, user, scope (roles, year), the import, subjects, settings, the class's students,
    # the results it replaces; no query per row.
    with django_assert_max_num_queries(16) as small:
        client.get(preview_url(few))
    many = upload(world, class_of(world, 40))
    with django_assert_max_num_queries(len(small)):
        body = client.get(preview_url(many)).content.decode()
    assert body.count('<span class="res-no">') == 40


def test_applying_costs_the_same_queries_for_3_and_40_students(
    client, world, django_assert_max_num_queries
):
    login(client, world.clerk)
    few = upload(world, class_of(world, 3))
    client.get(preview_url(few))
    # the import locked, the preview's queries, then record_results (bulk writes with history,
    # classification, the weak register): none of it per row.
    with django_assert_max_num_queries(40) as small:
        client.post(preview_url(few), {"action": "apply"})
    SubjectResult.objects.all().delete()
    TermResult.objects.all().delete()
    many = upload(world, class_of(world, 40))
    with django_assert_max_num_queries(len(small)):
        client.post(preview_url(many), {"action": "apply"})
    assert SubjectResult.objects.filter(term=Term.HK1).count() == 40 * 3


# --- Home panel ---------------------------------------------------------------------------------
def test_the_home_page_reminds_the_uploader_of_a_waiting_file(client, world):
    waiting = upload(world, class_file(world))
    login(client, world.clerk)
    body = client.get(reverse("home")).content.decode()
    assert 'id="import-waiting-panel"' in body
    assert preview_url(waiting) in body
    login(client, world.principal)  # someone else's upload is not theirs to finish
    assert 'id="import-waiting-panel"' not in client.get(reverse("home")).content.decode()
    svc.apply_import(result_import=waiting, user=world.clerk)
    login(client, world.clerk)
    assert 'id="import-waiting-panel"' not in client.get(reverse("home")).content.decode()
