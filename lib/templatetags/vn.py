"""Vietnamese formatting for templates: dd/mm/yyyy dates and decimal commas, whatever the locale."""

import datetime
from decimal import Decimal

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def vndate(value) -> str:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)  # Asia/Ho_Chi_Minh, not UTC
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


@register.filter
def vnnum(value, places: int = 1) -> str:
    """6.5 -> '6,5'; 1254 -> '1.254'."""
    from lib.formatting import format_number

    if value is None or value == "":
        return ""
    return format_number(value, int(places))


@register.filter
def vnint(value) -> str:
    from lib.formatting import format_number

    if value is None or value == "":
        return ""
    return format_number(Decimal(value), 0)
