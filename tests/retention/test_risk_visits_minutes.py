"""The minute PDF (NĐ 30 layout, fonts embedded, the drawn signature, amendments) and the
clerk's list and bundle of the minutes of a period: who, filters, bad input, query counts."""

import datetime
import subprocess
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from retention import services_visits as sv
from retention.minutes import minute_data, minute_pdf, minutes_data
from retention.models import HomeVisit, RecordAccess

from .. import factories as f
from ..conftest import login
from .risk_helpers import make_case, make_visit
from .test_risk_visits_helpers import (
    case_fixture,  # noqa: F401 - the fixture "case"
    jpeg_bytes,
    open_case,
    pdf_fonts,
    pdf_images,
    pdf_text,
    signature_url,
    visit_day,
    when,
)

pytestmark = pytest.mark.django_db


def signed_visit(world, case, **data):
    payload = {
        "started_at": when(hour=15, minute=5),
        "ended_at": datetime.time(16, 10),
        "address": "Thôn Phú Thạnh, xã Long Phú",
        "people_met": [
            {"name": "Nguyễn Thị Mẹ", "relation": "mother", "phone": "0912 345 678"},
            {"name": "Lê Văn Trưởng", "relation": "village", "phone": ""},
        ],
        "student_present": True,
        "content": "Trao đổi về việc em nghỉ học nhiều buổi.",
        "family_view": "Gia đình khó khăn, em phải trông em nhỏ.",
        "causes": ["1b", "2a"],
        "outcome": "will_return",
        "return_date": timezone.localdate() + datetime.timedelta(days=3),
        "commitments": "Gia đình tạo điều kiện cho em đi học đầy đủ.",
        "signature_kind": "drawn",
        "signer_name": "Nguyễn Thị Mẹ",
    }
    payload.update(data)
    visit, _ = sv.visit_record(
        case=case,
        user=world.gvcn,
        client_id=uuid.uuid4(),
        data=payload,
        staff_ids=[world.gvcn.pk, world.principal.pk],
        signature=signature_url() if payload["signature_kind"] == "drawn" else None,
        paper=jpeg_bytes() if payload["signature_kind"] == "paper" else None,
    )
    return visit


# --- the data ---------------------------------------------------------------------------------


def test_the_minute_data_names_everyone_in_the_documents_words(world, case):
    world.school_a.governing_body = "UBND xã Long Phú"
    world.school_a.save()
    visit = signed_visit(world, case)
    m = minute_data(visit)
    assert m.doc.governing_body_caps == "UBND XÃ LONG PHÚ"
    assert m.doc.issuer_caps == "TRƯỜNG THCS A"
    assert m.doc.number_line == "Số: 01/BB-A"
    assert m.doc.kind == "BIÊN BẢN" and m.doc.place_date == ""
    assert m.started_line.startswith("15 giờ 05 phút, ngày ")
    assert [s.name for s in m.staff] == ["Trần Văn Hiệu", "Phạm Thị Chủ"]  # the principal first
    assert m.chair.name == "Trần Văn Hiệu"
    assert m.school_signers == [
        ("THƯ KÝ", "Phạm Thị Chủ"),
        ("ĐẠI DIỆN NHÀ TRƯỜNG", "Trần Văn Hiệu"),
    ]
    assert [p.name for p in m.family] == ["Nguyễn Thị Mẹ"]
    assert [p.name for p in m.officials] == ["Lê Văn Trưởng"]
    assert m.student_class == "9A1"
    assert m.situation.visit_number == 1
    assert m.signature_uri == ""  # only for the PDF
    assert m.signature_id is not None
    assert m.outcome_sentence.startswith("Gia đình đồng ý cho học sinh trở lại lớp từ ngày ")


def test_without_a_governing_body_the_office_heads_the_minute(world, case):
    m = minute_data(make_visit(case, world.gvcn))
    assert m.doc.governing_body == "Phòng A"


def test_minutes_are_numbered_in_the_school_year_in_order_of_writing(world, case):
    other = open_case(world, student=world.s9a1[1])
    a = make_visit(case, world.gvcn)
    b = make_visit(other, world.gvcn)
    c = make_visit(case, world.gvcn)
    outside = make_visit(make_case(world.s9b1[0], world.principal_b), world.principal_b)
    numbers = [m.doc.number_line for m in minutes_data([c, a, b, outside])]
    assert numbers == ["Số: 03/BB-A", "Số: 01/BB-A", "Số: 02/BB-A", "Số: 01/BB-B"]


