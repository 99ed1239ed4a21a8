"""Forms of the organisation pages. They parse and normalise; the services decide."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.forms import VNDecimalField
from students.forms import DateInput

from .models import (
    SCHOOL_ROLES,
    Classroom,
    Role,
    School,
    SchoolSettings,
    SchoolYear,
    Subject,
    SubjectGroup,
    User,
)

MSG_PHONE = _(
    "Enter a phone number with digits only (spaces, dots, dashes, + and brackets allowed)."
)
MSG_CLASS_AND_SUBJECT = _("A subject teacher needs both the class and the subject.")
MSG_NEEDS_GRADES = _("Tick the grade blocks this vice-principal answers for.")

# Django 6.1's label for an empty choice; Django's own Vietnamese catalogue lacks it, so naming
# it here puts it in ours (which Django reads first) and every select in the project speaks it.
BLANK_CHOICE = _("- Select an option -")

phone_validator = RegexValidator(r"^[0-9+().\s-]*$", MSG_PHONE)


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Wrong username or password. Check both and try again (letters are case-sensitive)."
        ),
        "inactive": _("This account is disabled. Ask your principal."),
    }


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    pass


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that fills its instance and checks each field, but leaves uniqueness and
    database constraints to the service: one place for the rules, one wording for the messages
    (and never a constraint's name on screen)."""

    def validate_unique(self) -> None:
        pass

    def validate_constraints(self) -> None:
        pass


def _phone_field(label=None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Phone"),
        max_length=20,
        required=False,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


def _initial_password_field(label=None) -> forms.CharField:
    # Shown as text: the principal reads it out to the person, who must change it at first login.
    return forms.CharField(
        label=label or _("Initial password"),
        max_length=128,
        strip=False,
        help_text=_(
            "At least 8 characters, not only digits. Tell it to the person: they must change "
            "it when they first log in."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "new-password", "spellcheck": "false"}),
    )


# --- schools (office staff) -------------------------------------------------------------------


class SchoolForm(ServiceModelForm):
    phone = _phone_field(_("School phone"))

    class Meta:
        model = School
        fields = [
            "office",
            "code",
            "name",
            "kind",
            "governing_body",
            "address",
            "commune",
            "province",
            "phone",
        ]

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices
        self.fields["office"].empty_label = None if len(offices) == 1 else BLANK_CHOICE

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()


class SchoolYearForm(ServiceModelForm):
    start_year = forms.IntegerField(
        label=_("First calendar year"),
        min_value=2000,
        max_value=2100,
        help_text=_("For the school year 2026-2027, enter 2026."),
    )

    class Meta:
        model = SchoolYear
        fields = [
            "start_year",
            "start_date",
            "semester1_end",
            "semester2_start",
            "end_date",
            "enrollment_snapshot_date",
            "saturday_classes",
            "regulation",
        ]
        labels = {
            "start_date": _("Opening day"),
            "semester1_end": _("End of semester I"),
            "semester2_start": _("Start of semester II"),
            "end_date": _("End of the school year"),
            "enrollment_snapshot_date": _("Start-of-year headcount date"),
            "saturday_classes": _("Classes on Saturday"),
            "regulation": _("Assessment regulation"),
        }
        widgets = {
            "start_date": DateInput(),
            "semester1_end": DateInput(),
            "semester2_start": DateInput(),
            "end_date": DateInput(),
            "enrollment_snapshot_date": DateInput(),
        }

    @staticmethod
    def initial_for(start_year: int) -> dict:
        """The ministry's usual frame, for the school to adjust to its province's dates."""
        opening = datetime.date(start_year, 9, 5)
        return {
            "start_year": start_year,
            "start_date": opening,
            "semester1_end": datetime.date(start_year + 1, 1, 16),
            "semester2_start": datetime.date(start_year + 1, 1, 18),
            "end_date": datetime.date(start_year + 1, 5, 29),
            "enrollment_snapshot_date": opening,
            "saturday_classes": True,
            "regulation": SchoolYear.Regulation.TT22,
        }

    @staticmethod
    def this_start_year() -> int:
        today = timezone.localdate()
        return today.year if today.month >= 6 else today.year - 1


class StaffCreateForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters without accents, digits and . _ - only; for example: lan.nguyen"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = _phone_field()
    password = _initial_password_field()


class PasswordResetForm(forms.Form):
    password = _initial_password_field(_("New temporary password"))


class StaffEditForm(ServiceModelForm):
    phone = _phone_field()

    class Meta:
        model = User
        fields = ["full_name", "phone"]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)


# --- roles ------------------------------------------------------------------------------------


