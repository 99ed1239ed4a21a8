"""Forms of the plan pages. They parse and normalise (dd/mm/yyyy dates, "12,5" rates); the
services decide (see services_plans)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from lib.formatting import format_number, round_half_up
from lib.forms import VNDecimalField
from schools.models import Classroom, Subject
from students.forms import DateInput

from .models import TutoringPlan
from .services_plans import GoalInput, PlanInput

GRADE_CHOICES = [(g, str(g)) for g, _label in Classroom.GRADES]


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    start_date = forms.DateField(label=_("From"), widget=DateInput())
    end_date = forms.DateField(label=_("To"), widget=DateInput())
    parent = forms.ModelChoiceField(
        label=_("Part of the school's plan"),
        queryset=TutoringPlan.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    subjects = forms.ModelMultipleChoiceField(
        label=_("Subjects"),
        queryset=Subject.objects.order_by("order"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    grades = forms.TypedMultipleChoiceField(
        label=_("Grades"),
        choices=GRADE_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    targets = forms.CharField(
        label=_("Purpose and target students"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who the plan is for (students, classes, groups) and what it aims at."),
    )
    measures = forms.CharField(
        label=_("Measures"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One measure per line."),
    )
    people = forms.CharField(
        label=_("People and their tasks"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who does what: one person or team per line."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, parents=None, show_parent=True, **kwargs):
        super().__init__(*args, **kwargs)
        if show_parent and parents is not None:
            self.fields["parent"].queryset = parents
        else:
            del self.fields["parent"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The plan cannot end before it starts."))
        return data


class GoalForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    subject = forms.TypedChoiceField(
        label=_("Subject"), choices=[], coerce=int, empty_value=None, required=False
    )
    grade = forms.TypedChoiceField(
        label=_("Grade"),
        choices=[("", "—"), *[(g, str(g)) for g, _label in Classroom.GRADES]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    description = forms.CharField(
        label=_("Goal"),
        max_length=255,
        required=False,
        help_text=_("Left empty: written from the subject, grade and rates."),
    )
    baseline_percent = VNDecimalField(
        label=_("Weak rate now (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
    )
    target_percent = VNDecimalField(
        label=_("Target weak rate (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
    )

    def __init__(self, *args, subjects: list[Subject], **kwargs):
        # The subjects come from the formset, fetched once: no query per row.
        super().__init__(*args, **kwargs)
        self.subjects = {s.pk: s for s in subjects}
        self.fields["subject"].choices = [("", "—"), *[(s.pk, s.name) for s in subjects]]

    def clean_subject(self) -> Subject | None:
        pk = self.cleaned_data.get("subject")
        return self.subjects.get(pk) if pk is not None else None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        subject = data.get("subject")
        description = (data.get("description") or "").strip()
        baseline, target = data.get("baseline_percent"), data.get("target_percent")
        if not description and subject is None:
            raise forms.ValidationError(_("Choose a subject or write the goal."))
        if not description:
            parts = {"subject": subject.name}
            if data.get("grade"):
                description = _("Weak rate in %(subject)s, grade %(grade)s") % {
                    **parts,
                    "grade": data["grade"],
                }
            else:
                description = _("Weak rate in %(subject)s") % parts
            if baseline is not None and target is not None:
                description += ": " + _("from %(from)s %% to %(to)s %%") % {
                    "from": format_number(baseline, 1),
                    "to": format_number(target, 1),
                }
            elif target is not None:
                description += ": " + _("down to %(to)s %%") % {"to": format_number(target, 1)}
        data["description"] = str(description)
        return data

    def as_input(self) -> GoalInput:
        d = self.cleaned_data
        return GoalInput(
            id=d.get("id"),
            subject=d.get("subject"),
            grade=d.get("grade"),
            description=d["description"],
            baseline_percent=d.get("baseline_percent"),
            target_percent=d.get("target_percent"),
        )


class BaseGoalFormSet(forms.BaseFormSet):
    def __init__(self, *args, subjects: list[Subject], **kwargs):
        self.subjects = subjects
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "subjects": self.subjects}

    def goals(self) -> list[GoalInput]:
        out = []
        for form in self.forms:
            if not form.has_changed() and not form.initial:
                continue  # an empty extra row
            if self.can_delete and self._should_delete_form(form):
                continue
            if not form.cleaned_data:
                continue
            out.append(form.as_input())
        return out


GoalFormSet = forms.formset_factory(
    GoalForm,
    formset=BaseGoalFormSet,
    extra=3,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


def rate_text(value: Decimal | None) -> str:
    """12.50 → "12,5"; 12.25 → "12,25": a rate as the form shows it."""
    if value is None:
        return ""
    return format_number(value, 1 if value == round_half_up(value, 1) else 2)


def goal_initial(goals) -> list[dict]:
    return [
        {
            "id": g.pk,
            "subject": g.subject_id,
            "grade": g.grade,
            "description": g.description,
            "baseline_percent": rate_text(g.baseline_percent),
            "target_percent": rate_text(g.target_percent),
        }
        for g in goals
    ]


def plan_initial(plan: TutoringPlan, subjects, goals) -> dict:
    return {
        "title": plan.title,
        "start_date": plan.start_date,
        "end_date": plan.end_date,
        "parent": plan.parent_id,
        "subjects": [s.pk for s in subjects],
        "grades": [int(g) for g in plan.grades.split(",") if g.strip().isdigit()],
        "targets": plan.targets,
        "measures": plan.measures,
        "people": plan.people,
        "version": plan.version,
    }


def plan_input(form: PlanForm, goals: GoalFormSet) -> PlanInput:
    d = form.cleaned_data
    return PlanInput(
        title=d["title"],
        start_date=d["start_date"],
        end_date=d["end_date"],
        subjects=list(d.get("subjects") or []),
        grades=list(d.get("grades") or []),
        targets=d.get("targets") or "",
        measures=d.get("measures") or "",
        people=d.get("people") or "",
        parent=d.get("parent"),
        goals=goals.goals(),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return for changes"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for return"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
