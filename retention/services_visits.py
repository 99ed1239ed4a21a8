"""Home visits and their minutes (biên bản): recording, correcting and amending them.

A visit is written on a phone at the family's home. The form carries a ``client_id`` made when the
form was first shown, so a retry (a flaky connection, a double tap, a form kept offline and sent
later) returns the visit already saved instead of writing a second one.

Images (the signature drawn on the screen, the photo of a paper minute, photos) are checked with
Pillow before anything is written: a payload that is not really an image of the kind it claims,
too large, or a blank signature is refused with a clear message and nothing is saved.

Error keys (so the form shows each message at its field): ``date`` (the start), ``end_time``,
``outcome``, ``return_date``, ``people``, ``staff``, ``causes``, ``content``, ``signature``,
``signer_name``, ``signature_note``, ``paper``, ``photos``, ``version``, ``text``.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import io
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import SchoolSettings, User
from students.models import DropoutCause

from .models_cases import HomeVisit, PersonMet, RiskCase, VisitAmendment, VisitAttachment
from .scoping_cases import mentor_candidates

MAX_PEOPLE = 4
MAX_PHOTOS = 3
SIGNATURE_MAX_BYTES = 200 * 1024
PHOTO_MAX_BYTES = 5 * 1024 * 1024
SIGNATURE_MAX_PIXELS = 4_000_000  # a 2000×2000 canvas is plenty; stops a "PNG bomb"
PHOTO_MAX_PIXELS = 50_000_000
PHOTO_STORED_SIDE = 2000  # photos are stored re-encoded (no EXIF, no GPS) at most this wide
CLOCK_SKEW = datetime.timedelta(minutes=10)

MSG_NOT_ACTIVE = _("This case is closed: a visit can no longer be recorded.")
MSG_CLIENT_OTHER_CASE = _(
    "This form was already used for another case. Reload the page and write the minute again."
)
MSG_WHEN = _("Write the date and time the visit started.")
MSG_FUTURE = _("The visit cannot start in the future.")
MSG_BEFORE_CASE = _("The visit cannot be before the case was opened (%(date)s).")
MSG_ENDED_BEFORE = _("The visit must end after it started.")
MSG_OUTCOME = _("Choose the outcome of the visit.")
MSG_RETURN_DATE = _("Write the date the student comes back to school.")
MSG_RETURN_BEFORE = _("The date the student comes back cannot be before the visit.")
MSG_NEXT_BEFORE = _("The next step cannot be before the visit.")
MSG_NOBODY_MET = _("Write at least one person you met (name and relation).")
MSG_TOO_MANY_PEOPLE = _("At most %(n)s people met can be written.")
MSG_PERSON_NO_NAME = _("Person %(n)s: write the name.")
MSG_PERSON_RELATION = _("Person %(n)s: choose the relation to the student.")
MSG_STAFF = _("One of the people from the school is not a staff member of the school.")
MSG_CAUSES = _("One of the causes is not on the list.")
MSG_CONTENT = _("Write what was discussed.")
MSG_SIGNATURE_KIND = _("Choose how the minute was signed.")
MSG_SIGNATURE_MISSING = _("The family has not signed yet: ask them to sign in the box.")
MSG_SIGNATURE_NOT_IMAGE = _("The signature could not be read. Clear the box and sign again.")
MSG_SIGNATURE_TOO_LARGE = _(
    "The signature is too large (over 200 KB). Clear the box and sign again."
)
MSG_SIGNATURE_BLANK = _("The signature box is empty: ask the family to sign in the box.")
MSG_SIGNER_NAME = _("Write the name of the person who signed.")
MSG_PAPER_MISSING = _("Take a photo of the signed paper minute.")
MSG_REFUSED_NOTE = _("Write why the family did not sign.")
MSG_IMAGE_NOT_IMAGE = _("“%(name)s” is not a JPEG or PNG photo.")
MSG_IMAGE_TOO_LARGE = _("“%(name)s” is larger than 5 MB: take the photo again at a smaller size.")
MSG_TOO_MANY_PHOTOS = _("At most %(n)s photos can be attached.")
MSG_STALE = _(
    "Someone changed this minute after you opened it. Your changes were not saved: "
    "reload the page to see the current minute."
)
MSG_WINDOW_CLOSED = _(
    "A minute can be corrected only within %(hours)s hours of writing it. "
    "After that, add an amendment."
)
MSG_AMENDMENT_EMPTY = _("Write the correction or addition.")

EDITABLE_FIELDS = [
    "started_at",
    "ended_at",
    "place",
    "address",
    "latitude",
    "longitude",
    "people_met",
    "student_present",
    "content",
    "school_view",
    "family_view",
    "student_view",
    "support_offered",
    "causes",
    "commitments",
    "outcome",
    "return_date",
    "next_step",
    "next_date",
]


# --- images ------------------------------------------------------------------------------------


@dataclass
class CheckedImage:
    kind: str
    content: bytes
    content_type: str
    width: int
    height: int


def _open_verified(raw: bytes, formats: set[str], max_pixels: int):
    """The Pillow image of ``raw`` if it really is one of ``formats`` (verified, size bounded);
    None otherwise. Never raises on garbage."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in formats:
                return None
            width, height = probe.size
            if width < 1 or height < 1 or width * height > max_pixels:
                return None
            probe.verify()
        image = Image.open(io.BytesIO(raw))  # verify() leaves the image unusable: reopen
        image.load()
        return image
    except Exception:  # noqa: BLE001 - any decoding error means "not an image we accept"
        return None


