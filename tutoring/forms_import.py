"""The gradebook upload form: it checks the file's size and kind; the service reads the file."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from schools.models import Classroom

from .importers import MSG_FILE_TYPE
from .models import Term
from .services_import import IMPORTABLE_TERMS, MSG_FILE_TOO_LARGE


class ResultUploadForm(forms.Form):
    classroom = forms.ModelChoiceField(
        label=_("Class"), queryset=Classroom.objects.none(), empty_label=None
    )
    term = forms.TypedChoiceField(
        label=_("Results of"),
        coerce=int,
        choices=[(t.value, t.label) for t in IMPORTABLE_TERMS],
        help_text=_("The whole year is computed from the two semesters: it is not imported."),
    )
    file = forms.FileField(
        label=_("Gradebook file"),
        widget=forms.FileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, classrooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        if classrooms is not None:
            self.fields["classroom"].queryset = classrooms
        self.max_bytes = settings.IMPORT_MAX_BYTES
        self.fields["file"].help_text = _(
            "The Excel file (.xlsx) exported from SMAS or vnEdu for this class and term, at most "
            "%(size)s MB."
        ) % {"size": self.max_bytes // (1024 * 1024)}

    def clean_term(self) -> Term:
        return Term(self.cleaned_data["term"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                MSG_FILE_TOO_LARGE % {"size": self.max_bytes // (1024 * 1024)}
            )
        if not (upload.name or "").lower().endswith((".xlsx", ".xlsm")):
            raise forms.ValidationError(MSG_FILE_TYPE)
        return upload