def test_the_minutes_data_costs_the_same_queries_for_1_or_20_visits(world, case):
    make_visit(case, world.gvcn).staff_present.add(world.gvcn)
    visits = list(HomeVisit.objects.all())
    with CaptureQueriesContext(connection) as one:
        minutes_data(visits, images=True)
    # visits, staff, roles, mentors, numbering, classes, absences, results, amendments, images
    assert len(one) == 10
    for n in range(19):
        student = f.StudentFactory(school=world.school_a)
        f.enroll(student, world.c9a2 if n % 2 else world.c9a1)
        visit = make_visit(open_case(world, student=student), world.gvcn)
        visit.staff_present.add(world.gvcn, world.vp)
        sv.visit_amend(visit=visit, user=world.principal, text=f"Bổ sung {n}")
    visits = list(HomeVisit.objects.all())
    with CaptureQueriesContext(connection) as many:
        data = minutes_data(visits, images=True)
    assert len(data) == 20
    assert len(many) == len(one)


# --- the PDF ------------------------------------------------------------------------------------


def test_the_minute_pdf_has_the_layout_the_student_and_the_outcome(world, case, tmp_path):
    visit = signed_visit(world, case)
    content = minute_pdf(visit)
    assert content.startswith(b"%PDF")
    text = pdf_text(content, tmp_path)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "BIÊN BẢN" in text
    assert "Về việc vận động học sinh trở lại lớp" in text
    assert "Số: 01/BB-A" in text
    assert "Nguyễn Thị Ánh" in text
    assert "Gia đình đồng ý cho học sinh trở lại lớp từ ngày" in text
    assert "Thời gian bắt đầu: 15 giờ 05 phút" in text
    assert "Buổi làm việc kết thúc vào 16 giờ 10 phút" in text
    assert "ĐẠI DIỆN GIA ĐÌNH" in text and "THƯ KÝ" in text
    assert ", ngày" not in text.split("BIÊN BẢN")[0]  # a biên bản has no place-date line


def test_the_minute_pdf_embeds_its_fonts_and_the_drawn_signature(world, case, tmp_path):
    content = minute_pdf(signed_visit(world, case))
    fonts = pdf_fonts(content, tmp_path)
    assert fonts, "the PDF names no font"
    assert all("yes" == row[-5] for row in fonts), fonts  # the "emb" column
    assert b"/Subtype /Image" in content
    assert len(pdf_images(content, tmp_path)) >= 1


def test_an_unsigned_minute_prints_why(world, case, tmp_path):
    visit = signed_visit(
        world, case, signature_kind="refused", signature_note="Bố không muốn ký", outcome="refuses"
    )
    content = minute_pdf(visit)
    text = pdf_text(content, tmp_path)
    assert "Gia đình không ký (lý do: Bố không muốn ký)" in text
    assert "Gia đình chưa đồng ý cho học sinh trở lại lớp." in text
    assert b"/Subtype /Image" not in content


def test_a_paper_minute_prints_its_photo(world, case, tmp_path):
    content = minute_pdf(signed_visit(world, case, signature_kind="paper"))
    text = pdf_text(content, tmp_path)
    assert "Ảnh chụp biên bản giấy" in text
    assert len(pdf_images(content, tmp_path)) == 1


def test_amendments_are_printed_under_the_minute(world, case, tmp_path):
    visit = signed_visit(world, case)
    sv.visit_amend(visit=visit, user=world.principal, text="Bổ sung: gia đình xin hỗ trợ xe đạp.")
    text = pdf_text(minute_pdf(visit), tmp_path)
    assert "BỔ SUNG, ĐÍNH CHÍNH SAU KHI LẬP BIÊN BẢN" in text
    assert "Bổ sung: gia đình xin hỗ trợ xe đạp." in text


def test_the_minute_pdf_renders_to_an_image(world, case, tmp_path):
    path = tmp_path / "m.pdf"
    path.write_bytes(minute_pdf(signed_visit(world, case)))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    assert list(tmp_path.glob("p*.png"))


