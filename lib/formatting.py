"""Numbers and dates the Vietnamese way: 6,5 · 1.254 · 07/01/2027."""

import datetime
from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value, places: int = 1) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def percent(part, whole, places: int = 1) -> Decimal | None:
    """part / whole as a percentage rounded half up ("12,5 %" on pages); None when whole is 0.
    The one percentage of the project: pages, reports and their tests all use it."""
    if not whole:
        return None
    return round_half_up(Decimal(part) * 100 / Decimal(whole), places)


def format_number(value, places: int = 1) -> str:
    number = round_half_up(value, places)
    sign = "-" if number < 0 else ""
    integer, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    text = ".".join(groups)
    if places > 0:
        text += "," + fraction
    return sign + text


def format_date(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def parse_date(text: str) -> datetime.date | None:
    """Parse dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, ISO); None if not a date."""
    text = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    return None
