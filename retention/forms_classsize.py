"""Forms for the monthly class-size confirmation: parse and normalise, the service decides."""

import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

MONTH_PARAM = "thang"
MSG_BAD_MONTH = _("Give the month as MM/YYYY, for example 11/2026.")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_VN = re.compile(r"^\s*(\d{1,2})[/.-](\d{4})\s*$")


def parse_month(text: str | None) -> datetime.date | None:
    """'2026-11' or '11/2026' -> date(2026, 11, 1); None when it is not a month."""
    text = text or ""
    match = _ISO.match(text)
    if match:
        year, month = int(match[1]), int(match[2])
    else:
        match = _VN.match(text)
        if not match:
            return None
        month, year = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return datetime.date(year, month, 1)


def month_param(month: datetime.date) -> str:
    return f"{month.year}-{month.month:02d}"


class MonthField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(MSG_BAD_MONTH)
        return month


class MonthChoiceForm(forms.Form):
    """The month picker of the class-size pages (?thang=2026-11)."""

    thang = forms.ChoiceField(label=_("Month"), required=False)

    def __init__(self, *args, months: list[datetime.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["thang"].choices = [
            (month_param(m), f"{m.month:02d}/{m.year}") for m in reversed(months)
        ]
        self.fields["thang"].widget.attrs.update({"class": "form-select"})


class ConfirmForm(forms.Form):
    explanation = forms.CharField(
        label=_("Explanation of the changes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who came or left and why. Required when the class size changed."),
    )
    month = MonthField(widget=forms.HiddenInput)
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_explanation(self) -> str:
        return (self.cleaned_data.get("explanation") or "").strip()


def school_year_months(year, *, today: datetime.date) -> list[datetime.date]:
    """The months of a school year someone can look at: from the month of the headcount date to
    the last month of the year, not after the current month."""
    first = year.enrollment_snapshot_date.replace(day=1)
    last = min(year.end_date, max(today, year.start_date)).replace(day=1)
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months
