"""Sponsors (mạnh thường quân) and the support given to students: the writes.

* A sponsor belongs to one school; its name is unique in the school (a database constraint: a
  race ends in the same message).
* Support is material (money, a bicycle, books, a uniform, food, a scholarship) or moral
  (encouragement, counselling), from a sponsor of the student's school or from the school
  itself, dated (not in the future, not before the school year it is counted in), with a value
  in đồng: never negative, required for money and scholarships, optional for other things and
  empty for moral support. It may be linked to the student's risk case.
Who may do it (``scoping_cases.can_manage_sponsors``, ``can_record_support``, the recorder or
the leadership for changes) is decided in the views.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.formatting import format_number
from schools.models import School, SchoolYear, User
from students.models import Student

from .models_cases import RiskCase, Sponsor, Support

MSG_SPONSOR_NAME_TAKEN = _("A sponsor named “%(name)s” is already recorded for this school.")
MSG_SPONSOR_NAME_EMPTY = _("Give the sponsor's name.")
MSG_NO_YEAR = _("The school has no current school year.")
MSG_DATE_FUTURE = _("The date cannot be in the future.")
MSG_DATE_BEFORE_YEAR = _("The date is before the school year %(year)s began (%(date)s).")
MSG_VALUE_NEGATIVE = _("The value cannot be negative.")
MSG_VALUE_TOO_LARGE = _("The value is too large: check the number of zeros.")
MSG_VALUE_NEEDED = _("Give the amount in đồng.")
MSG_VALUE_MORAL = _("Moral support has no value in đồng: leave the value empty.")
MSG_SPONSOR_OTHER = _("Choose a sponsor of this school, or “The school itself”.")
MSG_CASE_OTHER = _("This case is not a case of this student.")
MSG_DESCRIPTION_NEEDED = _("Say what was given.")

MAX_VALUE = Decimal(10) ** 12  # a trillion đồng: anything above is a typing mistake
VALUE_REQUIRED = ("money", "scholarship")


def today() -> datetime.date:
    """The school's today (tests replace this)."""
    return timezone.localdate()


def money(value) -> str:
    """1500000 → "1.500.000 đ"; None → ""."""
    if value is None:
        return ""
    return f"{format_number(Decimal(value), 0)} đ"


# --- sponsors -------------------------------------------------------------------------------------

SPONSOR_FIELDS = ("kind", "name", "contact_person", "phone", "address", "notes")


def _sponsor_save(sponsor: Sponsor, data: dict) -> Sponsor:
    for name in SPONSOR_FIELDS:
        if name in data:
            value = data[name]
            setattr(sponsor, name, value.strip() if isinstance(value, str) else value)
    if not sponsor.name:
        raise ValidationError({"name": [MSG_SPONSOR_NAME_EMPTY]})
    taken = Sponsor.objects.filter(school_id=sponsor.school_id, name__iexact=sponsor.name)
    if sponsor.pk:
        taken = taken.exclude(pk=sponsor.pk)
    error = ValidationError({"name": [MSG_SPONSOR_NAME_TAKEN % {"name": sponsor.name}]})
    if taken.exists():
        raise error
    sponsor.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            sponsor.save()
    except IntegrityError:
        raise error from None
    return sponsor


@transaction.atomic
def sponsor_create(*, school: School, user: User, data: dict) -> Sponsor:
    """Record a sponsor of ``school``. Refuses an empty name or one already recorded."""
    return _sponsor_save(Sponsor(school=school), data)


@transaction.atomic
def sponsor_update(*, sponsor: Sponsor, user: User, data: dict) -> Sponsor:
    """Change a sponsor's details (same rules as ``sponsor_create``)."""
    return _sponsor_save(sponsor, data)


# --- support --------------------------------------------------------------------------------------


def _current_year(school_id: int) -> SchoolYear:
    year = SchoolYear.objects.filter(school_id=school_id, is_current=True).first()
    if year is None:
        raise ValidationError(MSG_NO_YEAR)
    return year


def _check(
    *,
    student: Student,
    year: SchoolYear,
    kind: str,
    value: Decimal | None,
    date: datetime.date,
    sponsor: Sponsor | None,
    case: RiskCase | None,
    description: str,
) -> None:
    errors: dict[str, list] = {}
    if date > today():
        errors["date"] = [MSG_DATE_FUTURE]
    elif date < year.start_date:
        errors["date"] = [
            MSG_DATE_BEFORE_YEAR % {"year": year.name, "date": year.start_date.strftime("%d/%m/%Y")}
        ]
    if value is not None and value < 0:
        errors["value"] = [MSG_VALUE_NEGATIVE]
    elif value is not None and value >= MAX_VALUE:
        errors["value"] = [MSG_VALUE_TOO_LARGE]
    elif value is None and kind in VALUE_REQUIRED:
        errors["value"] = [MSG_VALUE_NEEDED]
    elif value is not None and kind in Support.MORAL:
        errors["value"] = [MSG_VALUE_MORAL]
    if kind == Support.Kind.OTHER and not description:
        errors["description"] = [MSG_DESCRIPTION_NEEDED]
    if sponsor is not None and sponsor.school_id != student.school_id:
        errors["sponsor"] = [MSG_SPONSOR_OTHER]
    if case is not None and case.student_id != student.pk:
        errors["case"] = [MSG_CASE_OTHER]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def support_record(
    *,
    student: Student,
    user: User,
    kind: str,
    date: datetime.date,
    value: Decimal | None = None,
    description: str = "",
    sponsor: Sponsor | None = None,
    case: RiskCase | None = None,
) -> Support:
    """Record support given to ``student`` (counted in the school's current year). Refuses a
    date in the future or before the year, a negative or missing value (money, scholarship), a
    value for moral support, another school's sponsor and another student's case."""
    year = _current_year(student.school_id)
    description = (description or "").strip()
    _check(
        student=student,
        year=year,
        kind=kind,
        value=value,
        date=date,
        sponsor=sponsor,
        case=case,
        description=description,
    )
    support = Support(
        school_year=year,
        student=student,
        sponsor=sponsor,
        case=case,
        kind=kind,
        description=description,
        value=value,
        date=date,
        recorded_by=user,
    )
    support.full_clean()
    support.save()
    return support


@transaction.atomic
def support_update(
    *,
    support: Support,
    user: User,
    kind: str,
    date: datetime.date,
    value: Decimal | None = None,
    description: str = "",
    sponsor: Sponsor | None = None,
    case: RiskCase | None = None,
) -> Support:
    """Correct a support record (same rules; it stays in the year it was counted in)."""
    description = (description or "").strip()
    _check(
        student=support.student,
        year=support.school_year,
        kind=kind,
        value=value,
        date=date,
        sponsor=sponsor,
        case=case,
        description=description,
    )
    support.kind, support.date, support.value = kind, date, value
    support.description, support.sponsor, support.case = description, sponsor, case
    support.full_clean()
    support.save(
        update_fields=["kind", "date", "value", "description", "sponsor", "case", "updated_at"]
    )
    return support


@transaction.atomic
def support_delete(*, support: Support, user: User) -> None:
    """Delete a support record (the audit history keeps it)."""
    support.delete()
