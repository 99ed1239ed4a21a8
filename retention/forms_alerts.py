"""Forms of the alert pages. They parse; the services decide (see services_alerts)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from students.forms import DateInput

from .models import AbsenceAlert, FamilyContact
from .selectors_alerts import State


class AlertFilterForm(forms.Form):
    """The filters of the alert list (GET). An unknown value is an error shown on the form and
    the list falls back to its defaults: no input can break the page."""

    STATES = [
        (State.OPEN, _("Still open")),
        (State.OVERDUE, _("Overdue")),
        (State.ACKNOWLEDGED, _("Answered")),
        (State.ALL, _("All states")),
    ]

    classroom = forms.ModelChoiceField(
        label=_("Class"),
        queryset=None,
        required=False,
        empty_label=_("All classes"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    kind = forms.ChoiceField(
        label=_("Alert kind"),
        choices=[("", _("All kinds")), *AbsenceAlert.Kind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=STATES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, classrooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms

    def filters(self) -> dict:
        """classroom, kind, state: the cleaned values, or the defaults when invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "classroom": data.get("classroom"),
            "kind": data.get("kind") or "",
            "state": data.get("state") or State.OPEN,
        }


class FamilyContactForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    method = forms.ChoiceField(
        label=_("How"), choices=FamilyContact.Method.choices, widget=forms.RadioSelect
    )
    contact_person = forms.CharField(
        label=_("Who was contacted"),
        max_length=150,
        help_text=_("Name and relation, e.g. Nguyễn Văn Bình (father)"),
    )
    content = forms.CharField(
        label=_("What was said"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the student was absent, what the family promised, the next step."),
    )
    alerts = forms.TypedMultipleChoiceField(
        label=_("Alerts this contact answers"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, open_alerts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.open_alerts = {a.pk: a for a in open_alerts}
        field = self.fields["alerts"]
        field.choices = [(a.pk, f"{a.get_kind_display()}: {a.reason}") for a in open_alerts]
        if not open_alerts:
            field.widget = forms.MultipleHiddenInput()

    def clean_content(self) -> str:
        return self.cleaned_data["content"].strip()

    def ticked_alerts(self) -> list[AbsenceAlert]:
        return [self.open_alerts[pk] for pk in self.cleaned_data.get("alerts", [])]
