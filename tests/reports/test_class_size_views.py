"""The monthly class-size report's pages and downloads: who reads, who writes, who gets names,
and no download when the figures do not add up."""

import datetime

import pytest
from django.urls import reverse

from reports.models import ClassSizeReportText
from retention import services_classsize
from retention.models import ClassSizeConfirmation
from retention.services_classsize import class_size_confirm
from schools.models import SchoolSettings

from .. import factories as f
from ..conftest import login
from .scenario import worked_example

D = datetime.date
MONTH = D(2026, 10, 1)
Q = "?thang=2026-10"


@pytest.fixture
def today(monkeypatch):
    day = D(2026, 11, 23)
    monkeypatch.setattr(services_classsize, "today", lambda: day)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    return day


@pytest.fixture
def cast(world, today):
    cast = worked_example(world)
    for classroom in (world.c9a1, world.c9a2, world.c8a1):
        class_size_confirm(
            classroom=classroom, month=MONTH, user=world.gvcn, explanation="x", on=D(2026, 11, 2)
        )
    return cast


def _url(name, world, school=None):
    return reverse(name, args=[(school or world.school_a).pk]) + Q


def test_leaders_read_the_report_with_the_dropout_list(client, world, cast):
    for user in (world.principal, world.vp):
        login(client, user)
        page = client.get(_url("class_size_report", world))
        assert page.status_code == 200
        html = page.content.decode()
        assert "BÁO CÁO SĨ SỐ HỌC SINH THÁNG 10/2026" in html
        assert cast.b.full_name in html
        assert reverse("class_size_report_xlsx", args=[world.school_a.pk]) in html
        assert 'class="table-responsive"' in html


def test_office_staff_read_the_figures_without_any_name(client, world, cast):
    login(client, world.office)
    page = client.get(_url("class_size_report", world))
    assert page.status_code == 200
    html = page.content.decode()
    assert "9A1" in html and "Tổng cộng" in html
    for student in (cast.b, cast.g):
        assert student.given_name not in html
    assert b'name="unusual_changes"' not in page.content
    for name in ("class_size_report_xlsx", "class_size_report_pdf"):
        response = client.get(_url(name, world))
        assert response.status_code == 200
        assert cast.b.full_name.encode() not in response.content


def test_other_staff_of_the_school_may_not_read_it(client, world, cast):
    for user in (world.gvcn, world.teacher, world.clerk, world.youth, world.group_head):
        login(client, user)
        for name in ("class_size_report", "class_size_report_xlsx", "class_size_report_pdf"):
            assert client.get(_url(name, world)).status_code == 403, (user, name)


def test_another_school_or_office_gets_404(client, world, cast):
    for user, school in (
        (world.principal_b, world.school_a),
        (world.principal, world.school_b),
        (world.office_z_user, world.school_a),
    ):
        login(client, user)
        for name in ("class_size_report", "class_size_report_xlsx", "class_size_report_pdf"):
            assert client.get(_url(name, world, school)).status_code == 404


def test_downloads_are_named_files(client, world, cast):
    login(client, world.principal)
    xlsx = client.get(_url("class_size_report_xlsx", world))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="bao-cao-si-so-2026-10-A.xlsx"' in xlsx["Content-Disposition"]
    pdf = client.get(_url("class_size_report_pdf", world))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_no_download_when_the_identity_fails(client, world, cast):
    confirmation = ClassSizeConfirmation.objects.get(classroom=world.c9a1)
    confirmation.figures["counts"]["opening"] += 2
    confirmation.save()
    login(client, world.principal)
    page = client.get(_url("class_size_report", world))
    html = page.content.decode()
    assert page.context["report"].problems
    assert reverse("class_size_report_xlsx", args=[world.school_a.pk]) not in html
    assert "alert-danger" in html
    for name in ("class_size_report_xlsx", "class_size_report_pdf"):
        response = client.get(_url(name, world))
        assert response.status_code == 302
        assert response["Location"] == _url("class_size_report", world)


def test_leaders_write_the_report_text_and_it_reaches_the_pdf(client, world, cast):
    login(client, world.vp)
    url = reverse("class_size_report_text", args=[world.school_a.pk])
    data = {
        "month": "2026-10",
        "number": "12",
        "unusual_changes": "Một học sinh bỏ học rồi trở lại.",
        "causes": "Gia đình khó khăn.",
        "measures": "Vận động, hỗ trợ sách vở.",
        "recipients": "UBND xã Long Phú;\nLưu: VT.",
        "signer_name": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    text = ClassSizeReportText.objects.get(school=world.school_a, month=MONTH)
    assert (text.number, text.causes, text.updated_by) == ("12", "Gia đình khó khăn.", world.vp)
    report = client.get(_url("class_size_report", world)).context["report"]
    assert report.document_number == "Số: 12/BC-THCS"
    assert report.recipients == ["UBND xã Long Phú;", "Lưu: VT."]
    login(client, world.office)
    assert client.post(url, data).status_code == 403
    login(client, world.gvcn)
    assert client.post(url, data).status_code == 403
    assert ClassSizeReportText.objects.get().number == "12"


def test_a_text_for_a_month_outside_the_year_is_refused(client, world, cast):
    login(client, world.principal)
    url = reverse("class_size_report_text", args=[world.school_a.pk])
    response = client.post(url, {"month": "2025-10", "number": "1"})
    assert response.status_code == 302
    assert not ClassSizeReportText.objects.exists()


def test_a_bad_month_shows_the_latest_month(client, world, cast):
    login(client, world.principal)
    page = client.get(reverse("class_size_report", args=[world.school_a.pk]) + "?thang=2031-01")
    assert page.status_code == 200
    assert page.context["month"] == D(2026, 11, 1)


def test_the_report_page_costs_the_same_for_many_classes_and_students(
    client, world, cast, django_assert_max_num_queries
):
    login(client, world.principal)
    SchoolSettings.for_school(world.school_a)
    url = _url("class_size_report", world)

    def count():
        with django_assert_max_num_queries(25) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(6):
        room = f.ClassroomFactory(school_year=world.year_a, name=f"7D{i}", grade=7)
        for _ in range(6):
            f.enroll(f.StudentFactory(school=world.school_a), room)
        class_size_confirm(classroom=room, month=MONTH, user=world.gvcn, on=D(2026, 11, 2))
    assert count() == few
