"""Forms of the mentor pages. They parse; the services decide (see services_mentors)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from students.forms import DateInput

from .models_cases import MentorContact, Mentorship
from .selectors_mentors import TEACHER_FILTERS, Candidate


class OptionSelect(forms.Select):
    """A select whose options can be disabled (a teacher who already mentors two students)."""

    def __init__(self, *args, disabled=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled = {str(v) for v in disabled}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.disabled:
            option["attrs"]["disabled"] = True
        return option


TEACHER_LABELS = {
    "all": _("All teachers"),
    "none": _("Without a mentee"),
    "room": _("Can take one more"),
    "full": _("Full (2 mentees)"),
}


class MentorFilterForm(forms.Form):
    """The leaders' filters (GET). An unknown value falls back to the default: no input breaks
    the page."""

    teachers = forms.ChoiceField(
        label=_("Teachers"),
        choices=[(k, TEACHER_LABELS[k]) for k in TEACHER_FILTERS],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    classroom = forms.ModelChoiceField(
        label=_("Mentees' class"),
        queryset=None,
        required=False,
        empty_label=_("All classes"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, classrooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {"teachers": data.get("teachers") or "all", "classroom": data.get("classroom")}


class MentorAssignForm(forms.Form):
    """Assign a mentor (leaders choose the teacher) or take a student on (a teacher: no teacher
    field). Without a student in the URL the form asks for one."""

    student = forms.TypedChoiceField(label=_("Student"), coerce=int)
    teacher = forms.TypedChoiceField(label=_("Mentor"), coerce=int)
    reason = forms.ChoiceField(
        label=_("Why"), choices=Mentorship.Reason.choices, widget=forms.RadioSelect
    )
    start_date = forms.DateField(label=_("From"), widget=DateInput())
    goals = forms.CharField(
        label=_("What we aim for"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. comes to school every day, catches up in Toán, talks with the family."),
    )

    def __init__(self, *args, candidates: list[Candidate] | None, students=None, **kwargs):
        """``candidates``: the teachers a leader may choose (None: the user takes the student
        on themselves). ``students``: (class, student) pairs to choose from (None: the student
        is given)."""
        super().__init__(*args, **kwargs)
        if candidates is None:
            del self.fields["teacher"]
            self.candidates = {}
        else:
            self.candidates = {c.teacher.pk: c for c in candidates}
            choices = [("", "—")]
            for c in candidates:
                label = f"{c.teacher.full_name} ({c.count}/{Mentorship.MAX_ACTIVE})"
                if c.mentees:
                    label += f": {', '.join(c.mentees)}"
                choices.append((c.teacher.pk, label))
            field = self.fields["teacher"]
            field.choices = choices
            field.widget = OptionSelect(
                choices=choices, disabled=[c.teacher.pk for c in candidates if c.full]
            )
            field.help_text = _(
                "In brackets: how many students each teacher already mentors. A teacher mentors "
                "at most 2 students at a time; full ones cannot be chosen."
            )
        if students is None:
            del self.fields["student"]
            self.students = {}
        else:
            self.students = {s.pk: s for _c, s in students}
            groups: dict[str, list] = {}
            for classroom, s in students:
                groups.setdefault(classroom.name, []).append((s.pk, s.full_name))
            self.fields["student"].choices = [("", "—"), *groups.items()]

    def clean_goals(self) -> str:
        return (self.cleaned_data.get("goals") or "").strip()

    def chosen_teacher(self):
        """The teacher chosen among the candidates (None when the form has no teacher field)."""
        pk = self.cleaned_data.get("teacher")
        return self.candidates[pk].teacher if pk in self.candidates else None

    def chosen_student(self):
        pk = self.cleaned_data.get("student")
        return self.students.get(pk)


class MentorContactForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    method = forms.ChoiceField(
        label=_("How"), choices=MentorContact.Method.choices, widget=forms.RadioSelect
    )
    content = forms.CharField(
        label=_("What we talked about"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the student is doing, what they need, what you agreed on."),
    )


class MentorshipEndForm(forms.Form):
    date = forms.DateField(label=_("Ended on"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why it ends"),
        max_length=255,
        help_text=_("E.g. the student is back on track; moved to another school."),
    )
