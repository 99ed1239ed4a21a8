"""visit_record, visit_correct and visit_amend: idempotency, the rules of a minute, the images,
nothing half-saved, corrections within the window, amendments, escalation."""

import base64
import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from retention import services_visits as sv
from retention.models import (
    CaseEvent,
    HomeVisit,
    RiskCase,
    VisitAmendment,
    VisitAttachment,
)
from schools.models import SchoolSettings

from .risk_helpers import make_case
from .test_risk_visits_helpers import (
    case_fixture,  # noqa: F401 - the fixture "case"
    data_url,
    jpeg_bytes,
    noisy_png,
    open_case,
    png_bytes,
    service_data,
    signature_url,
    when,
)

pytestmark = pytest.mark.django_db


def record(case, user, **kw):
    kw.setdefault("client_id", uuid.uuid4())
    kw.setdefault("data", service_data())
    return sv.visit_record(case=case, user=user, **kw)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def counts():
    return (
        HomeVisit.objects.count(),
        VisitAttachment.objects.count(),
        HomeVisit.staff_present.through.objects.count(),
    )


# --- idempotency --------------------------------------------------------------------------------


def test_the_same_client_id_twice_makes_one_visit(world, case):
    key = uuid.uuid4()
    first, created = record(case, world.gvcn, client_id=key, staff_ids=[world.gvcn.pk])
    again, created_again = record(
        case, world.gvcn, client_id=key, data=service_data(content="Sent again")
    )
    assert created is True and created_again is False
    assert again.pk == first.pk
    assert HomeVisit.objects.filter(case=case).count() == 1
    assert again.content == "Trao đổi về việc em nghỉ học."


def test_a_client_id_of_another_case_is_refused(world, case):
    key = uuid.uuid4()
    record(case, world.gvcn, client_id=key)
    other = open_case(world, student=world.s9a1[1])
    with pytest.raises(ValidationError) as excinfo:
        record(other, world.gvcn, client_id=key)
    assert str(sv.MSG_CLIENT_OTHER_CASE) in excinfo.value.messages
    assert other.visits.count() == 0


def test_garbage_client_id_is_refused(world, case):
    with pytest.raises(ValidationError):
        record(case, world.gvcn, client_id="not-a-uuid")
    assert HomeVisit.objects.count() == 0


def test_visits_are_numbered_per_case(world, case):
    other = open_case(world, student=world.s9a1[1])
    numbers = [record(case, world.gvcn)[0].number for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert record(other, world.gvcn)[0].number == 1


# --- the rules of a minute ----------------------------------------------------------------------


def test_a_visit_in_the_future_is_refused(world, case):
    future = timezone.now() + datetime.timedelta(hours=2)
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(started_at=future, ended_at=None))
    assert errors_of(excinfo)["date"] == [str(sv.MSG_FUTURE)]
    assert counts() == (0, 0, 0)


def test_a_few_minutes_of_clock_skew_are_allowed(world, case):
    soon = timezone.now() + datetime.timedelta(minutes=3)
    visit, created = record(case, world.gvcn, data=service_data(started_at=soon, ended_at=None))
    assert created


def test_a_visit_before_the_case_was_opened_is_refused(world, case):
    before = when(case.opened_on - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(started_at=before))
    assert "date" in errors_of(excinfo)
    assert f"{case.opened_on:%d/%m/%Y}" in errors_of(excinfo)["date"][0]
    assert counts() == (0, 0, 0)


def test_a_visit_ending_before_it_started_is_refused(world, case):
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(ended_at=datetime.time(14, 30)))
    assert errors_of(excinfo)["end_time"] == [str(sv.MSG_ENDED_BEFORE)]
    assert counts() == (0, 0, 0)


def test_will_return_needs_the_date(world, case):
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(outcome="will_return", return_date=None))
    assert errors_of(excinfo)["return_date"] == [str(sv.MSG_RETURN_DATE)]
    day = timezone.localdate() + datetime.timedelta(days=2)
    visit, _ = record(case, world.gvcn, data=service_data(outcome="will_return", return_date=day))
    assert visit.return_date == day


def test_an_unknown_outcome_is_refused(world, case):
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(outcome="gone fishing"))
    assert "outcome" in errors_of(excinfo)


def test_someone_must_have_been_met_unless_nobody_was_home(world, case):
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(people_met=[]))
    assert errors_of(excinfo)["people"] == [str(sv.MSG_NOBODY_MET)]
    visit, _ = record(case, world.gvcn, data=service_data(people_met=[], outcome="nobody_home"))
    assert visit.people_met == []


