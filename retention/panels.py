"""Panels this app adds to the home page and the student page (see lib/panels.py)."""

from . import panels_alerts, panels_attendance, panels_classsize  # noqa: F401 - they register
