from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from lib.forms import VNDecimalField
from schools.models import Classroom

from .models import DropoutCause, Guardian, Student
from .services import Movement


class DateInput(forms.DateInput):
    """dd/mm/yyyy text input: works the same on every phone, no locale surprises."""

    def __init__(self, **kwargs):
        super().__init__(
            format="%d/%m/%Y",
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"},
            **kwargs,
        )


class StudentForm(forms.ModelForm):
    class Meta:
        model = Student
        fields = [
            "code",
            "family_name",
            "given_name",
            "date_of_birth",
            "gender",
            "ethnicity",
            "hamlet",
            "commune",
            "address",
            "household",
            "orphan",
            "disability",
            "distance_km",
            "lives_away_from_parents",
            "notes",
        ]
        widgets = {"date_of_birth": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"distance_km": VNDecimalField}

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


GuardianFormSet = inlineformset_factory(
    Student,
    Guardian,
    fields=["full_name", "relation", "phone", "occupation", "is_primary"],
    extra=1,
    max_num=4,
    can_delete=True,
)


class MovementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Movement"), choices=Movement.CHOICES)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    classroom = forms.ModelChoiceField(
        label=_("Class"), queryset=Classroom.objects.none(), required=False
    )
    causes = forms.MultipleChoiceField(
        label=_("Causes of dropping out"),
        choices=DropoutCause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Reason / note"), max_length=255, required=False)

    def __init__(self, *args, classrooms=None, enrolled: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if classrooms is not None:
            self.fields["classroom"].queryset = classrooms
        if enrolled is not None:
            # Offer only what can happen next: a student in a class can leave or move; one who
            # is not in a class can arrive (or return).
            allowed = {Movement.MOVE_CLASS} | Movement.DEPARTURES if enrolled else Movement.ARRIVALS
            self.fields["kind"].choices = [c for c in Movement.CHOICES if c[0] in allowed]


class StudentSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or code"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )
    classroom = forms.ModelChoiceField(
        label=_("Class"),
        queryset=Classroom.objects.none(),
        required=False,
        empty_label=_("All classes"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, classrooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        if classrooms is not None:
            self.fields["classroom"].queryset = classrooms