class RoleForm(forms.Form):
    GRADE_CHOICES = [(str(g), str(g)) for g in (6, 7, 8, 9)]

    role = forms.ChoiceField(
        label=_("Role"), choices=[("", BLANK_CHOICE), *((r.value, r.label) for r in SCHOOL_ROLES)]
    )
    classroom = forms.ModelChoiceField(
        label=_("Class (homeroom or subject teacher)"),
        queryset=Classroom.objects.none(),
        required=False,
        empty_label=BLANK_CHOICE,
    )
    subject = forms.ModelChoiceField(
        label=_("Subject (subject teacher)"),
        queryset=Subject.objects.all(),
        required=False,
        empty_label=BLANK_CHOICE,
    )
    subject_group = forms.ModelChoiceField(
        label=_("Subject group (group head)"),
        queryset=SubjectGroup.objects.none(),
        required=False,
        empty_label=BLANK_CHOICE,
    )
    grades = forms.MultipleChoiceField(
        label=_("Grade blocks (vice-principal)"),
        choices=GRADE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, classrooms, subject_groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms
        self.fields["subject_group"].queryset = subject_groups

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == Role.SUBJECT_TEACHER and not (data.get("classroom") and data.get("subject")):
            self.add_error(None, MSG_CLASS_AND_SUBJECT)
        if role == Role.VICE_PRINCIPAL and not data.get("grades"):
            self.add_error("grades", MSG_NEEDS_GRADES)
        data["grade_blocks"] = ",".join(sorted(data.get("grades") or []))
        return data


# --- school setup -----------------------------------------------------------------------------


class HolidayForm(forms.Form):
    name = forms.CharField(label=_("Holiday name"), max_length=120)
    start_date = forms.DateField(label=_("From"), widget=DateInput())
    end_date = forms.DateField(label=_("To"), widget=DateInput())


class ClassroomForm(ServiceModelForm):
    class Meta:
        model = Classroom
        fields = ["name", "grade"]
        help_texts = {
            "name": _("For example: 6A1. A name starting with a number starts with its grade.")
        }

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split()).upper()


