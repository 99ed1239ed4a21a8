"""Forms of the risk-case pages. They parse; the services decide (see services_cases)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from students.forms import DateInput
from students.models import DropoutCause

from .models_cases import CaseEvent, Partner, RiskCase, RiskFactor
from .selectors_cases import Show

Status = RiskCase.Status
SELECT_SM = {"class": "form-select form-select-sm"}


class CaseFilterForm(forms.Form):
    """The filters of the case list (GET). An unknown value is ignored: no input breaks the
    page."""

    show = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Show.ACTIVE, _("Open and monitoring")),
            *Status.choices,
            (Show.ALL, _("All cases")),
        ],
        required=False,
        widget=forms.Select(attrs=SELECT_SM),
    )
    classroom = forms.ModelChoiceField(
        label=_("Class"),
        queryset=None,
        required=False,
        empty_label=_("All classes"),
        widget=forms.Select(attrs=SELECT_SM),
    )
    escalated = forms.BooleanField(label=_("Escalated only"), required=False)
    mine = forms.BooleanField(label=_("In my charge"), required=False)

    def __init__(self, *args, classrooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "show": data.get("show") or Show.ACTIVE,
            "classroom": data.get("classroom"),
            "escalated": bool(data.get("escalated")),
            "mine": bool(data.get("mine")),
        }


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name or obj.username


class CaseOpenForm(forms.Form):
    risk_factors = forms.MultipleChoiceField(
        label=_("Risk factors"),
        choices=RiskFactor.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one risk factor.")},
    )
    summary = forms.CharField(
        label=_("Situation"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the school knows: absences, the family's situation, what was tried."),
    )
    owner = StaffChoiceField(
        label=_("In charge"),
        queryset=None,
        help_text=_("Usually the homeroom teacher."),
    )
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput())

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff


class CaseStatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    causes = forms.MultipleChoiceField(
        label=_("Causes of dropping out"),
        choices=DropoutCause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    override_reason = forms.CharField(
        label=_("Why close it as dropped out with fewer visits"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The principal only: needed when the case has fewer visits than required."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=255,
        required=False,
        help_text=_("For example: where the student transferred, why the case is closed."),
    )

    def __init__(self, *args, current: str, principal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [c for c in Status.choices if c[0] != current]
        if not principal:
            del self.fields["override_reason"]


class CaseEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to record"), choices=())
    date = forms.DateField(label=_("Date"), widget=DateInput())
    action = forms.ChoiceField(
        label=_("What the leadership did"),
        choices=[("", "—"), *CaseEvent.Action.choices],
        required=False,
    )
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=None, required=False)
    text = forms.CharField(
        label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, can_lead: bool, partners, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [(CaseEvent.Kind.NOTE, CaseEvent.Kind.NOTE.label)]
        if can_lead:
            kinds.append((CaseEvent.Kind.LEADERSHIP, CaseEvent.Kind.LEADERSHIP.label))
        kinds.append((CaseEvent.Kind.PARTNER, CaseEvent.Kind.PARTNER.label))
        self.fields["kind"].choices = kinds
        self.fields["partner"].queryset = partners
        if not can_lead:
            del self.fields["action"]


class CaseOwnerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    owner = StaffChoiceField(label=_("New person in charge"), queryset=None)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff


class PartnerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Partner.Kind.choices)
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("For example: UBND xã Tân Lập, Tổ vận động thôn 3"),
    )
    contact_person = forms.CharField(label=_("Contact person"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Still working with us"), required=False, initial=True)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())
