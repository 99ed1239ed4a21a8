"""Forms of the tutoring groups and sessions pages. They parse; the services decide
(``services_groups``, ``services_sessions``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lib.forms import VNDecimalField
from schools.models import Classroom, Subject, User
from students.forms import DateInput

from .models import Checkpoint, GroupKind, ScheduleSlot, TutoringPlan
from .services_groups import Slot

GRADE_CHOICES = [("", "—"), *Classroom.GRADES]
WEEKDAYS = [(k, v) for k, v in ScheduleSlot._meta.get_field("weekday").choices if k != 6]
SESSIONS = ScheduleSlot._meta.get_field("session").choices


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.username


class StaffSingleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.username


class GroupForm(forms.Form):
    """A group's own fields (the schedule is ``SlotFormSet``, the new members
    ``MemberPickForm``)."""

    kind = forms.ChoiceField(label=_("Purpose"), choices=GroupKind.choices)
    subject = forms.ModelChoiceField(
        label=_("Subject"), queryset=Subject.objects.none(), empty_label="—"
    )
    grade = forms.TypedChoiceField(label=_("Grade"), choices=GRADE_CHOICES, coerce=int)
    name = forms.CharField(
        label=_("Name of the group"),
        max_length=120,
        required=False,
        help_text=_("Left empty, a name is suggested, e.g. “Phụ đạo Toán 8 – nhóm 1”."),
    )
    tutors = StaffChoiceField(
        label=_("Tutors"),
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    plan = forms.ModelChoiceField(
        label=_("Tutoring plan"),
        queryset=TutoringPlan.objects.none(),
        required=False,
        empty_label=_("(no plan)"),
    )
    room = forms.CharField(label=_("Room"), max_length=60, required=False)
    start_date = forms.DateField(label=_("From"), widget=DateInput())
    end_date = forms.DateField(label=_("To"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    loaded_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, subjects, tutors, plans, gifted: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.fields["tutors"].queryset = tutors
        self.fields["plan"].queryset = plans
        if not gifted:
            self.fields["kind"].choices = [c for c in GroupKind.choices if c[0] != GroupKind.GIFTED]

    def pick(self) -> tuple[str, Subject, int] | None:
        """The purpose, subject and grade typed so far (to list candidates), or None."""
        if not self.is_bound:
            kind = self.initial.get("kind")
            subject = self.initial.get("subject")
            grade = self.initial.get("grade")
            if kind and subject and grade:
                return kind, subject, int(grade)
            return None
        values = []
        for name in ("kind", "subject", "grade"):
            field = self.fields[name]
            try:
                value = field.clean(field.widget.value_from_datadict(self.data, {}, name))
            except forms.ValidationError:
                return None
            values.append(value)
        return values[0], values[1], values[2]


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=[("", "—"), *WEEKDAYS], coerce=int, required=False
    )
    session = forms.ChoiceField(label=_("Session"), choices=[("", "—"), *SESSIONS], required=False)
    first_period = forms.IntegerField(label=_("From period"), min_value=1, max_value=10)
    periods = forms.IntegerField(label=_("Periods"), min_value=1, max_value=5)
    room = forms.CharField(label=_("Room"), max_length=60, required=False)

    def clean(self):
        data = super().clean()
        if data.get("weekday") in (None, ""):
            self.add_error("weekday", _("Choose the day."))
        if not data.get("session"):
            self.add_error("session", _("Choose the session."))
        return data

    def slot(self) -> Slot:
        d = self.cleaned_data
        return Slot(
            weekday=d["weekday"],
            session=d["session"],
            first_period=d["first_period"],
            periods=d["periods"],
            room=d.get("room") or "",
        )


class BaseSlotFormSet(forms.BaseFormSet):
    def slots(self) -> list[Slot]:
        """Kept slots: the loaded ones and any filled-in blank row, minus those ticked
        for deletion."""
        initial = self.initial_form_count()
        return [
            f.slot()
            for i, f in enumerate(self.forms)
            if (i < initial or f.has_changed())
            and not self._should_delete_form(f)
            and f.cleaned_data
        ]


SlotFormSet = forms.formset_factory(
    SlotForm, formset=BaseSlotFormSet, extra=2, max_num=10, can_delete=True
)


class MemberPickForm(forms.Form):
    """Dates shared by every ticked student; the ticks and each student's consent-giver and
    exception are read from ``m-<id>``, ``cb-<id>``, ``ex-<id>``."""

    registered_on = forms.DateField(
        label=_("Registration (Mẫu 01) dated"), required=False, widget=DateInput()
    )
    consent_on = forms.DateField(
        label=_("Parent's consent dated"), required=False, widget=DateInput()
    )

    def ticked_ids(self) -> list[int]:
        out = []
        for key in self.data:
            if key.startswith("m-") and key[2:].isdigit() and self.data.get(key):
                out.append(int(key[2:]))
        return out

    def row_values(self, student_id: int, default_consent_by: str) -> dict:
        """What the row shows: as typed when the form was sent back, else the defaults."""
        if not self.is_bound:
            return {"checked": False, "consent_by": default_consent_by, "exception": ""}
        return {
            "checked": bool(self.data.get(f"m-{student_id}")),
            "consent_by": self.data.get(f"cb-{student_id}", default_consent_by)[:150],
            "exception": self.data.get(f"ex-{student_id}", "")[:255],
        }

    def clean(self):
        data = super().clean()
        if self.ticked_ids():
            if not data.get("registered_on") and "registered_on" not in self.errors:
                self.add_error("registered_on", _("Enter the date of the registrations."))
            if not data.get("consent_on") and "consent_on" not in self.errors:
                self.add_error("consent_on", _("Enter the date of the parents' consent."))
        return data


class GroupFilterForm(forms.Form):
    subject = forms.ModelChoiceField(
        label=_("Subject"),
        queryset=Subject.objects.all(),
        required=False,
        empty_label=_("All subjects"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    grade = forms.TypedChoiceField(
        label=_("Grade"),
        choices=[("", _("All grades")), *Classroom.GRADES],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    kind = forms.ChoiceField(
        label=_("Purpose"),
        choices=[("", _("All purposes")), *GroupKind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    tutor = StaffSingleChoiceField(
        label=_("Tutor"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("All tutors"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, tutors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tutor"].queryset = tutors

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "subject": data.get("subject"),
            "grade": data.get("grade"),
            "kind": data.get("kind") or "",
            "tutor": data.get("tutor"),
        }


class RemoveMemberForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DateInput())
    left_reason = forms.CharField(
        label=_("Why they leave"),
        max_length=255,
        help_text=_("E.g. no longer weak after the mid-term test; moved to another school."),
    )


class SessionForm(forms.Form):
    """A session and, for each student ``a-<id>`` ("1" present, "0" absent) and ``r-<id>``
    (reason for an absence)."""

    date = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        error_messages={"invalid": _("Write the date as dd/mm/yyyy.")},
    )
    first_period = forms.IntegerField(
        label=_("From period"),
        min_value=1,
        max_value=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    periods = forms.IntegerField(
        label=_("Periods"),
        min_value=1,
        max_value=5,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    content = forms.CharField(
        label=_("Content taught"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write what was taught.")},
    )
    note = forms.CharField(
        label=_("Tutor's note"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, student_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.student_ids = list(student_ids)

    def attendance(self) -> dict[int, tuple[bool, str]]:
        """Each listed student's (present, reason): present unless "0" was sent."""
        out = {}
        for sid in self.student_ids:
            present = self.data.get(f"a-{sid}", "1") != "0"
            reason = (self.data.get(f"r-{sid}") or "").strip()[:255]
            out[sid] = (present, "" if present else reason)
        return out

    def marks(self, saved: dict[int, tuple[bool, str]] | None = None) -> dict[int, tuple]:
        """What each row shows: as sent, else as saved, else present."""
        if self.is_bound:
            return self.attendance()
        saved = saved or {}
        return {sid: saved.get(sid, (True, "")) for sid in self.student_ids}


class CheckpointForm(forms.Form):
    """A test for the whole group: when, the date, then ``s-<id>`` a score per member."""

    kind = forms.ChoiceField(
        label=_("When"), choices=Checkpoint.Kind.choices, widget=forms.RadioSelect
    )
    date = forms.DateField(label=_("Date of the test"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for m in self.members:
            self.fields[f"s-{m.student_id}"] = VNDecimalField(
                label=m.student.full_name,
                required=False,
                min_value=0,
                max_value=10,
                max_digits=3,
                decimal_places=1,
                error_messages={
                    "invalid": _("Write a score such as 6,5."),
                    "min_value": _("A score is between 0 and 10."),
                    "max_value": _("A score is between 0 and 10."),
                    "max_digits": _("A score is between 0 and 10."),
                    "max_decimal_places": _("At most one decimal, e.g. 6,5."),
                    "max_whole_digits": _("A score is between 0 and 10."),
                },
            )

    def rows(self):
        return [(m, self[f"s-{m.student_id}"]) for m in self.members]

    def scores(self) -> dict[int, object]:
        return {m.student_id: self.cleaned_data.get(f"s-{m.student_id}") for m in self.members}