def check_signature(data_url: str) -> CheckedImage:
    """The canvas's ``data:image/png;base64,…``: a real PNG, at most 200 KB, not blank."""
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise ValidationError({"signature": MSG_SIGNATURE_NOT_IMAGE})
    payload = data_url[len(prefix) :].strip()
    # A base64 text over 4/3 of the limit cannot decode under it: refuse before decoding.
    if len(payload) > SIGNATURE_MAX_BYTES * 4 // 3 + 8:
        raise ValidationError({"signature": MSG_SIGNATURE_TOO_LARGE})
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"signature": MSG_SIGNATURE_NOT_IMAGE}) from None
    if len(raw) > SIGNATURE_MAX_BYTES:
        raise ValidationError({"signature": MSG_SIGNATURE_TOO_LARGE})
    image = _open_verified(raw, {"PNG"}, SIGNATURE_MAX_PIXELS)
    if image is None:
        raise ValidationError({"signature": MSG_SIGNATURE_NOT_IMAGE})
    if _is_blank(image):
        raise ValidationError({"signature": MSG_SIGNATURE_BLANK})
    return CheckedImage(VisitAttachment.Kind.SIGNATURE, raw, "image/png", image.width, image.height)


def _is_blank(image) -> bool:
    """Nothing drawn: every pixel white or transparent (the canvas's background)."""
    from PIL import Image

    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    darkest, _lightest = Image.alpha_composite(white, rgba).convert("L").getextrema()
    return darkest > 235


def _read(upload) -> tuple[str, bytes]:
    if isinstance(upload, bytes | bytearray):
        return "", bytes(upload)
    name = getattr(upload, "name", "") or ""
    if getattr(upload, "size", 0) > PHOTO_MAX_BYTES:
        return name, b"\0" * (PHOTO_MAX_BYTES + 1)  # too large: never read it into memory
    upload.seek(0)
    return name, upload.read()


