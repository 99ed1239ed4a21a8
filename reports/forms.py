"""Forms of the reports app: parse and normalise; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ClassSizeReportText


class ClassSizeReportTextForm(forms.ModelForm):
    class Meta:
        model = ClassSizeReportText
        fields = ["number", "unusual_changes", "causes", "measures", "recipients", "signer_name"]
        labels = {
            "number": _("Document number"),
            "unusual_changes": _("1. Were there unusual changes this month?"),
            "causes": _("2. What caused them?"),
            "measures": _("3. What has the school done, and what will it do?"),
            "recipients": _("Recipients (Nơi nhận), one per line"),
            "signer_name": _("Signed by"),
        }
        widgets = {
            "unusual_changes": forms.Textarea(attrs={"rows": 3}),
            "causes": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
            "recipients": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_number(self) -> str:
        number = (self.cleaned_data.get("number") or "").strip()
        if number and not number.replace("-", "").replace(".", "").isalnum():
            raise forms.ValidationError(_("Use digits and letters only, for example 05."))
        return number
