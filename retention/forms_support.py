"""Forms of the sponsor and support pages. They parse; the services decide (see
services_support)."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lib.formatting import format_number
from students.forms import DateInput

from .models_cases import Sponsor, Support

MSG_MONEY = _("Enter the value in đồng as a whole number, e.g. 1.500.000")
MSG_MONEY_NEGATIVE = _("The value cannot be negative.")

# 1500000 · 1.500.000 · 1 500 000 · 1,500,000 (thousands separators in groups of three), with an
# optional "đ", "đồng" or "VND" after it.
_MONEY = re.compile(r"^\d{1,3}(?:([.,\s])\d{3}(?:\1\d{3})*)?$|^\d+$")
_UNIT = re.compile(r"\s*(đồng|đ|vnđ|vnd|d)\.?$", re.IGNORECASE)


def parse_money(text: str) -> Decimal | None:
    """'1.500.000' or '1500000' (optionally followed by đ) → Decimal('1500000'); '' → None.
    Raises ValidationError for anything else (letters, decimals, a minus sign)."""
    text = (text or "").strip()
    if not text:
        return None
    text = _UNIT.sub("", text).strip()
    if text.startswith("-"):
        raise ValidationError(MSG_MONEY_NEGATIVE, code="negative")
    if not _MONEY.match(text):
        raise ValidationError(MSG_MONEY, code="invalid")
    return Decimal(re.sub(r"[.,\s]", "", text))


class MoneyField(forms.Field):
    """An amount in đồng typed the Vietnamese way; shown as 1.500.000."""

    widget = forms.TextInput

    def to_python(self, value):
        text = "" if value in self.empty_values else str(value)
        if len(text) > 40:
            raise ValidationError(MSG_MONEY, code="invalid")
        return parse_money(text)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):
            return format_number(Decimal(value), 0)
        return value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "autocomplete": "off", "maxlength": "40"})
        return attrs


class SponsorForm(forms.ModelForm):
    class Meta:
        model = Sponsor
        fields = ["kind", "name", "contact_person", "phone", "address", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self):
        """The service checks the name within the school (the form does not know the school)."""


class SupportForm(forms.Form):
    student = forms.TypedChoiceField(label=_("Student"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind of support"))
    description = forms.CharField(
        label=_("What was given"),
        required=False,
        max_length=255,
        help_text=_("E.g. a bicycle to ride to school; 10 kg of rice a month; a talk every week."),
    )
    value = MoneyField(
        label=_("Value (đồng)"),
        required=False,
        help_text=_(
            "E.g. 1.500.000. Required for money and scholarships; empty for moral support."
        ),
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())
    sponsor = forms.ModelChoiceField(
        label=_("Given by"),
        queryset=Sponsor.objects.none(),
        required=False,
        empty_label=_("The school itself"),
    )
    case = forms.ModelChoiceField(
        label=_("Risk case"),
        queryset=None,
        required=False,
        empty_label=_("Not linked to a case"),
    )

    def __init__(self, *args, sponsors, cases=None, students=None, **kwargs):
        """``sponsors``: the school's sponsors (a queryset; another school's id is a field
        error). ``cases``: the student's cases the user may read (None: no case field).
        ``students``: (class, student) pairs to choose from (None: the student is given)."""
        super().__init__(*args, **kwargs)
        material = [(k, v) for k, v in Support.Kind.choices if k in Support.MATERIAL]
        moral = [(k, v) for k, v in Support.Kind.choices if k in Support.MORAL]
        other = [(k, v) for k, v in Support.Kind.choices if k == Support.Kind.OTHER]
        self.fields["kind"].choices = [
            ("", "—"),
            (_("Material"), material),
            (_("Moral"), moral),
            *other,
        ]
        self.fields["sponsor"].queryset = sponsors
        if cases is None:
            del self.fields["case"]
        else:
            self.fields["case"].queryset = cases
            self.fields["case"].label_from_instance = lambda c: (
                f"{c.get_status_display()} · {c.opened_on:%d/%m/%Y}"
            )
        if students is None:
            del self.fields["student"]
            self.students = {}
        else:
            self.students = {s.pk: s for _c, s in students}
            groups: dict[str, list] = {}
            for classroom, s in students:
                groups.setdefault(classroom.name, []).append((s.pk, s.full_name))
            self.fields["student"].choices = [("", "—"), *groups.items()]

    def values(self) -> dict:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "description": d.get("description") or "",
            "value": d.get("value"),
            "date": d["date"],
            "sponsor": d.get("sponsor"),
            "case": d.get("case"),
        }

    def chosen_student(self):
        return self.students.get(self.cleaned_data.get("student"))
