"""The visit pages: the form (a retry makes no duplicate, bad input keeps what was typed), the
minute, its correction and amendments, its images; who may open what."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from retention import services_visits as sv
from retention.models import HomeVisit, RecordAccess, RiskCase, VisitAmendment, VisitAttachment

from ..conftest import login
from .risk_helpers import make_case, make_mentorship, make_visit
from .test_risk_visits_helpers import (
    case_fixture,  # noqa: F401 - the fixture "case"
    data_url,
    jpeg_bytes,
    noisy_png,
    open_case,
    png_bytes,
    post_data,
    signature_url,
    visit_day,
)

pytestmark = pytest.mark.django_db


def create_url(case):
    return reverse("visit_create", args=[case.pk])


def form_errors(response) -> dict:
    return response.context["form"].errors


# --- recording a visit --------------------------------------------------------------------------


def test_the_form_is_filled_in_for_the_visit(client, world, case):
    login(client, world.gvcn)
    response = client.get(create_url(case))
    assert response.status_code == 200
    form = response.context["form"]
    assert isinstance(form.initial["client_id"], uuid.UUID)
    assert form.initial["date"] == timezone.localdate()
    assert form.initial["staff"] == [world.gvcn.pk]
    assert form.initial["person_0_name"] == "Nguyễn Văn Bố"  # the main guardian
    assert form.initial["person_0_relation"] == "father"
    page = response.content.decode()
    assert 'name="client_id"' in page and str(form.initial["client_id"]) in page
    assert 'id="signature-pad"' in page
    assert 'capture="environment"' in page
    assert "retention/visit.js" in page
    # The situation block: visit number N, absences since the case opened.
    assert response.context["ctx"].situation.visit_number == 1
    assert response.context["ctx"].class_name == "9A1"


def test_each_get_gives_a_fresh_client_id(client, world, case):
    login(client, world.gvcn)
    first = client.get(create_url(case)).context["form"].initial["client_id"]
    second = client.get(create_url(case)).context["form"].initial["client_id"]
    assert first != second


def test_the_situation_counts_absences_since_the_case_opened(client, world, case):
    from .test_alerts_helpers import roll

    opened = case.opened_on
    roll(world.c9a1, opened - datetime.timedelta(days=1), absent=[(world.s9a1[0], "K")])
    roll(world.c9a1, opened, absent=[(world.s9a1[0], "K")])
    roll(world.c9a1, opened + datetime.timedelta(days=1), absent=[(world.s9a1[0], "P")])
    make_visit(case, world.gvcn)
    login(client, world.gvcn)
    situation = client.get(create_url(case)).context["ctx"].situation
    assert (situation.unexcused, situation.excused, situation.visit_number) == (1, 1, 2)


def test_the_situation_shows_the_latest_learning_result(client, world, case):
    from tutoring.models import Term, TermResult

    for term, level in [(Term.SURVEY, "tot"), (Term.HK1, "chua_dat")]:
        TermResult.objects.create(
            student=world.s9a1[0],
            school_year=world.year_a,
            classroom=world.c9a1,
            term=term,
            level=level,
            conduct="kha" if term == Term.HK1 else "",
        )
    login(client, world.gvcn)
    result = client.get(create_url(case)).context["ctx"].situation.result
    assert "Chưa đạt" in result and "2026-2027" in result and "Khá" in result


def test_a_gvcn_records_a_signed_visit(client, world, case):
    login(client, world.gvcn)
    data = post_data(world, staff=[str(world.gvcn.pk), str(world.principal.pk)])
    response = client.post(create_url(case), data)
    visit = HomeVisit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visit_detail", args=[visit.pk])
    assert str(visit.client_id) == data["client_id"]
    assert visit.author == world.gvcn
    assert visit.number == 1
    assert timezone.localtime(visit.started_at).date() == visit_day()
    assert visit.ended_at == datetime.time(16, 0)
    assert visit.people_met == [
        {"name": "Nguyễn Thị Mẹ", "relation": "mother", "phone": "0912345678"}
    ]
    assert visit.cause_list == ["1b"]
    assert set(visit.staff_present.all()) == {world.gvcn, world.principal}
    assert visit.attachments.get().kind == VisitAttachment.Kind.SIGNATURE


def test_posting_the_same_form_twice_makes_one_visit(client, world, case):
    login(client, world.gvcn)
    data = post_data(world)
    first = client.post(create_url(case), data)
    second = client.post(create_url(case), data)
    assert HomeVisit.objects.count() == 1
    visit = HomeVisit.objects.get()
    assert first["Location"] == second["Location"] == reverse("visit_detail", args=[visit.pk])
    # Even when the retry's data would now be refused, it leads to the saved minute.
    third = client.post(create_url(case), {**data, "signature": "garbage"})
    assert third.status_code == 302
    assert HomeVisit.objects.count() == 1


def test_a_client_id_of_another_case_is_refused_on_the_page(client, world, case):
    other = open_case(world, student=world.s9a1[1])
    login(client, world.gvcn)
    data = post_data(world)
    client.post(create_url(other), data)
    response = client.post(create_url(case), data)
    assert response.status_code == 200
    assert str(sv.MSG_CLIENT_OTHER_CASE) in form_errors(response)["__all__"]
    assert case.visits.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"date": (timezone.localdate() + datetime.timedelta(days=2)).strftime("%d/%m/%Y")},
            "date",
            sv.MSG_FUTURE,
        ),
        ({"end_time": "14:00"}, "end_time", sv.MSG_ENDED_BEFORE),
        ({"signature": data_url(b"hello, not an image")}, "signature", sv.MSG_SIGNATURE_NOT_IMAGE),
        ({"signature": "data:image/png;base64,@@@"}, "signature", sv.MSG_SIGNATURE_NOT_IMAGE),
        ({"signature": data_url(jpeg_bytes())}, "signature", sv.MSG_SIGNATURE_NOT_IMAGE),
        ({"signature": data_url(png_bytes(blank=True))}, "signature", sv.MSG_SIGNATURE_BLANK),
        ({"signature_kind": "paper", "signature": ""}, "paper", sv.MSG_PAPER_MISSING),
        ({"signature_kind": "refused"}, "signature_note", sv.MSG_REFUSED_NOTE),
        ({"outcome": "will_return"}, "return_date", sv.MSG_RETURN_DATE),
        (
            {"person_0_name": "", "person_0_relation": "", "person_0_phone": ""},
            "people",
            sv.MSG_NOBODY_MET,
        ),
    ],
    ids=[
        "future",
        "ended-before",
        "text",
        "not-base64",
        "jpeg",
        "blank",
        "paper",
        "refused",
        "return",
        "nobody",
    ],
)
def test_bad_input_is_refused_and_what_was_typed_is_kept(
    client, world, case, overrides, field, message
):
    login(client, world.gvcn)
    data = post_data(world, **overrides)
    response = client.post(create_url(case), data)
    assert response.status_code == 200
    assert str(message) in form_errors(response)[field]
    assert HomeVisit.objects.count() == 0
    assert VisitAttachment.objects.count() == 0
    page = response.content.decode()
    assert "Gia đình khó khăn, em phải trông em nhỏ." in page  # the family's view, as typed
    assert data["client_id"] in page  # the same id: sending again is still one visit
    if field != "signature" and data.get("signature"):
        assert data["signature"] in page  # the drawn signature comes back to be redrawn


def test_a_visit_before_the_case_opened_is_refused_on_the_page(client, world, case):
    login(client, world.gvcn)
    day = case.opened_on - datetime.timedelta(days=2)
    response = client.post(create_url(case), post_data(world, date=day.strftime("%d/%m/%Y")))
    assert response.status_code == 200
    assert "date" in form_errors(response)
    assert HomeVisit.objects.count() == 0


def test_a_signature_over_200_kb_is_refused_on_the_page(client, world, case):
    login(client, world.gvcn)
    big = data_url(noisy_png(sv.SIGNATURE_MAX_BYTES + 5_000))
    response = client.post(create_url(case), post_data(world, signature=big))
    assert str(sv.MSG_SIGNATURE_TOO_LARGE) in form_errors(response)["signature"]
    assert HomeVisit.objects.count() == 0


def test_garbage_dates_and_coordinates_never_break_the_page(client, world, case):
    login(client, world.gvcn)
    response = client.post(
        create_url(case),
        post_data(world, date="32/13/2026", start_time="25:99", latitude="abc", longitude="1e999"),
    )
    assert response.status_code == 200
    assert "date" in form_errors(response) and "start_time" in form_errors(response)
    response = client.post(create_url(case), post_data(world, latitude="10.5", longitude="999"))
    visit = HomeVisit.objects.get()
    assert response.status_code == 302
    assert visit.latitude is None and visit.longitude is None


def test_coordinates_from_the_browser_are_kept(client, world, case):
    login(client, world.gvcn)
    client.post(create_url(case), post_data(world, latitude="10.7626220", longitude="106.6601720"))
    visit = HomeVisit.objects.get()
    assert str(visit.latitude) == "10.762622" and str(visit.longitude) == "106.660172"


def test_a_tampered_staff_id_is_a_field_error(client, world, case):
    login(client, world.gvcn)
    for bad in [str(world.principal_b.pk), "abc", "99999"]:
        response = client.post(create_url(case), post_data(world, staff=[bad]))
        assert response.status_code == 200
        assert form_errors(response)["staff"]
    assert HomeVisit.objects.count() == 0


def test_signed_on_paper_with_a_photo(client, world, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, world.gvcn)
    photo = SimpleUploadedFile("bien-ban.jpg", jpeg_bytes(), content_type="image/jpeg")
    extra = SimpleUploadedFile("nha.png", png_bytes(), content_type="image/png")
    data = post_data(world, signature_kind="paper", signature="", paper=photo, photos=[extra])
    response = client.post(create_url(case), data)
    assert response.status_code == 302
    kinds = sorted(VisitAttachment.objects.values_list("kind", flat=True))
    assert kinds == ["paper", "photo"]


def test_a_fake_photo_is_refused(client, world, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, world.gvcn)
    fake = SimpleUploadedFile("anh.jpg", b"MZ this is a program", content_type="image/jpeg")
    response = client.post(create_url(case), post_data(world, photos=[fake]))
    assert response.status_code == 200
    assert form_errors(response)["photos"]
    assert HomeVisit.objects.count() == 0


# --- who may record --------------------------------------------------------------------------


def test_the_gvcn_of_9a1_records_for_a_9a1_case_not_for_8a1(client, world, case):
    other = make_case(world.s8a1[0], world.principal)
    login(client, world.gvcn)
    assert client.get(create_url(case)).status_code == 200
    assert client.get(create_url(other)).status_code == 404
    assert client.post(create_url(other), post_data(world)).status_code == 404
    assert HomeVisit.objects.count() == 0


def test_the_mentor_records_a_visit(client, world, case):
    make_mentorship(world.teacher, world.s8a1[0])
    mentee_case = make_case(world.s8a1[0], world.principal)
    login(client, world.teacher)
    data = post_data(world, staff=[str(world.teacher.pk)])
    assert client.post(create_url(mentee_case), data).status_code == 302
    assert HomeVisit.objects.get().author == world.teacher


@pytest.mark.parametrize(
    "role", ["teacher", "group_head", "youth", "clerk", "office", "principal_b"]
)
def test_other_roles_cannot_record(client, world, case, role):
    login(client, getattr(world, role))
    assert client.get(create_url(case)).status_code == 404
    assert client.post(create_url(case), post_data(world)).status_code == 404
    assert HomeVisit.objects.count() == 0


def test_a_closed_case_takes_no_visit_on_the_page(client, world):
    closed = make_case(world.s9a1[1], world.gvcn, status=RiskCase.Status.RETURNED)
    login(client, world.gvcn)
    assert client.get(create_url(closed)).status_code == 403
    assert client.post(create_url(closed), post_data(world)).status_code == 403


# --- the minute page ----------------------------------------------------------------------------


@pytest.fixture
def signed_visit(world, case):
    visit, _ = sv.visit_record(
        case=case,
        user=world.gvcn,
        client_id=uuid.uuid4(),
        data={
            "started_at": timezone.make_aware(
                datetime.datetime.combine(visit_day(), datetime.time(15, 0))
            ),
            "ended_at": datetime.time(16, 0),
            "people_met": [{"name": "Nguyễn Thị Mẹ", "relation": "mother", "phone": "0912"}],
            "content": "Trao đổi về việc em nghỉ học.",
            "family_view": "Nhà khó khăn.",
            "causes": ["1b"],
            "outcome": "will_think",
            "signature_kind": "drawn",
            "signer_name": "Nguyễn Thị Mẹ",
        },
        staff_ids=[world.gvcn.pk],
        signature=signature_url(),
        photos=[jpeg_bytes()],
    )
    return visit


def test_the_minute_page_shows_the_minute_and_logs_the_opening(client, world, signed_visit):
    login(client, world.gvcn)
    response = client.get(reverse("visit_detail", args=[signed_visit.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    signature = signed_visit.attachments.get(kind="signature")
    assert reverse("visit_image", args=[signature.pk]) in page
    assert "Nguyễn Thị Mẹ" in page and "Nhà khó khăn." in page
    assert reverse("visit_minute_pdf", args=[signed_visit.pk]) in page
    assert reverse("visit_edit", args=[signed_visit.pk]) in page  # the author, within 24 h
    assert reverse("visit_amend", args=[signed_visit.pk]) in page
    log = RecordAccess.objects.get(kind=RecordAccess.Kind.VISIT)
    assert (log.user, log.object_id, log.student_id_ref) == (
        world.gvcn,
        signed_visit.pk,
        world.s9a1[0].pk,
    )


def test_the_principal_reads_but_does_not_correct(client, world, signed_visit):
    login(client, world.principal)
    page = client.get(reverse("visit_detail", args=[signed_visit.pk])).content.decode()
    assert reverse("visit_edit", args=[signed_visit.pk]) not in page
    assert reverse("visit_amend", args=[signed_visit.pk]) in page
    assert client.get(reverse("visit_edit", args=[signed_visit.pk])).status_code == 403
    assert client.post(reverse("visit_edit", args=[signed_visit.pk]), {}).status_code == 403


def test_the_clerk_reads_minutes_but_not_the_case(client, world, signed_visit):
    login(client, world.clerk)
    response = client.get(reverse("visit_detail", args=[signed_visit.pk]))
    assert response.status_code == 200
    assert response.context["p"].case_url is None
    assert client.get(reverse("visit_minute_pdf", args=[signed_visit.pk])).status_code == 200
    assert client.get(reverse("visit_amend", args=[signed_visit.pk])).status_code == 403
    assert client.get(reverse("case_detail", args=[signed_visit.case_id])).status_code == 404


@pytest.mark.parametrize(
    "role", ["teacher", "group_head", "youth", "office", "office_z_user", "principal_b"]
)
def test_outsiders_of_the_case_get_404_on_every_visit_page(client, world, signed_visit, role):
    image = signed_visit.attachments.first()
    login(client, getattr(world, role))
    for name, pk in [
        ("visit_detail", signed_visit.pk),
        ("visit_edit", signed_visit.pk),
        ("visit_amend", signed_visit.pk),
        ("visit_minute_pdf", signed_visit.pk),
        ("visit_image", image.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert (
        client.post(reverse("visit_amend", args=[signed_visit.pk]), {"text": "x"}).status_code
        == 404
    )
    assert VisitAmendment.objects.count() == 0
    assert RecordAccess.objects.count() == 0


def test_garbage_ids_are_404(client, world):
    login(client, world.principal)
    for name in [
        "visit_detail",
        "visit_edit",
        "visit_amend",
        "visit_minute_pdf",
        "visit_image",
        "visit_create",
    ]:
        assert client.get(reverse(name, args=[987654])).status_code == 404


# --- images -------------------------------------------------------------------------------------


def test_the_signature_image_is_served_privately_and_logged(client, world, signed_visit):
    signature = signed_visit.attachments.get(kind="signature")
    login(client, world.principal)
    response = client.get(reverse("visit_image", args=[signature.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    log = RecordAccess.objects.get(kind=RecordAccess.Kind.IMAGE)
    assert log.object_id == signature.pk


def test_a_person_who_was_at_the_visit_reads_its_images(client, world, case):
    visit = make_visit(case, world.gvcn)
    visit.staff_present.add(world.youth)
    image = VisitAttachment.objects.create(
        visit=visit, kind="photo", content=jpeg_bytes(), content_type="image/jpeg", size=10
    )
    login(client, world.youth)
    assert client.get(reverse("visit_image", args=[image.pk])).status_code == 200
    assert client.get(reverse("visit_detail", args=[visit.pk])).status_code == 200


# --- corrections and amendments -----------------------------------------------------------------


def edit_data(visit, **overrides):
    started = timezone.localtime(visit.started_at)
    data = {
        "version": visit.version,
        "date": started.strftime("%d/%m/%Y"),
        "start_time": started.strftime("%H:%M"),
        "end_time": "16:30",
        "place": visit.place,
        "address": visit.address,
        "staff": [str(visit.author_id)],
        "person_0_name": "Nguyễn Thị Mẹ",
        "person_0_relation": "mother",
        "content": "Nội dung đã sửa lại.",
        "outcome": visit.outcome,
    }
    data.update(overrides)
    return data


def age(visit, hours):
    HomeVisit.objects.filter(pk=visit.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours)
    )
    visit.refresh_from_db()


def test_the_author_corrects_within_24_hours(client, world, signed_visit):
    make_visit(signed_visit.case, world.gvcn)  # a later visit: this one stays number 1
    login(client, world.gvcn)
    url = reverse("visit_edit", args=[signed_visit.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "signature_kind" not in response.context["form"].fields  # the signature stays
    assert response.context["ctx"].situation.visit_number == 1
    assert response.context["form"]["content"].value() == "Trao đổi về việc em nghỉ học."
    response = client.post(url, edit_data(signed_visit))
    assert response.status_code == 302
    signed_visit.refresh_from_db()
    assert signed_visit.content == "Nội dung đã sửa lại."
    assert signed_visit.ended_at == datetime.time(16, 30)
    assert signed_visit.version == 2
    assert signed_visit.attachments.filter(kind="signature").count() == 1


def test_after_24_hours_the_author_is_sent_to_amendments(client, world, signed_visit):
    age(signed_visit, 25)
    login(client, world.gvcn)
    url = reverse("visit_edit", args=[signed_visit.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert sv.window_closed_message(signed_visit) in page
    assert reverse("visit_amend", args=[signed_visit.pk]) in page
    response = client.post(url, edit_data(signed_visit, content="Sửa muộn"))
    signed_visit.refresh_from_db()
    assert signed_visit.content == "Trao đổi về việc em nghỉ học."
    assert reverse("visit_amend", args=[signed_visit.pk]) in response.content.decode()
    detail = client.get(reverse("visit_detail", args=[signed_visit.pk])).content.decode()
    assert reverse("visit_edit", args=[signed_visit.pk]) not in detail


def test_a_stale_correction_is_refused_on_the_page(client, world, signed_visit):
    login(client, world.gvcn)
    url = reverse("visit_edit", args=[signed_visit.pk])
    client.post(url, edit_data(signed_visit, content="Lần một"))
    response = client.post(url, edit_data(signed_visit, content="Lần hai"))  # version 1 again
    assert response.status_code == 200
    assert str(sv.MSG_STALE) in form_errors(response)["__all__"]
    signed_visit.refresh_from_db()
    assert signed_visit.content == "Lần một"


def test_another_user_cannot_correct(client, world, signed_visit):
    login(client, world.vp)
    response = client.post(reverse("visit_edit", args=[signed_visit.pk]), edit_data(signed_visit))
    assert response.status_code == 403
    signed_visit.refresh_from_db()
    assert signed_visit.version == 1


def test_amendments_are_listed_under_the_minute(client, world, signed_visit):
    age(signed_visit, 30)
    login(client, world.principal)
    url = reverse("visit_amend", args=[signed_visit.pk])
    assert client.post(url, {"text": "   "}).status_code == 200
    assert VisitAmendment.objects.count() == 0
    response = client.post(url, {"text": "Đính chính: mẹ em hẹn đưa em đi học thứ Hai."})
    assert response.status_code == 302
    page = client.get(reverse("visit_detail", args=[signed_visit.pk])).content.decode()
    assert "Đính chính: mẹ em hẹn đưa em đi học thứ Hai." in page
    assert VisitAmendment.objects.get().author == world.principal


def test_the_case_owner_amends_a_visit_written_by_someone_else(client, world, case):
    visit = make_visit(case, world.principal)
    login(client, world.gvcn)  # owner of the case
    response = client.post(reverse("visit_amend", args=[visit.pk]), {"text": "Bổ sung."})
    assert response.status_code == 302
    assert client.get(reverse("visit_edit", args=[visit.pk])).status_code == 403
