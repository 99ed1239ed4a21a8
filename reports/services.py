"""Writes of the reports app. Views call these; nothing else saves."""

import datetime

from django.db import transaction

from schools.models import School, User

from .models import ClassSizeReportText

TEXT_FIELDS = ("number", "unusual_changes", "causes", "measures", "recipients", "signer_name")


@transaction.atomic
def class_size_report_text_save(
    *, school: School, month: datetime.date, user: User, data: dict
) -> ClassSizeReportText:
    """Create or update what the school writes on its monthly class-size report. Only the text
    fields are taken from ``data``; the figures are never stored here."""
    text = ClassSizeReportText.objects.select_for_update().filter(
        school=school, month=month
    ).first() or ClassSizeReportText(school=school, month=month)
    for name in TEXT_FIELDS:
        if name in data:
            setattr(text, name, (data[name] or "").strip())
    text.updated_by = user
    text.full_clean()
    text.save()
    return text