def check_photo(upload, *, kind: str, field: str) -> CheckedImage:
    """A JPEG or PNG of at most 5 MB, stored re-encoded as JPEG (turned upright, at most 2000 px,
    without its EXIF data: a phone photo carries the place it was taken)."""
    from PIL import Image, ImageOps

    name, raw = _read(upload)
    label = name or _("the photo")
    if len(raw) > PHOTO_MAX_BYTES:
        raise ValidationError({field: MSG_IMAGE_TOO_LARGE % {"name": label}})
    image = _open_verified(raw, {"JPEG", "PNG", "MPO"}, PHOTO_MAX_PIXELS)
    if image is None:
        raise ValidationError({field: MSG_IMAGE_NOT_IMAGE % {"name": label}})
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001, S110 - a broken EXIF block: keep the image as it is
        pass
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((PHOTO_STORED_SIDE, PHOTO_STORED_SIDE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return CheckedImage(kind, out.getvalue(), "image/jpeg", image.width, image.height)


# --- validation shared by recording and correcting ----------------------------------------------


def _clean_people(rows, outcome: str, errors: dict) -> list[dict]:
    people = []
    rows = list(rows or [])
    if len(rows) > MAX_PEOPLE:
        errors["people"].append(MSG_TOO_MANY_PEOPLE % {"n": MAX_PEOPLE})
    relations = set(PersonMet.values)
    for n, row in enumerate(rows[:MAX_PEOPLE], start=1):
        name = (row.get("name") or "").strip()
        relation = (row.get("relation") or "").strip()
        phone = (row.get("phone") or "").strip()
        if not (name or relation or phone):
            continue
        if not name:
            errors["people"].append(MSG_PERSON_NO_NAME % {"n": n})
        if relation not in relations:
            errors["people"].append(MSG_PERSON_RELATION % {"n": n})
        people.append({"name": name[:150], "relation": relation, "phone": phone[:20]})
    if not people and outcome != HomeVisit.Outcome.NOBODY_HOME:
        errors["people"].append(MSG_NOBODY_MET)
    return people


def _check_fields(case: RiskCase, data: dict, errors: dict, *, now: datetime.datetime) -> dict:
    """The minute's fields, checked; returns the values to store."""
    started_at = data.get("started_at")
    if started_at is not None:
        if started_at > now + CLOCK_SKEW:
            errors["date"].append(MSG_FUTURE)
        elif timezone.localtime(started_at).date() < case.opened_on:
            errors["date"].append(MSG_BEFORE_CASE % {"date": f"{case.opened_on:%d/%m/%Y}"})
    else:
        errors["date"].append(MSG_WHEN)
    ended_at = data.get("ended_at")
    if started_at is not None and ended_at is not None:
        if ended_at <= timezone.localtime(started_at).time().replace(second=0, microsecond=0):
            errors["end_time"].append(MSG_ENDED_BEFORE)
    outcome = data.get("outcome") or ""
    if outcome not in HomeVisit.Outcome.values:
        errors["outcome"].append(MSG_OUTCOME)
    visit_day = timezone.localtime(started_at).date() if started_at else None
    return_date = data.get("return_date")
    if outcome == HomeVisit.Outcome.WILL_RETURN:
        if return_date is None:
            errors["return_date"].append(MSG_RETURN_DATE)
        elif visit_day and return_date < visit_day:
            errors["return_date"].append(MSG_RETURN_BEFORE)
    else:
        return_date = None
    next_date = data.get("next_date")
    if next_date and visit_day and next_date < visit_day:
        errors["next_date"].append(MSG_NEXT_BEFORE)
    content = (data.get("content") or "").strip()
    if not content:
        errors["content"].append(MSG_CONTENT)
    causes = [c for c in (data.get("causes") or []) if c]
    if not set(causes) <= set(DropoutCause.values):
        errors["causes"].append(MSG_CAUSES)
    people = _clean_people(data.get("people_met"), outcome, errors)
    place = data.get("place") or HomeVisit.Place.HOME
    if place not in HomeVisit.Place.values:
        place = HomeVisit.Place.OTHER
    return {
        "started_at": started_at,
        "ended_at": ended_at,
        "place": place,
        "address": (data.get("address") or "").strip()[:255],
        "latitude": data.get("latitude"),
        "longitude": data.get("longitude"),
        "people_met": people,
        "student_present": bool(data.get("student_present")),
        "content": content,
        "school_view": (data.get("school_view") or "").strip(),
        "family_view": (data.get("family_view") or "").strip(),
        "student_view": (data.get("student_view") or "").strip(),
        "support_offered": (data.get("support_offered") or "").strip(),
        "causes": ",".join(sorted(set(causes), key=causes.index)),
        "commitments": (data.get("commitments") or "").strip(),
        "outcome": outcome,
        "return_date": return_date,
        "next_step": (data.get("next_step") or "").strip()[:255],
        "next_date": next_date,
    }


def _check_staff(user, staff_ids, errors: dict) -> list[int]:
    try:
        wanted = {int(pk) for pk in staff_ids or ()}
    except (TypeError, ValueError):
        errors["staff"].append(MSG_STAFF)
        return []
    if not wanted:
        return []
    allowed = set(mentor_candidates(user).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        errors["staff"].append(MSG_STAFF)
    return sorted(wanted & allowed)


def _check_signature_and_images(
    data: dict, signature, paper, photos, errors: dict
) -> tuple[dict, list[CheckedImage]]:
    kind = data.get("signature_kind") or ""
    signer_name = (data.get("signer_name") or "").strip()[:150]
    note = (data.get("signature_note") or "").strip()[:255]
    images: list[CheckedImage] = []
    if kind not in HomeVisit.Signature.values:
        errors["signature"].append(MSG_SIGNATURE_KIND)
    elif kind == HomeVisit.Signature.DRAWN:
        if not signature:
            errors["signature"].append(MSG_SIGNATURE_MISSING)
        else:
            try:
                images.append(check_signature(signature))
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    errors[field].extend(messages)
        if not signer_name:
            errors["signer_name"].append(MSG_SIGNER_NAME)
    elif kind == HomeVisit.Signature.PAPER:
        if not paper:
            errors["paper"].append(MSG_PAPER_MISSING)
        else:
            try:
                images.append(check_photo(paper, kind=VisitAttachment.Kind.PAPER, field="paper"))
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    errors[field].extend(messages)
    elif kind == HomeVisit.Signature.REFUSED:
        if not note:
            errors["signature_note"].append(MSG_REFUSED_NOTE)
    photos = [p for p in photos or () if p]
    if len(photos) > MAX_PHOTOS:
        errors["photos"].append(MSG_TOO_MANY_PHOTOS % {"n": MAX_PHOTOS})
    else:
        for photo in photos:
            try:
                images.append(check_photo(photo, kind=VisitAttachment.Kind.PHOTO, field="photos"))
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    errors[field].extend(messages)
    if kind in (HomeVisit.Signature.REFUSED, HomeVisit.Signature.NONE):
        signer_name = "" if kind == HomeVisit.Signature.NONE else signer_name
    if kind != HomeVisit.Signature.REFUSED:
        note = ""
    fields = {"signature_kind": kind, "signer_name": signer_name, "signature_note": note}
    return fields, images


def _raise(errors: dict) -> None:
    found = {k: v for k, v in errors.items() if v}
    if found:
        raise ValidationError(found)


def _escalate_if_due(case: RiskCase) -> None:
    # Imported here: the cases service imports the models this module uses, and is written by
    # the cases area; the visit is the event that makes a case due.
    from .services_cases import case_escalate_if_due

    case_escalate_if_due(case)


# --- recording ----------------------------------------------------------------------------------


def _parse_client_id(client_id) -> uuid.UUID | None:
    if isinstance(client_id, uuid.UUID):
        return client_id
    try:
        return uuid.UUID(str(client_id))
    except (TypeError, ValueError, AttributeError):
        return None


def visit_record(
    *,
    case: RiskCase,
    user: User,
    client_id,
    data: dict,
    staff_ids=(),
    signature: str | None = None,
    paper=None,
    photos=(),
    now: datetime.datetime | None = None,
) -> tuple[HomeVisit, bool]:
    """Record a visit and its minute; returns (visit, created).

    Idempotent by ``client_id``: a second call with the id of a visit of this case returns that
    visit (created False) and changes nothing; the id of another case's visit is refused.
    Refuses: a closed case; a start in the future (beyond a few minutes of clock skew) or before
    the case was opened; an end before the start; no outcome; "will return" without the date;
    nobody met (unless nobody was home); staff from outside the school; unknown causes; a
    signature that is not a real PNG, over 200 KB or blank; "signed on paper" without a JPEG/PNG
    photo of at most 5 MB; "refused" without the reason; more than 3 photos. Every image is
    checked before anything is written; the visit, its images and the escalation check are one
    transaction. Visits are numbered per case under a row lock on the case. Then the case is
    escalated when its failed visits reach the school's threshold (``case_escalate_if_due``).
    """
    now = now or timezone.now()
    key = _parse_client_id(client_id)
    if key is None:
        raise ValidationError(MSG_CLIENT_OTHER_CASE)
    existing = HomeVisit.objects.filter(client_id=key).first()
    if existing is not None:
        if existing.case_id != case.pk:
            raise ValidationError(MSG_CLIENT_OTHER_CASE)
        return existing, False
    if not case.is_active:
        raise ValidationError(MSG_NOT_ACTIVE)

    errors: dict[str, list] = defaultdict(list)
    fields = _check_fields(case, data, errors, now=now)
    staff = _check_staff(user, staff_ids, errors)
    signature_fields, images = _check_signature_and_images(data, signature, paper, photos, errors)
    _raise(errors)

    try:
        with transaction.atomic():
            locked = RiskCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
            # A retry that waited for the lock finds the visit its twin just saved.
            existing = HomeVisit.objects.filter(client_id=key).first()
            if existing is not None:
                if existing.case_id != case.pk:
                    raise ValidationError(MSG_CLIENT_OTHER_CASE)
                return existing, False
            if not locked.is_active:
                raise ValidationError(MSG_NOT_ACTIVE)
            last = (
                HomeVisit.objects.filter(case=locked)
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
            )
            visit = HomeVisit(
                client_id=key,
                case=locked,
                number=(last or 0) + 1,
                author=user,
                **fields,
                **signature_fields,
            )
            visit.full_clean(exclude=["staff_present"])
            visit.save()
            if staff:
                visit.staff_present.set(staff)
            _store_images(visit, images)
            _escalate_if_due(locked)
    except IntegrityError:
        # The same form sent twice at the very same moment: the other request saved it.
        existing = HomeVisit.objects.filter(client_id=key).first()
        if existing is None or existing.case_id != case.pk:
            raise
        return existing, False
    return visit, True


def _store_images(visit: HomeVisit, images: list[CheckedImage]) -> None:
    VisitAttachment.objects.bulk_create(
        [
            VisitAttachment(
                visit=visit,
                kind=image.kind,
                content=image.content,
                content_type=image.content_type,
                size=len(image.content),
                width=image.width,
                height=image.height,
            )
            for image in images
        ]
    )


# --- correcting and amending ----------------------------------------------------------------------


def correction_deadline(visit: HomeVisit) -> datetime.datetime:
    hours = SchoolSettings.for_school(visit.case.student.school_id).minute_edit_hours
    return visit.created_at + datetime.timedelta(hours=hours)


def can_still_correct(visit: HomeVisit, *, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) < correction_deadline(visit)


def window_closed_message(visit: HomeVisit) -> str:
    hours = SchoolSettings.for_school(visit.case.student.school_id).minute_edit_hours
    return str(MSG_WINDOW_CLOSED % {"hours": hours})


def visit_correct(
    *,
    visit: HomeVisit,
    user: User,
    data: dict,
    version: int,
    staff_ids=(),
    photos=(),
    now: datetime.datetime | None = None,
) -> HomeVisit:
    """The author corrects their minute within ``minute_edit_hours`` of writing it.

    The signature stays as it was signed (how and by whom). Refuses: anyone but the author; after
    the window (add an amendment instead); a stale ``version`` (someone saved meanwhile: nothing
    is changed); the same field rules as ``visit_record``. Photos given are added (at most 3 in
    all). Then the escalation check runs again (the outcome may have changed).
    """
    now = now or timezone.now()
    if visit.author_id != user.pk:
        raise PermissionDenied
    if not can_still_correct(visit, now=now):
        raise ValidationError(window_closed_message(visit))
    errors: dict[str, list] = defaultdict(list)
    fields = _check_fields(visit.case, data, errors, now=now)
    staff = _check_staff(user, staff_ids, errors)
    kept = visit.attachments.filter(kind=VisitAttachment.Kind.PHOTO).count()
    photos = [p for p in photos or () if p]
    images: list[CheckedImage] = []
    if kept + len(photos) > MAX_PHOTOS:
        errors["photos"].append(MSG_TOO_MANY_PHOTOS % {"n": MAX_PHOTOS})
    else:
        for photo in photos:
            try:
                images.append(check_photo(photo, kind=VisitAttachment.Kind.PHOTO, field="photos"))
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    errors[field].extend(messages)
    _raise(errors)
    with transaction.atomic():
        locked = HomeVisit.objects.select_for_update(of=("self",)).get(pk=visit.pk)
        if locked.version != version:
            raise ValidationError({"version": MSG_STALE})
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.full_clean(exclude=["staff_present"])
        locked.save(update_fields=[*EDITABLE_FIELDS, "version", "updated_at"])
        if set(locked.staff_present.values_list("pk", flat=True)) != set(staff):
            locked.staff_present.set(staff)
        _store_images(locked, images)
        _escalate_if_due(RiskCase.objects.select_for_update(of=("self",)).get(pk=locked.case_id))
    return locked


@transaction.atomic
def visit_amend(*, visit: HomeVisit, user: User, text: str) -> VisitAmendment:
    """Add an amendment under a minute (after the correction window, or any time): the minute
    stays as signed; the amendment is listed under it and printed with it. Who may amend is
    ``scoping_cases.can_amend_visit`` (the view asks)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": MSG_AMENDMENT_EMPTY})
    amendment = VisitAmendment(visit=visit, author=user, text=text)
    amendment.full_clean()
    amendment.save()
    return amendment