def test_a_person_met_needs_a_name_and_a_known_relation(world, case):
    rows = [{"name": "", "relation": "mother", "phone": "09"}, {"name": "Ông Bảy", "relation": "x"}]
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(people_met=rows))
    assert errors_of(excinfo)["people"] == [
        str(sv.MSG_PERSON_NO_NAME % {"n": 1}),
        str(sv.MSG_PERSON_RELATION % {"n": 2}),
    ]


def test_at_most_four_people_met(world, case):
    rows = [{"name": f"Người {n}", "relation": "relative", "phone": ""} for n in range(5)]
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(people_met=rows))
    assert "people" in errors_of(excinfo)


def test_staff_from_another_school_is_refused(world, case):
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, staff_ids=[world.gvcn.pk, world.principal_b.pk])
    assert errors_of(excinfo)["staff"] == [str(sv.MSG_STAFF)]
    assert counts() == (0, 0, 0)
    with pytest.raises(ValidationError):
        record(case, world.gvcn, staff_ids=["abc"])


def test_staff_present_are_stored(world, case):
    visit, _ = record(case, world.gvcn, staff_ids=[world.gvcn.pk, world.principal.pk])
    assert set(visit.staff_present.all()) == {world.gvcn, world.principal}


def test_unknown_causes_are_refused(world, case):
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(causes=["1a", "9z"]))
    assert errors_of(excinfo)["causes"] == [str(sv.MSG_CAUSES)]


def test_a_closed_case_takes_no_visit(world):
    closed = make_case(world.s9a1[2], world.gvcn, status=RiskCase.Status.CLOSED)
    with pytest.raises(ValidationError):
        record(closed, world.gvcn)
    assert HomeVisit.objects.count() == 0


# --- the signature and the images ---------------------------------------------------------------


def signed(**kw):
    return service_data(signature_kind="drawn", signer_name="Nguyễn Thị Mẹ", **kw)


def test_a_drawn_signature_is_stored_as_a_png(world, case):
    visit, _ = record(case, world.gvcn, data=signed(), signature=signature_url())
    image = visit.attachments.get()
    assert image.kind == VisitAttachment.Kind.SIGNATURE
    assert image.content_type == "image/png"
    assert bytes(image.content).startswith(b"\x89PNG")
    assert (image.width, image.height) == (300, 120)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("", sv.MSG_SIGNATURE_MISSING),
        ("data:image/png;base64,%%%not base64%%%", sv.MSG_SIGNATURE_NOT_IMAGE),
        ("hello", sv.MSG_SIGNATURE_NOT_IMAGE),
        (data_url(b"just some text, not an image"), sv.MSG_SIGNATURE_NOT_IMAGE),
        (data_url(jpeg_bytes()), sv.MSG_SIGNATURE_NOT_IMAGE),  # a JPEG claiming to be a PNG
        (data_url(png_bytes()[:60]), sv.MSG_SIGNATURE_NOT_IMAGE),  # a truncated PNG
        (data_url(png_bytes(blank=True)), sv.MSG_SIGNATURE_BLANK),
        (data_url(png_bytes(color=(255, 255, 255, 255))), sv.MSG_SIGNATURE_BLANK),
    ],
    ids=["empty", "not-base64", "not-a-data-url", "text", "jpeg", "truncated", "blank", "white"],
)
def test_bad_signatures_are_refused_and_nothing_is_saved(world, case, payload, message):
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=signed(), signature=payload, staff_ids=[world.gvcn.pk])
    assert errors_of(excinfo)["signature"] == [str(message)]
    assert counts() == (0, 0, 0)


def test_a_signature_over_200_kb_is_refused(world, case):
    big = noisy_png(sv.SIGNATURE_MAX_BYTES + 10_000)
    assert len(big) > sv.SIGNATURE_MAX_BYTES
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=signed(), signature=data_url(big))
    assert errors_of(excinfo)["signature"] == [str(sv.MSG_SIGNATURE_TOO_LARGE)]
    assert counts() == (0, 0, 0)


def test_a_huge_canvas_is_refused_even_when_small_in_bytes(world, case):
    import io

    from PIL import Image

    out = io.BytesIO()
    image = Image.new("L", (5000, 5000), 255)
    image.putpixel((10, 10), 0)
    image.save(out, "PNG")
    assert len(out.getvalue()) < sv.SIGNATURE_MAX_BYTES
    with pytest.raises(ValidationError):
        record(case, world.gvcn, data=signed(), signature=data_url(out.getvalue()))


def test_a_signed_minute_needs_the_signers_name(world, case):
    with pytest.raises(ValidationError) as excinfo:
        record(
            case,
            world.gvcn,
            data=service_data(signature_kind="drawn", signer_name=""),
            signature=signature_url(),
        )
    assert errors_of(excinfo)["signer_name"] == [str(sv.MSG_SIGNER_NAME)]


