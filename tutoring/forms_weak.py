"""Forms of the weak-student register. They parse; the services decide (see services_weak)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import Classroom

from .models import Term, WeakCause, WeakRecord
from .selectors_weak import OVERALL, Filters

SELECT = {"class": "form-select form-select-sm"}


class WeakFilterForm(forms.Form):
    """The list's filters (GET). A value not understood is shown as an error and ignored."""

    STATES = [
        ("current", _("Still weak")),
        ("resolved", _("No longer weak")),
        ("all", _("Still weak or not")),
    ]

    classroom = forms.ModelChoiceField(
        label=_("Class"),
        queryset=Classroom.objects.none(),
        required=False,
        empty_label=_("All classes"),
        widget=forms.Select(attrs=SELECT),
    )
    grade = forms.TypedChoiceField(
        label=_("Grade block"),
        choices=[("", _("All grade blocks")), *[(g, str(g)) for g in (6, 7, 8, 9)]],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    subject = forms.ChoiceField(
        label=_("Subject"), required=False, widget=forms.Select(attrs=SELECT)
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Proposed or confirmed")), *WeakRecord.Status.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    origin = forms.ChoiceField(
        label=_("Found by"),
        choices=[("", _("Any way")), *WeakRecord.Origin.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    state = forms.ChoiceField(
        label=_("Still weak?"), choices=STATES, required=False, widget=forms.Select(attrs=SELECT)
    )
    uncovered = forms.BooleanField(
        label=_("Not yet covered by a group or a peer"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, classrooms, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms
        self.fields["subject"].choices = [
            ("", _("All subjects")),
            (OVERALL, _("Weak overall")),
            *[(str(s.pk), s.name) for s in subjects],
        ]

    def filters(self) -> Filters:
        if not self.is_bound:
            return Filters()
        # Keep the fields that are valid: one bad value does not drop the others.
        self.is_valid()
        data = self.cleaned_data
        classroom = data.get("classroom")
        return Filters(
            classroom_id=classroom.pk if classroom else None,
            grade=data.get("grade"),
            subject=data.get("subject") or "",
            status=data.get("status") or "",
            origin=data.get("origin") or "",
            state=data.get("state") or "current",
            uncovered=bool(data.get("uncovered")),
        )


class CausesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Causes"))
        super().__init__(choices=WeakCause.choices, required=False, **kwargs)


class WeakRecordForm(forms.Form):
    """The GVCN's form on the record page: causes, their own words, the evidence."""

    causes = CausesField()
    cause_note = forms.CharField(
        label=_("Causes in your words"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Survey or test scores, what teachers saw. Dismissal reasons are kept here."),
    )
    version = forms.CharField(widget=forms.HiddenInput)


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this student not weak?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.CharField(widget=forms.HiddenInput)

    def clean_reason(self) -> str:
        return self.cleaned_data["reason"].strip()


class ReferForm(forms.Form):
    """A teacher refers a student: which student, which subject (or overall), what they saw."""

    student = forms.ModelChoiceField(
        label=_("Student"), queryset=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    subject = forms.ChoiceField(
        label=_("Weak in"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    evidence = forms.CharField(
        label=_("What you saw"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. start-of-year survey: Toán 3,5; cannot do fractions."),
    )
    causes = CausesField(label=_("Likely causes"))

    def __init__(self, *args, students, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["student"]
        field.queryset = students
        field.label_from_instance = lambda s: f"{s.class_name} · {s.full_name}"
        self.fields["subject"].choices = [
            ("", _("Overall (several subjects)")),
            *[(str(s.pk), s.name) for s in subjects],
        ]
        self.subjects = {str(s.pk): s for s in subjects}

    def clean_evidence(self) -> str:
        return self.cleaned_data["evidence"].strip()

    def clean_subject(self):
        value = self.cleaned_data.get("subject") or ""
        return self.subjects.get(value)


class ClassCausesForm(forms.Form):
    """One student on the class page (prefix ``s<student id>``)."""

    causes = CausesField()
    cause_note = forms.CharField(
        label=_("In your words"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    confirm = forms.BooleanField(
        label=_("Confirm"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "role": "switch"}),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["causes"].widget.attrs["class"] = "form-check-input"
        self.fields["cause_note"].widget.attrs["class"] = "form-control form-control-sm"


# --- progress -------------------------------------------------------------------------------------


UNTIL_CHOICES = [
    ("", _("The whole year so far")),
    (str(Term.HK1.value), _("Semester I only")),
    (str(Term.HK2.value), _("Up to semester II")),
]


class ProgressFilterForm(forms.Form):
    """The progress page's window (GET); the drill-down adds who and what."""

    year = forms.TypedChoiceField(
        label=_("School year"),
        choices=[],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    until = forms.TypedChoiceField(
        label=_("Results counted"),
        choices=UNTIL_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    group = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    tutor = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    subject = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    grade = forms.TypedChoiceField(
        label=_("Grade block"),
        choices=[("", _("All grade blocks")), *[(g, str(g)) for g in (6, 7, 8, 9)]],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    source = forms.ChoiceField(
        label=_("Measured by"),
        choices=[
            ("", _("Any")),
            ("result", _("Term results")),
            ("checkpoint", _("Tests in the group")),
            ("none", _("Nothing yet")),
        ],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    progressed = forms.ChoiceField(
        label=_("Progressed"),
        choices=[("", _("Any")), ("yes", _("Yes")), ("no", _("Not yet"))],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y.pk, y.name) for y in years]

    def values(self) -> dict:
        """The valid fields' values (a bad one is ignored, never an error page)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
