"""Panels this app adds to the home page and the student page (see lib/panels.py)."""

from . import (  # noqa: F401 - they register
    panels_alerts,
    panels_attendance,
    panels_cases,
    panels_classsize,
    panels_mentors,
    panels_support,
    panels_visits,
    panels_warning,
)