def test_signed_on_paper_needs_a_photo(world, case):
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(signature_kind="paper"))
    assert errors_of(excinfo)["paper"] == [str(sv.MSG_PAPER_MISSING)]
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(signature_kind="paper"), paper=b"GIF89a....")
    assert "paper" in errors_of(excinfo)
    assert counts() == (0, 0, 0)
    visit, _ = record(
        case, world.gvcn, data=service_data(signature_kind="paper"), paper=jpeg_bytes()
    )
    paper = visit.attachments.get()
    assert paper.kind == VisitAttachment.Kind.PAPER
    assert paper.content_type == "image/jpeg"


def test_photos_are_stored_without_their_exif(world, case):
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    Image.new("RGB", (3000, 1500), (10, 120, 40)).save(out, "JPEG", exif=exif.tobytes())
    visit, _ = record(case, world.gvcn, photos=[out.getvalue(), png_bytes()])
    photos = list(visit.attachments.filter(kind="photo"))
    assert len(photos) == 2
    stored = Image.open(io.BytesIO(bytes(photos[0].content)))
    assert max(stored.size) == sv.PHOTO_STORED_SIDE
    assert not stored.getexif()


def test_a_photo_over_5_mb_or_not_an_image_is_refused(world, case):
    too_big = b"\xff\xd8" + b"0" * (sv.PHOTO_MAX_BYTES + 1)
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, photos=[too_big])
    assert "photos" in errors_of(excinfo)
    with pytest.raises(ValidationError):
        record(case, world.gvcn, photos=[b"%PDF-1.7 not a photo"])
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, photos=[jpeg_bytes()] * 4)
    assert errors_of(excinfo)["photos"] == [str(sv.MSG_TOO_MANY_PHOTOS % {"n": 3})]
    assert counts() == (0, 0, 0)


def test_a_good_signature_with_a_bad_photo_saves_nothing(world, case):
    with pytest.raises(ValidationError):
        record(case, world.gvcn, data=signed(), signature=signature_url(), photos=[b"nope"])
    assert counts() == (0, 0, 0)


def test_refused_needs_the_reason(world, case):
    with pytest.raises(ValidationError) as excinfo:
        record(case, world.gvcn, data=service_data(signature_kind="refused"))
    assert errors_of(excinfo)["signature_note"] == [str(sv.MSG_REFUSED_NOTE)]
    visit, _ = record(
        case,
        world.gvcn,
        data=service_data(signature_kind="refused", signature_note="Không muốn ký giấy tờ"),
    )
    assert visit.signature_note == "Không muốn ký giấy tờ"


def test_check_signature_never_raises_anything_but_validation_errors():
    for junk in [
        "data:image/png;base64,",
        "data:image/png;base64," + "A" * 10,
        "data:image/png;base64,===",
    ]:
        with pytest.raises(ValidationError):
            sv.check_signature(junk)
    raw = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 100).decode()
    with pytest.raises(ValidationError):
        sv.check_signature("data:image/png;base64," + raw)


# --- escalation -----------------------------------------------------------------------------------


def test_the_third_failed_visit_escalates_the_case(world, case):
    for n in range(2):
        record(case, world.gvcn, data=service_data(outcome="nobody_home", people_met=[]))
        case.refresh_from_db()
        assert case.escalated_at is None, f"escalated after {n + 1} visits"
    record(case, world.gvcn, data=service_data(outcome="refuses"))
    case.refresh_from_db()
    assert case.escalated_at is not None
    assert case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() == 1
    # Idempotent: a fourth failed visit does not escalate it again.
    record(case, world.gvcn, data=service_data(outcome="refuses"))
    assert case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() == 1


def test_every_saved_visit_asks_the_cases_service(world, case, monkeypatch):
    from retention import services_cases

    calls = []
    monkeypatch.setattr(services_cases, "case_escalate_if_due", lambda c, **kw: calls.append(c.pk))
    record(case, world.gvcn)
    key = uuid.uuid4()
    record(case, world.gvcn, client_id=key)
    record(case, world.gvcn, client_id=key)  # a retry: nothing saved, nothing asked
    assert calls == [case.pk, case.pk]


def test_the_escalation_threshold_is_a_school_setting(world, case):
    settings = SchoolSettings.for_school(world.school_a)
    settings.visits_before_escalation = 1
    settings.save()
    record(case, world.gvcn, data=service_data(outcome="will_think"))
    case.refresh_from_db()
    assert case.escalated_at is not None


# --- corrections and amendments -------------------------------------------------------------------


