"""Forms of the visit pages. They parse; the services decide (see services_visits)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import Classroom
from students.forms import DateInput
from students.models import DropoutCause, Guardian

from .models_cases import HomeVisit, PersonMet
from .services_visits import MAX_PEOPLE, MSG_STAFF

MAX_RANGE_DAYS = 366

GUARDIAN_TO_PERSON = {
    Guardian.Relation.FATHER: PersonMet.FATHER,
    Guardian.Relation.MOTHER: PersonMet.MOTHER,
    Guardian.Relation.GRANDFATHER: PersonMet.GRANDPARENT,
    Guardian.Relation.GRANDMOTHER: PersonMet.GRANDPARENT,
    Guardian.Relation.SIBLING: PersonMet.SIBLING,
    Guardian.Relation.RELATIVE: PersonMet.RELATIVE,
    Guardian.Relation.GUARDIAN: PersonMet.GUARDIAN,
}


class TimeInput(forms.TimeInput):
    """A native time picker on phones (HH:MM)."""

    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _coordinate(text: str, limit: int) -> Decimal | None:
    """A coordinate from the browser, rounded to 6 places; None when absent or nonsense (a bad
    hidden value is dropped, never an error the user cannot see or fix)."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value) > limit:
        return None
    return value.quantize(Decimal("0.000001"))


def text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class VisitForm(forms.Form):
    """The minute, in the sections of the paper form. ``editing``: the author's correction (no
    client id, no signature section; the version the page loaded)."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    # 1. Time and place
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=_("Started at"), widget=TimeInput())
    end_time = forms.TimeField(label=_("Ended at"), widget=TimeInput(), required=False)
    place = forms.ChoiceField(
        label=_("Place"), choices=HomeVisit.Place.choices, widget=forms.RadioSelect
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    latitude = forms.CharField(widget=forms.HiddenInput, required=False)
    longitude = forms.CharField(widget=forms.HiddenInput, required=False)
    # 2. People
    staff = forms.TypedMultipleChoiceField(
        label=_("From the school"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": MSG_STAFF},
    )
    people = forms.CharField(required=False, widget=forms.HiddenInput)  # carries row errors
    student_present = forms.BooleanField(
        label=_("The student was there"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "role": "switch"}),
    )
    # 3. Content and views
    content = forms.CharField(label=_("What was discussed"), required=False, widget=text_area(4))
    school_view = forms.CharField(
        label=_("The school's view"),
        required=False,
        widget=text_area(),
        help_text=_("What the school knows of why the student is absent."),
    )
    family_view = forms.CharField(
        label=_("The family's view"),
        required=False,
        widget=text_area(),
        help_text=_("Why the family kept the student at home, their situation, their wishes."),
    )
    student_view = forms.CharField(
        label=_("The student's view"), required=False, widget=text_area()
    )
    support_offered = forms.CharField(
        label=_("Support offered"),
        required=False,
        widget=text_area(2),
        help_text=_("Fee exemption, scholarship, books, tutoring, a mentor, a bicycle …"),
    )
    causes = forms.MultipleChoiceField(
        label=_("Causes"),
        choices=DropoutCause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    # 4. Outcome and commitments
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=HomeVisit.Outcome.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    return_date = forms.DateField(
        label=_("Back at school from"), required=False, widget=DateInput()
    )
    commitments = forms.CharField(
        label=_("Commitments"),
        required=False,
        widget=text_area(),
        help_text=_("What the family, the student and the school each promised."),
    )
    next_step = forms.CharField(label=_("Next step"), max_length=255, required=False)
    next_date = forms.DateField(label=_("Next step on"), required=False, widget=DateInput())
    # 5. Signature
    signature_kind = forms.ChoiceField(
        label=_("How the minute is signed"),
        choices=HomeVisit.Signature.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    signature = forms.CharField(required=False, strip=True, widget=forms.HiddenInput)
    signer_name = forms.CharField(label=_("Name of the person who signs"), required=False)
    signature_note = forms.CharField(
        label=_("Why the family did not sign"), max_length=255, required=False
    )
    paper = forms.FileField(
        label=_("Photo of the signed paper minute"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )
    photos = MultipleFileField(
        label=_("Photos (optional, at most 3)"),
        required=False,
    )

    SIGNATURE_FIELDS = ("signature_kind", "signature", "signer_name", "signature_note", "paper")

    def __init__(self, *args, staff_choices=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["staff"].choices = list(staff_choices)
        for n in range(MAX_PEOPLE):
            self.fields[f"person_{n}_name"] = forms.CharField(
                label=_("Name"),
                max_length=150,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
            )
            self.fields[f"person_{n}_relation"] = forms.ChoiceField(
                label=_("Relation"),
                choices=[("", "—"), *PersonMet.choices],
                required=False,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.fields[f"person_{n}_phone"] = forms.CharField(
                label=_("Phone"),
                max_length=20,
                required=False,
                widget=forms.TextInput(
                    attrs={"class": "form-control", "inputmode": "tel", "autocomplete": "off"}
                ),
            )
        if editing:
            del self.fields["client_id"]
            for name in self.SIGNATURE_FIELDS:
                del self.fields[name]
        else:
            del self.fields["version"]

    @property
    def person_rows(self) -> list[tuple]:
        """(name, relation, phone) bound fields of each row, for the template."""
        return [
            (self[f"person_{n}_name"], self[f"person_{n}_relation"], self[f"person_{n}_phone"])
            for n in range(MAX_PEOPLE)
        ]

    def clean_latitude(self):
        return _coordinate(self.cleaned_data.get("latitude") or "", 90)

    def clean_longitude(self):
        return _coordinate(self.cleaned_data.get("longitude") or "", 180)

    def clean(self):
        data = super().clean()
        if data.get("latitude") is None or data.get("longitude") is None:
            data["latitude"] = data["longitude"] = None
        return data

    def started_at(self) -> datetime.datetime:
        data = self.cleaned_data
        return timezone.make_aware(datetime.datetime.combine(data["date"], data["start_time"]))

    def visit_data(self) -> dict:
        """What the services take as ``data``."""
        d = self.cleaned_data
        data = {
            "started_at": self.started_at(),
            "ended_at": d.get("end_time"),
            "people_met": [
                {
                    "name": d.get(f"person_{n}_name", ""),
                    "relation": d.get(f"person_{n}_relation", ""),
                    "phone": d.get(f"person_{n}_phone", ""),
                }
                for n in range(MAX_PEOPLE)
            ],
        }
        for name in (
            "place",
            "address",
            "latitude",
            "longitude",
            "student_present",
            "content",
            "school_view",
            "family_view",
            "student_view",
            "support_offered",
            "causes",
            "outcome",
            "return_date",
            "commitments",
            "next_step",
            "next_date",
            "signature_kind",
            "signer_name",
            "signature_note",
        ):
            if name in self.fields:
                data[name] = d.get(name)
        return data


def visit_initial(case, user, *, guardian=None, now=None) -> dict:
    """A new minute: now, at the family's home, the user present, the main guardian met."""
    now = timezone.localtime(now or timezone.now())
    student = case.student
    address = ", ".join(p for p in (student.address, student.hamlet, student.commune) if p)
    initial = {
        "client_id": uuid.uuid4(),
        "date": now.date(),
        "start_time": now.time().replace(second=0, microsecond=0),
        "place": HomeVisit.Place.HOME,
        "address": address,
        "staff": [user.pk],
        "signature_kind": HomeVisit.Signature.DRAWN,
    }
    if guardian is not None:
        initial.update(
            {
                "person_0_name": guardian.full_name,
                "person_0_relation": GUARDIAN_TO_PERSON.get(guardian.relation, PersonMet.OTHER),
                "person_0_phone": guardian.phone,
                "signer_name": guardian.full_name,
            }
        )
    return initial


