"""Panels this app adds to the home page and the student page (see lib/panels.py).

Each area registers its own panels from its module: panels_attendance, panels_alerts, panels_classsize.
"""

import contextlib
import importlib

for _module in ("panels_attendance", "panels_alerts", "panels_classsize"):
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module(f"retention.{_module}")