class SubjectGroupForm(ServiceModelForm):
    subjects = forms.ModelMultipleChoiceField(
        label=_("Subjects"),
        queryset=Subject.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SubjectGroup
        fields = ["name", "subjects"]


MSG_LEVELS_NUMBERS = _("Write whole numbers separated by commas, for example 30,40.")


def _small_number(label, help_text="", *, min_value=0, max_value=366) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=min_value,
        max_value=max_value,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


RISK_FIELDS = [
    "warning_window_days",
    "warning_absent_days",
    "warning_unexcused_sessions",
    "warning_conduct_events",
    "warning_weak_subjects",
    "warning_distance_km",
    "warning_result_drop",
    "visits_before_escalation",
    "minute_edit_hours",
]


def _optional_number(label, help_text="", *, min_value=0, max_value=366) -> forms.IntegerField:
    field = _small_number(label, help_text, min_value=min_value, max_value=max_value)
    field.required = False
    return field


class SchoolSettingsForm(ServiceModelForm):
    """The school's attendance, alert and class-size rules (parsed here; the service checks
    how they fit together)."""

    attendance_edit_days = _small_number(
        _("Days a homeroom teacher may correct the roll"),
        _("The principal and vice-principals may correct any day."),
    )
    alert_absent_days = _small_number(
        _("Alert when absent more than (school days)"),
        _("Consecutive, or in total within the window below. Usually 3."),
        min_value=1,
    )
    alert_window_days = _small_number(
        _("Window (the last school days)"),
        _("Absences scattered over this many school days also raise an alert. Usually 10."),
        min_value=1,
    )
    alert_unexcused_sessions = _small_number(
        _("Alert at this many unexcused sessions in the window"),
        _("Unexcused (K) sessions, morning or afternoon. Usually 2."),
        min_value=1,
    )
    alert_escalation_days = _small_number(
        _("Overdue after (school days without a family contact)"),
        _("Then the alert is highlighted to the vice-principal of the grade block. Usually 2."),
        min_value=1,
    )
    session_warning_levels = forms.CharField(
        label=_("Warn at these yearly absence counts"),
        help_text=_("Sessions absent this school year, comma separated, each below the limit."),
        max_length=30,
        required=False,
    )
    session_limit = _small_number(
        _("Yearly absence limit (sessions)"),
        _("More than this many sessions absent: not promoted (TT22, Article 12). Usually 45."),
        min_value=1,
    )
    confirm_from_day = _small_number(
        _("Monthly class-size confirmation from day"), min_value=1, max_value=31
    )
    confirm_to_day = _small_number(_("Until day"), min_value=1, max_value=31)
    dropout_target_percent = VNDecimalField(
        label=_("Dropout target (%)"),
        help_text=_("At most this share of the students at the start of the year. Usually 2."),
        max_digits=4,
        decimal_places=2,
        min_value=0,
        max_value=99,
    )
    weak_threshold = VNDecimalField(
        label=_("Weak in a subject below this average"),
        help_text=_("Usually 5,0 (the line TT22 uses for re-tests)."),
        max_digits=3,
        decimal_places=1,
        min_value=1,
        max_value=10,
    )
    progress_margin = VNDecimalField(
        label=_("Progress margin (points)"),
        help_text=_("Used only with the rule “rose by the margin”. For example 1,0."),
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=10,
    )
    group_max_students = _small_number(
        _("Most students in a tutoring group"),
        _("Thông tư 29/2024: at most 45."),
        min_value=1,
        max_value=45,
    )
    weekly_periods_limit = _small_number(
        _("Most tutoring periods a week per subject and student"),
        _("Thông tư 29/2024: at most 2, unless an exception is approved."),
        min_value=1,
        max_value=10,
    )

    # Dropout risk (issue 6). Optional: left empty, a rule takes its usual value (the model's
    # default), so a form saved before these rules existed keeps working.
    warning_window_days = _optional_number(
        _("Early warning looks at the last (days)"),
        _("Calendar days, today included. Usually 30."),
        min_value=7,
        max_value=120,
    )
    warning_absent_days = _optional_number(
        _("Warn when absent more than (days)"),
        _("Distinct days with an absence in that window. Usually 3."),
        min_value=1,
        max_value=60,
    )
    warning_unexcused_sessions = _optional_number(
        _("… or at this many unexcused sessions"),
        _("Unexcused (K) sessions in that window. Usually 2."),
        min_value=1,
        max_value=60,
    )
    warning_conduct_events = _optional_number(
        _("Warn at this many late arrivals or skipped periods"),
        _("In that window. Usually 3."),
        min_value=1,
        max_value=60,
    )
    warning_weak_subjects = _optional_number(
        _("Warn when weak in at least (subjects)"),
        _("Still-weak subjects in the register; weak overall always warns. Usually 2."),
        min_value=1,
        max_value=14,
    )
    warning_distance_km = VNDecimalField(
        label=_("Far from school from (km)"),
        help_text=_("A family circumstance: it warns only together with another one. Usually 5,0."),
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=100,
        required=False,
    )
    warning_result_drop = VNDecimalField(
        label=_("Warn when the average fell by at least (points)"),
        help_text=_("Latest semester against the one before. Usually 1,0."),
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=10,
        required=False,
    )
    visits_before_escalation = _optional_number(
        _("Escalate to the leadership after (home visits without a return)"),
        _(
            "Visits that did not bring the student back (nobody home, refused, will think). "
            "Usually 3."
        ),
        min_value=1,
        max_value=10,
    )
    minute_edit_hours = _optional_number(
        _("The author may correct a visit minute within (hours)"),
        _("After that, changes are amendments kept with their history. Usually 24."),
        min_value=1,
        max_value=168,
    )

    class Meta:
        model = SchoolSettings
        fields = [
            "sessions",
            "official_session",
            "attendance_edit_days",
            "alert_absent_days",
            "alert_window_days",
            "alert_unexcused_sessions",
            "alert_escalation_days",
            "session_warning_levels",
            "session_limit",
            "confirm_from_day",
            "confirm_to_day",
            "dropout_target_percent",
            "weak_threshold",
            "progress_rule",
            "progress_margin",
            "group_max_students",
            "weekly_periods_limit",
            "gifted_training",
            *RISK_FIELDS,
        ]
        labels = {
            "progress_rule": _("A weak student progressed when"),
            "gifted_training": _("The school also runs gifted-student training in the app"),
            "sessions": _("Sessions taught"),
            "official_session": _("Session of the official plan"),
        }
        help_texts = {
            "official_session": _(
                "Absences from this session count toward the yearly limit (TT22: the plan of "
                "one session a day)."
            ),
        }

    GROUPS = [
        (_("Roll call"), ["sessions", "official_session", "attendance_edit_days"]),
        (
            _("Absence alerts"),
            [
                "alert_absent_days",
                "alert_window_days",
                "alert_unexcused_sessions",
                "alert_escalation_days",
            ],
        ),
        (_("The yearly absence limit"), ["session_warning_levels", "session_limit"]),
        (_("Class size"), ["confirm_from_day", "confirm_to_day", "dropout_target_percent"]),
        (
            _("Weak students and tutoring"),
            [
                "weak_threshold",
                "progress_rule",
                "progress_margin",
                "group_max_students",
                "weekly_periods_limit",
                "gifted_training",
            ],
        ),
        (_("Dropout risk and home visits"), RISK_FIELDS),
    ]

    def clean(self):
        """A dropout-risk rule left empty takes its usual value; one not sent at all (a form of
        before these rules) keeps the school's."""
        cleaned = super().clean()
        for name in RISK_FIELDS:
            if cleaned.get(name) is not None or name in self.errors:
                continue
            omitted = self.fields[name].widget.value_omitted_from_data(
                self.data, self.files, self.add_prefix(name)
            )
            if omitted:
                cleaned[name] = getattr(self.instance, name)
            else:
                cleaned[name] = SchoolSettings._meta.get_field(name).get_default()
        return cleaned

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]

    def clean_session_warning_levels(self) -> str:
        """'40, 30;30' -> '30,40'."""
        parts = [p for p in re.split(r"[,;\s]+", self.cleaned_data["session_warning_levels"]) if p]
        if not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
            raise forms.ValidationError(MSG_LEVELS_NUMBERS)
        return ",".join(str(n) for n in sorted({int(p) for p in parts}))