def test_the_minute_pdf_page_logs_the_download(client, world, case, tmp_path):
    visit = signed_visit(world, case)
    login(client, world.vp)
    response = client.get(reverse("visit_minute_pdf", args=[visit.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "Nguyễn Thị Ánh" in pdf_text(response.content, tmp_path)
    log = RecordAccess.objects.get(kind=RecordAccess.Kind.MINUTE_PDF)
    assert (log.user, log.object_id) == (world.vp, visit.pk)


# --- the list of minutes ------------------------------------------------------------------------


def visit_on(case, author, day, **kw):
    return make_visit(case, author, when=when(day), **kw)


@pytest.fixture
def period(world):
    """Three minutes of School A in the last 40 days (two 9A1, one 8A1), one of School B."""
    today = timezone.localdate()
    c1 = open_case(world, opened_on=today - datetime.timedelta(days=60))
    c2 = make_case(world.s8a1[0], world.principal, opened_on=today - datetime.timedelta(days=60))
    cb = make_case(world.s9b1[0], world.principal_b, opened_on=today - datetime.timedelta(days=60))
    return {
        "a": visit_on(c1, world.gvcn, today - datetime.timedelta(days=40)),
        "b": visit_on(c1, world.gvcn, today - datetime.timedelta(days=2), outcome="refuses"),
        "c": visit_on(c2, world.principal, today - datetime.timedelta(days=1)),
        "outside": visit_on(cb, world.principal_b, today - datetime.timedelta(days=1)),
    }


def listed(response):
    return [row.visit for row in response.context["data"].rows]


def query(**params):
    return {k: (v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else v) for k, v in params.items()}


@pytest.mark.parametrize("role", ["principal", "vp", "clerk"])
def test_leaders_and_the_clerk_list_the_minutes_of_a_period(client, world, period, role):
    today = timezone.localdate()
    login(client, getattr(world, role))
    response = client.get(
        reverse("minutes_list"), query(**{"from": today - datetime.timedelta(days=50), "to": today})
    )
    assert response.status_code == 200
    assert listed(response) == [period["a"], period["b"], period["c"]]
    assert response.context["data"].count == 3
    assert [row.class_name for row in response.context["data"].rows] == ["9A1", "9A1", "8A1"]


def test_the_list_defaults_to_this_month(client, world, period):
    login(client, world.clerk)
    response = client.get(reverse("minutes_list"))
    data = response.context["data"]
    today = timezone.localdate()
    assert data.date_from == today.replace(day=1)
    assert (
        data.date_to.month == today.month and (data.date_to + datetime.timedelta(days=1)).day == 1
    )
    expected = [
        v
        for v in (period["a"], period["b"], period["c"])
        if timezone.localtime(v.started_at).date() >= today.replace(day=1)
    ]
    assert listed(response) == expected


def test_the_list_filters_by_class_and_outcome(client, world, period):
    today = timezone.localdate()
    login(client, world.principal)
    base = query(**{"from": today - datetime.timedelta(days=50), "to": today})
    assert listed(client.get(reverse("minutes_list"), {**base, "classroom": world.c8a1.pk})) == [
        period["c"]
    ]
    assert listed(client.get(reverse("minutes_list"), {**base, "outcome": "refuses"})) == [
        period["b"]
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "31/02/2026"},
        {"from": "abc", "to": "xyz"},
        {"classroom": "999999"},
        {"classroom": "x"},
        {"outcome": "<script>"},
        {"from": "20/11/2026", "to": "01/11/2026"},
        {"from": "01/01/2020", "to": "01/01/2026"},
        {"page": "abc"},
        {"page": "99999"},
    ],
)
def test_bad_filters_never_break_the_list(client, world, period, params):
    login(client, world.clerk)
    response = client.get(reverse("minutes_list"), params)
    assert response.status_code == 200


def test_a_class_of_school_b_is_not_a_filter_for_school_a(client, world, period):
    today = timezone.localdate()
    login(client, world.principal)
    params = query(**{"from": today - datetime.timedelta(days=50), "to": today})
    response = client.get(reverse("minutes_list"), {**params, "classroom": world.c9b1.pk})
    assert response.context["form"].errors
    assert period["outside"] not in listed(response)


@pytest.mark.parametrize(
    "role", ["gvcn", "teacher", "group_head", "youth", "office", "office_z_user"]
)
def test_other_roles_cannot_list_or_bundle_minutes(client, world, period, role):
    login(client, getattr(world, role))
    assert client.get(reverse("minutes_list")).status_code == 403
    assert client.get(reverse("minutes_pdf")).status_code == 403
    assert not RecordAccess.objects.exists()


def test_the_list_paginates_by_50(client, world):
    case = open_case(world)
    for n in range(55):
        make_visit(case, world.gvcn, when=when(hour=6 + n % 12, minute=n % 60))
    login(client, world.clerk)
    day = visit_day()
    response = client.get(reverse("minutes_list"), query(**{"from": day, "to": day}))
    assert response.context["data"].count == 55
    assert len(listed(response)) == 50
    response = client.get(reverse("minutes_list"), {**query(**{"from": day, "to": day}), "page": 2})
    assert len(listed(response)) == 5


def test_the_list_costs_the_same_queries_for_few_or_many_minutes(
    client, world, django_assert_max_num_queries
):
    day = visit_day()
    params = query(**{"from": day, "to": day})
    login(client, world.clerk)
    make_visit(open_case(world), world.gvcn, when=when(day))
    client.get(reverse("minutes_list"), params)  # warm the session and the scope
    with CaptureQueriesContext(connection) as few:
        assert len(listed(client.get(reverse("minutes_list"), params))) == 1
    for n in range(30):
        student = f.StudentFactory(school=world.school_a)
        f.enroll(student, [world.c9a1, world.c9a2, world.c8a1][n % 3])
        make_visit(open_case(world, student=student), world.gvcn, when=when(day))
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("minutes_list"), params)
    assert len(listed(response)) == 31


