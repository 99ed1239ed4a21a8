"""Keeping class size (duy trì sĩ số): roll calls and absences, lateness and skipped periods,
absence alerts, contacts with families and the monthly class-size confirmation.

Dropout-risk cases, home visits and their minutes, partners, sponsors and mentors are in
``models_cases`` (issue 6).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Classroom, SchoolYear, TimestampedModel, User
from students.models import Student


class Session(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")


class RollCall(TimestampedModel):
    """The roll of one class for one session of one day. Its existence means the roll was taken:
    a day with no absences differs from a day nobody recorded."""

    classroom = models.ForeignKey(
        Classroom, verbose_name=_("class"), on_delete=models.CASCADE, related_name="roll_calls"
    )
    date = models.DateField(_("date"))
    session = models.CharField(_("session"), max_length=10, choices=Session.choices)
    taken_by = models.ForeignKey(
        User, verbose_name=_("taken by"), on_delete=models.PROTECT, related_name="+"
    )
    # Bumped on every save: a form that loaded an older version merges instead of overwriting.
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("roll call")
        verbose_name_plural = _("roll calls")
        ordering = ["-date", "session"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "date", "session"], name="retention_rollcall_one_per_session"
            )
        ]
        indexes = [
            # "Classes whose roll is not taken today" and the week/month views.
            models.Index(fields=["date", "classroom"], name="retention_rollcall_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.classroom} {self.date:%d/%m/%Y} {self.get_session_display()}"


class Absence(TimestampedModel):
    class Status(models.TextChoices):
        EXCUSED = "P", _("Excused (P)")
        UNEXCUSED = "K", _("Unexcused (K)")

    roll_call = models.ForeignKey(
        RollCall, verbose_name=_("roll call"), on_delete=models.CASCADE, related_name="absences"
    )
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="absences"
    )
    # Copied from the roll call so a student's absences are counted without a join.
    date = models.DateField(_("date"))
    session = models.CharField(_("session"), max_length=10, choices=Session.choices)
    status = models.CharField(_("status"), max_length=1, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["date", "session"]
        constraints = [
            models.UniqueConstraint(
                fields=["roll_call", "student"], name="retention_absence_one_per_roll"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["P", "K"]), name="retention_absence_status_valid"
            ),
        ]
        indexes = [
            # A student's absences in a period (alerts, 45-session count, student page).
            models.Index(fields=["student", "date"], name="retention_absence_student_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.status}"


class ConductEvent(TimestampedModel):
    """Lateness (đi trễ) or skipped periods (bỏ tiết), usually reported by the youth union."""

    class Kind(models.TextChoices):
        LATE = "late", _("Late")
        SKIPPED = "skipped", _("Skipped periods")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="conduct_events"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    periods = models.CharField(_("periods"), max_length=30, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lateness or skipped period")
        verbose_name_plural = _("lateness and skipped periods")
        ordering = ["-date"]
        indexes = [models.Index(fields=["student", "date"], name="retention_conduct_student_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.kind}"


class AbsenceAlert(TimestampedModel):
    """A student the GVCN must act on, with why. A family contact acknowledges it."""

    class Kind(models.TextChoices):
        CONSECUTIVE = "consecutive", _("Absent several days in a row")
        WINDOW = "window", _("Absent many days recently")
        UNEXCUSED = "unexcused", _("Repeated unexcused absences")
        SESSIONS_WARNING = "sessions_warning", _("Approaching the 45-session limit")
        SESSIONS_OVER = "sessions_over", _("Over the 45-session limit")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="alerts"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="+"
    )
    classroom = models.ForeignKey(
        Classroom, verbose_name=_("class"), on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), default=0, help_text=_("For session warnings: the count reached (30, 40 …)")
    )
    reason = models.CharField(_("why"), max_length=255)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    opened_on = models.DateField(_("raised on"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("absence alert")
        verbose_name_plural = _("absence alerts")
        ordering = ["-opened_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "kind", "level"],
                condition=Q(acknowledged_at__isnull=True),
                name="retention_alert_one_open_per_kind",
            )
        ]
        indexes = [
            # Alert lists: open alerts of a class or a school year.
            models.Index(fields=["classroom", "acknowledged_at"], name="retention_alert_class_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class FamilyContact(TimestampedModel):
    class Method(models.TextChoices):
        PHONE = "phone", _("Phone call")
        MESSAGE = "message", _("Message (Zalo, SMS)")
        MEETING = "meeting", _("Meeting at school")
        VISIT_PLANNED = "visit_planned", _("Home visit planned")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="family_contacts"
    )
    date = models.DateField(_("date"))
    method = models.CharField(_("how"), max_length=15, choices=Method.choices)
    topic = models.CharField(
        _("about"),
        max_length=12,
        choices=[
            ("attendance", _("Attendance")),
            ("learning", _("Learning and tutoring")),
            ("other", _("Other")),
        ],
        default="attendance",
    )
    contact_person = models.CharField(_("who was contacted"), max_length=150)
    content = models.TextField(_("what was said"))
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    alerts = models.ManyToManyField(
        AbsenceAlert, verbose_name=_("alerts answered"), blank=True, related_name="contacts"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("family contact")
        verbose_name_plural = _("family contacts")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.method}"


class ClassSizeConfirmation(TimestampedModel):
    """The GVCN's monthly confirmation of their class's figures (between the 15th and 25th).
    The figures are frozen as confirmed; the school's monthly report is the set of these."""

    classroom = models.ForeignKey(
        Classroom,
        verbose_name=_("class"),
        on_delete=models.CASCADE,
        related_name="size_confirmations",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month"))
    figures = models.JSONField(_("figures"))
    explanation = models.TextField(_("explanation of changes"), blank=True)
    confirmed_by = models.ForeignKey(
        User, verbose_name=_("confirmed by"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("class-size confirmation")
        verbose_name_plural = _("class-size confirmations")
        ordering = ["-month", "classroom"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "month"], name="retention_confirmation_one_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.classroom} {self.month:%m/%Y}"


# Dropout-risk cases, visits, partners, sponsors, mentors (issue 6) live in their own module.
from .models_cases import (  # noqa: E402, F401
    CaseEvent,
    HomeVisit,
    MentorContact,
    Mentorship,
    Partner,
    PersonMet,
    RecordAccess,
    RiskCase,
    RiskFactor,
    Sponsor,
    Support,
    VisitAmendment,
    VisitAttachment,
)
