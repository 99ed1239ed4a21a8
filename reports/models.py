"""Reports to the office. What a report needs beyond the figures computed from the data: the
narrative and the document details the school writes itself."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import School, TimestampedModel, User


class ClassSizeReportText(TimestampedModel):
    """What the school writes on its monthly class-size report (S3): the document number, the
    answers to CV 6622's three questions, the recipients and the signer. Figures are never
    stored here: they come from the confirmed class figures."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month"))
    number = models.CharField(
        _("document number"), max_length=20, blank=True, help_text=_("For example: 05")
    )
    unusual_changes = models.TextField(_("unusual changes this month"), blank=True)
    causes = models.TextField(_("causes"), blank=True)
    measures = models.TextField(_("measures taken and planned"), blank=True)
    recipients = models.TextField(
        _("recipients"),
        blank=True,
        help_text=_("One per line; empty: the governing body and the archive"),
    )
    signer_name = models.CharField(
        _("signed by"), max_length=150, blank=True, help_text=_("Empty: the principal")
    )
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("written by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("class-size report text")
        verbose_name_plural = _("class-size report texts")
        ordering = ["-month", "school"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "month"], name="reports_classsizereporttext_one_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.month:%m/%Y}"