# --- the bundle ---------------------------------------------------------------------------------


def test_the_clerk_downloads_the_minutes_of_a_period_in_one_pdf(client, world, period, tmp_path):
    today = timezone.localdate()
    login(client, world.clerk)
    params = query(**{"from": today - datetime.timedelta(days=50), "to": today})
    response = client.get(reverse("minutes_pdf"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert text.count("BIÊN BẢN\n") + text.count("BIÊN BẢN ") >= 3
    assert text.count("Về việc vận động học sinh trở lại lớp") == 3  # School B's is not there
    assert "Lò Văn Páo" not in text
    pages = text.split("\f")
    starts = [n for n, page in enumerate(pages) if "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page]
    assert len(starts) == 3  # each minute starts on a page of its own
    log = RecordAccess.objects.get(kind=RecordAccess.Kind.MINUTES)
    assert (log.user, log.school_id) == (world.clerk, world.school_a.pk)


def test_the_bundle_follows_the_filters(client, world, period, tmp_path):
    today = timezone.localdate()
    login(client, world.principal)
    params = query(**{"from": today - datetime.timedelta(days=50), "to": today})
    response = client.get(reverse("minutes_pdf"), {**params, "classroom": world.c8a1.pk})
    text = pdf_text(response.content, tmp_path)
    assert "Hà Thị Dương" in text and "Nguyễn Thị Ánh" not in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "01/01/2025", "to": "01/06/2026"}, "Choose a period of at most one year."),
        ({"from": "20/11/2026", "to": "01/11/2026"}, "The start of the period is after its end."),
        ({"from": "not a date"}, None),
        ({"classroom": "abc"}, None),
    ],
)
def test_a_bad_period_is_refused_with_a_message(client, world, period, params, message):
    from django.utils.translation import gettext

    login(client, world.clerk)
    response = client.get(reverse("minutes_pdf"), params, follow=True)
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert shown
    if message:
        assert gettext(message) in shown
    assert not RecordAccess.objects.filter(kind=RecordAccess.Kind.MINUTES).exists()


def test_an_empty_period_says_so(client, world):
    login(client, world.clerk)
    response = client.get(reverse("minutes_pdf"), {"from": "01/09/2026", "to": "02/09/2026"})
    assert response.status_code == 302
    assert not RecordAccess.objects.exists()


def test_school_b_never_sees_school_a_minutes_in_its_bundle(client, world, period, tmp_path):
    today = timezone.localdate()
    login(client, world.principal_b)
    params = query(**{"from": today - datetime.timedelta(days=50), "to": today})
    assert listed(client.get(reverse("minutes_list"), params)) == [period["outside"]]
    text = pdf_text(client.get(reverse("minutes_pdf"), params).content, tmp_path)
    assert "Lò Văn Páo" in text and "Nguyễn Thị Ánh" not in text


def test_too_many_minutes_for_one_pdf_ask_for_a_shorter_period(client, world, period, monkeypatch):
    from retention import selectors_visits

    monkeypatch.setattr(selectors_visits, "BUNDLE_LIMIT", 2)
    today = timezone.localdate()
    params = query(**{"from": today - datetime.timedelta(days=50), "to": today})
    login(client, world.clerk)
    page = client.get(reverse("minutes_list"), params)
    assert page.context["data"].too_many_for_pdf
    assert 'id="minutes-pdf"' not in page.content.decode()
    response = client.get(reverse("minutes_pdf"), params)
    assert response.status_code == 302
    assert not RecordAccess.objects.filter(kind=RecordAccess.Kind.MINUTES).exists()
    narrower = client.get(reverse("minutes_pdf"), {**params, "classroom": world.c8a1.pk})
    assert narrower.status_code == 200
