"""The roster upload form: it checks the file's size and kind; the service reads the file."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from schools.models import Classroom

from .forms import DateInput
from .importers import MSG_FILE_TYPE

MSG_FILE_TOO_LARGE = _("The file is too large (at most %(size)s MB).")
EXTENSIONS = (".xlsx", ".csv", ".txt")


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Class list file"),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    classroom = forms.ModelChoiceField(
        label=_("Class"),
        queryset=Classroom.objects.none(),
        required=False,
        empty_label=_("The classes named in the file"),
        help_text=_(
            "Choose a class only when the file is one class's list without a Class column."
        ),
    )
    start_date = forms.DateField(
        label=_("Enrolment date"),
        widget=DateInput(),
        help_text=_(
            "Students put in a class are recorded from this date: up to the headcount date as "
            "enrolled at the start of the year, after it as transferred in."
        ),
    )

    def __init__(self, *args, classrooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        if classrooms is not None:
            self.fields["classroom"].queryset = classrooms
        self.max_bytes = settings.IMPORT_MAX_BYTES
        self.fields["file"].help_text = _("Excel (.xlsx) or CSV, at most %(size)s MB.") % {
            "size": self.max_bytes // (1024 * 1024)
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                MSG_FILE_TOO_LARGE % {"size": self.max_bytes // (1024 * 1024)}
            )
        if not (upload.name or "").lower().endswith(EXTENSIONS):
            raise forms.ValidationError(MSG_FILE_TYPE)
        return upload
