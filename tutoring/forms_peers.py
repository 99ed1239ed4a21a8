"""Forms of the peer-pair pages (đôi bạn cùng tiến), counselling and family contacts about
learning. They parse; the services decide (see services_peers, services_counselling)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from retention.models import FamilyContact
from schools.models import Subject, User
from students.forms import DateInput
from students.models import Student

from .models import Counselling, PeerPair, Term


class PeerPairForm(forms.Form):
    """Students are the class's (given by the view, fetched once); subjects too."""

    helped = forms.TypedChoiceField(label=_("Student who needs help"), coerce=int)
    subject = forms.TypedChoiceField(label=_("Subject"), coerce=int)
    helper = forms.TypedChoiceField(label=_("Helping student"), coerce=int)
    start_date = forms.DateField(label=_("From"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "How they will work together. Required when the student has no active weak record "
            "in the subject: say why the pair is needed."
        ),
    )

    def __init__(self, *args, students: list[Student], subjects: list[Subject], **kwargs):
        super().__init__(*args, **kwargs)
        self.students = {s.pk: s for s in students}
        self.subjects = {s.pk: s for s in subjects}
        people = [("", "—"), *[(s.pk, s.full_name) for s in students]]
        self.fields["helped"].choices = people
        self.fields["helper"].choices = people
        self.fields["subject"].choices = [("", "—"), *[(s.pk, s.name) for s in subjects]]

    def clean(self):
        data = super().clean()
        if data.get("helped") and data.get("helped") == data.get("helper"):
            self.add_error(
                "helper", _("A student cannot help themselves: choose two different students.")
            )
        return data

    def objects(self) -> dict:
        d = self.cleaned_data
        return {
            "helped": self.students[d["helped"]],
            "helper": self.students[d["helper"]],
            "subject": self.subjects[d["subject"]],
            "start_date": d["start_date"],
            "note": d.get("note") or "",
        }


class PeerPairUpdateForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=PeerPair.Outcome.choices)
    end_date = forms.DateField(
        label=_("Ended on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty while the pair goes on."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    def loaded_at(self) -> datetime.datetime | None:
        """When the pair was last saved, as the form loaded it (None if unreadable)."""
        try:
            return datetime.datetime.fromisoformat(self.cleaned_data.get("loaded") or "")
        except ValueError:
            return None


class CounsellingForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    counsellor = forms.TypedChoiceField(label=_("Counselled by"), coerce=int)
    choice = forms.ChoiceField(
        label=_("Choice after grade 9"),
        choices=Counselling.Choice.choices,
        widget=forms.RadioSelect,
    )
    parents_present = forms.BooleanField(
        label=_("Parents or guardians were present"), required=False
    )
    parent_names = forms.CharField(
        label=_("Parents or guardians present"),
        required=False,
        max_length=255,
        help_text=_("Name and relation, e.g. Nguyễn Văn Bình (father)"),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was discussed: the student's results, wishes, the family's view."),
    )

    def __init__(self, *args, staff: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {u.pk: u for u in staff}
        self.fields["counsellor"].choices = [(u.pk, u.full_name) for u in staff]

    def counsellor_user(self) -> User:
        return self.staff[self.cleaned_data["counsellor"]]


class LearningContactForm(forms.Form):
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
        help_text=_("Results, tutoring, what the family will do at home, the next step."),
    )

    def clean_content(self) -> str:
        return self.cleaned_data["content"].strip()


class ProgressLetterForm(forms.Form):
    """Options of the letter before printing. The comment is printed, not stored."""

    term = forms.TypedChoiceField(label=_("Results of"), coerce=int)
    comment = forms.CharField(
        label=_("The homeroom teacher's comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Printed in the letter only, not kept in the app. To keep a trace, record a "
            "contact with the family about learning."
        ),
    )

    def __init__(self, *args, terms: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Term.choices)
        self.fields["term"].choices = [(t, labels[t]) for t in terms]