def age(visit, hours):
    HomeVisit.objects.filter(pk=visit.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours)
    )
    visit.refresh_from_db()
    return visit


def test_the_author_corrects_within_the_window(world, case):
    visit, _ = record(case, world.gvcn, staff_ids=[world.gvcn.pk])
    visit = age(visit, 23)
    corrected = sv.visit_correct(
        visit=visit,
        user=world.gvcn,
        data=service_data(content="Nội dung đã sửa", outcome="refuses"),
        version=visit.version,
        staff_ids=[world.gvcn.pk, world.vp.pk],
    )
    visit.refresh_from_db()
    assert visit.content == "Nội dung đã sửa"
    assert visit.outcome == "refuses"
    assert visit.version == 2 == corrected.version
    assert set(visit.staff_present.all()) == {world.gvcn, world.vp}
    assert visit.history.count() >= 2  # the audit trail keeps the minute as first written


def test_only_the_author_corrects(world, case):
    visit, _ = record(case, world.gvcn)
    with pytest.raises(PermissionDenied):
        sv.visit_correct(visit=visit, user=world.principal, data=service_data(), version=1)


def test_after_the_window_a_correction_is_refused_with_the_amendment_hint(world, case):
    visit, _ = record(case, world.gvcn)
    visit = age(visit, 25)
    with pytest.raises(ValidationError) as excinfo:
        sv.visit_correct(
            visit=visit, user=world.gvcn, data=service_data(content="Sửa muộn"), version=1
        )
    assert excinfo.value.messages == [str(sv.MSG_WINDOW_CLOSED % {"hours": 24})]
    visit.refresh_from_db()
    assert visit.content != "Sửa muộn"


def test_the_window_is_a_school_setting(world, case):
    settings = SchoolSettings.for_school(world.school_a)
    settings.minute_edit_hours = 48
    settings.save()
    visit = age(record(case, world.gvcn)[0], 30)
    sv.visit_correct(visit=visit, user=world.gvcn, data=service_data(content="OK"), version=1)
    visit.refresh_from_db()
    assert visit.content == "OK"


def test_a_stale_version_changes_nothing(world, case):
    visit, _ = record(case, world.gvcn)
    sv.visit_correct(visit=visit, user=world.gvcn, data=service_data(content="Lần 1"), version=1)
    with pytest.raises(ValidationError) as excinfo:
        sv.visit_correct(
            visit=visit, user=world.gvcn, data=service_data(content="Lần 2"), version=1
        )
    assert errors_of(excinfo)["version"] == [str(sv.MSG_STALE)]
    visit.refresh_from_db()
    assert (visit.content, visit.version) == ("Lần 1", 2)


def test_a_correction_follows_the_same_rules(world, case):
    visit, _ = record(case, world.gvcn)
    future = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        sv.visit_correct(
            visit=visit, user=world.gvcn, data=service_data(started_at=future), version=1
        )
    visit.refresh_from_db()
    assert visit.version == 1


def test_a_correction_to_a_failed_outcome_can_escalate(world, case):
    settings = SchoolSettings.for_school(world.school_a)
    settings.visits_before_escalation = 1
    settings.save()
    day = timezone.localdate() + datetime.timedelta(days=3)
    visit, _ = record(case, world.gvcn, data=service_data(outcome="will_return", return_date=day))
    case.refresh_from_db()
    assert case.escalated_at is None
    sv.visit_correct(visit=visit, user=world.gvcn, data=service_data(outcome="refuses"), version=1)
    case.refresh_from_db()
    assert case.escalated_at is not None


def test_amendments_are_kept_in_order(world, case):
    visit = age(record(case, world.gvcn)[0], 30)
    sv.visit_amend(visit=visit, user=world.gvcn, text="Bổ sung: mẹ em gọi lại ngày hôm sau.")
    sv.visit_amend(visit=visit, user=world.principal, text="  Đính chính số điện thoại.  ")
    texts = list(visit.amendments.values_list("text", flat=True))
    assert texts == ["Bổ sung: mẹ em gọi lại ngày hôm sau.", "Đính chính số điện thoại."]
    with pytest.raises(ValidationError):
        sv.visit_amend(visit=visit, user=world.gvcn, text="   ")
    assert VisitAmendment.objects.count() == 2


def test_visits_of_another_schools_student_use_that_schools_settings(world):
    other = make_case(world.s9b1[0], world.principal_b)
    visit, created = sv.visit_record(
        case=other,
        user=world.principal_b,
        client_id=uuid.uuid4(),
        data=service_data(started_at=when(other.opened_on + datetime.timedelta(days=1))),
        staff_ids=[world.principal_b.pk],
    )
    assert created and visit.number == 1
