"""Forms of the attendance pages: they parse and normalise; the services decide."""

from __future__ import annotations

import datetime
import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from students.forms import DateInput

from .models import ConductEvent, Session
from .services_attendance import REASON_MAX, STATUSES, clean_mark

DAMAGED = _("The form was damaged on the way. Reload the page and mark again.")
BAD_DAY = _("This is not a valid date; use dd/mm/yyyy.")
BAD_MONTH = _("This is not a valid month.")

_STUDENT_FIELD = re.compile(r"^s-(\d{1,12})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
# Links carry ISO dates (?ngay=2026-11-20); people type dd/mm/yyyy (never month first).
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]


def _date_field(**kwargs) -> forms.DateField:
    return forms.DateField(input_formats=DATE_FORMATS, **kwargs)


class DayForm(forms.Form):
    """The query string of the roll and week pages: ``?ngay=2026-11-20&buoi=morning``."""

    ngay = _date_field(required=False, error_messages={"invalid": BAD_DAY})
    buoi = forms.CharField(required=False, max_length=20)

    def clean_buoi(self) -> str:
        value = self.cleaned_data["buoi"]
        # Left to the service to refuse a session the school does not teach; unknown values
        # are simply not a session.
        return value if value in Session.values else ""


class MonthForm(forms.Form):
    """``?thang=2026-11``."""

    thang = forms.CharField(required=False, max_length=7)

    def clean_thang(self) -> tuple[int, int] | None:
        value = (self.cleaned_data["thang"] or "").strip()
        if not value:
            return None
        match = _MONTH.match(value)
        if not match:
            raise ValidationError(BAD_MONTH)
        year, month = int(match[1]), int(match[2])
        if not (1 <= month <= 12 and datetime.MINYEAR < year < datetime.MAXYEAR):
            raise ValidationError(BAD_MONTH)
        return year, month


class RollCallForm(forms.Form):
    """One class-day's roll as posted: ``s-<student id>`` = present / P / K, ``r-<id>`` = reason,
    plus the version and the absences the page was loaded with (``base``, JSON)."""

    version = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1)
    base = forms.CharField(required=False, max_length=200_000)

    def clean_base(self) -> dict[int, tuple[str, str]]:
        raw = self.cleaned_data["base"] or "{}"
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError
            return {int(k): clean_mark(tuple(v)) for k, v in data.items()}
        except (ValueError, TypeError, ValidationError):
            raise ValidationError(DAMAGED) from None

    def clean(self):
        cleaned = super().clean()
        marks, errors = {}, set()
        # What was posted, as far as it makes sense: shown again when the save is refused.
        self.posted_marks = {}
        for key in self.data:
            match = _STUDENT_FIELD.match(key)
            if not match:
                continue
            student_id = int(match[1])
            status = self.data.get(key, "")
            reason = (self.data.get(f"r-{student_id}") or "")[: REASON_MAX * 4]
            if status in STATUSES:
                self.posted_marks[student_id] = (status, reason)
            try:
                marks[student_id] = clean_mark((status, reason))
            except ValidationError as error:
                errors.update(error.messages)
        for message in sorted(errors):
            self.add_error(None, message)
        cleaned["marks"] = marks
        return cleaned


class ClassPickForm(forms.Form):
    lop = forms.ModelChoiceField(queryset=None, required=False, label=_("Class"))

    def __init__(self, *args, classrooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lop"].queryset = classrooms
        self.fields["lop"].empty_label = _("Choose a class")


class ConductEventForm(forms.Form):
    """Lateness or skipped periods of one student of the chosen class."""

    student = forms.ModelChoiceField(queryset=None, label=_("Student"))
    date = _date_field(label=_("Date"), widget=DateInput(), error_messages={"invalid": BAD_DAY})
    kind = forms.ChoiceField(
        label=_("What happened"),
        choices=ConductEvent.Kind.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        initial=ConductEvent.Kind.LATE,
    )
    periods = forms.TypedMultipleChoiceField(
        label=_("Periods"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "btn-check"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=REASON_MAX)

    def __init__(self, *args, students, periods: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students
        self.fields["student"].empty_label = _("Choose a student")
        self.fields["periods"].choices = [(p, str(p)) for p in range(1, periods + 1)]
        self.fields["date"].widget.attrs["class"] = "form-control"