def edit_initial(visit: HomeVisit, staff_ids) -> dict:
    started = timezone.localtime(visit.started_at)
    initial = {
        "version": visit.version,
        "date": started.date(),
        "start_time": started.time().replace(second=0, microsecond=0),
        "end_time": visit.ended_at,
        "staff": list(staff_ids),
        "causes": visit.cause_list,
    }
    for name in (
        "place",
        "address",
        "latitude",
        "longitude",
        "student_present",
        "content",
        "school_view",
        "family_view",
        "student_view",
        "support_offered",
        "outcome",
        "return_date",
        "commitments",
        "next_step",
        "next_date",
    ):
        initial[name] = getattr(visit, name)
    for n, person in enumerate((visit.people_met or [])[:MAX_PEOPLE]):
        initial[f"person_{n}_name"] = person.get("name", "")
        initial[f"person_{n}_relation"] = person.get("relation", "")
        initial[f"person_{n}_phone"] = person.get("phone", "")
    return initial


class AmendmentForm(forms.Form):
    text = forms.CharField(
        label=_("Correction or addition"),
        max_length=4000,
        required=False,
        widget=text_area(5),
        help_text=_("The minute stays as it was signed; this is printed under it."),
    )


class MinutesFilterForm(forms.Form):
    """The minutes of a period (GET): from, to (default: this month), class, outcome. A bad
    value is an error shown on the form; the list then falls back to its defaults."""

    classroom = forms.ModelChoiceField(
        label=_("Class"),
        queryset=Classroom.objects.none(),
        required=False,
        empty_label=_("All classes"),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("All outcomes")), *HomeVisit.Outcome.choices],
        required=False,
    )

    def __init__(self, *args, classrooms, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        # ?from=&to= in the address: "from" is a Python keyword, so these are added here.
        self.fields = {
            "from": forms.DateField(label=_("From"), required=False, widget=DateInput()),
            "to": forms.DateField(label=_("To"), required=False, widget=DateInput()),
            **self.fields,
        }
        self.fields["classroom"].queryset = classrooms
        self.today = today
        self.fields["from"].initial, self.fields["to"].initial = self.default_period()
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if select else "form-control form-control-sm"
            )

    def default_period(self) -> tuple[datetime.date, datetime.date]:
        first = self.today.replace(day=1)
        next_month = (first + datetime.timedelta(days=32)).replace(day=1)
        return first, next_month - datetime.timedelta(days=1)

    def clean(self):
        data = super().clean()
        start, end = self.default_period()
        start = data.get("from") or start
        end = data.get("to") or end
        if start > end:
            raise forms.ValidationError(_("The start of the period is after its end."))
        if (end - start).days > MAX_RANGE_DAYS:
            raise forms.ValidationError(_("Choose a period of at most one year."))
        data["from"], data["to"] = start, end
        return data

    def filters(self) -> dict:
        """date_from, date_to, classroom, outcome: the cleaned values or the defaults."""
        if self.is_bound and self.is_valid():
            d = self.cleaned_data
            return {
                "date_from": d["from"],
                "date_to": d["to"],
                "classroom": d.get("classroom"),
                "outcome": d.get("outcome") or "",
            }
        start, end = self.default_period()
        return {"date_from": start, "date_to": end, "classroom": None, "outcome": ""}
