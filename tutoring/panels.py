"""Panels this app adds to the home page and the student page (see lib/panels.py)."""

from . import panels_groups, panels_import, panels_plans, panels_results, panels_weak  # noqa: F401
