"""The filters of the early-warning list (GET). An unknown value is an error shown on the form and
the list falls back to its defaults: no input can break the page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import Classroom


class WarningFilterForm(forms.Form):
    classroom = forms.ModelChoiceField(
        label=_("Class"),
        queryset=Classroom.objects.none(),
        required=False,
        empty_label=_("All classes"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    grade = forms.TypedChoiceField(
        label=_("Grade block"),
        choices=[("", _("All grade blocks")), *Classroom.GRADES],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    without_case = forms.BooleanField(
        label=_("Only students without a case"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, classrooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms

    def filters(self) -> dict:
        """classroom, grade, without_case: the cleaned values, or the defaults when invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "classroom": data.get("classroom"),
            "grade": data.get("grade"),
            "without_case": bool(data.get("without_case")),
        }
