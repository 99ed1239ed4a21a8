"""Attendance, alerts and class size. Each area keeps its own URL module."""

import contextlib
import importlib

from django.urls import include, path

urlpatterns = []
for _prefix, _module in (
    ("", "retention.urls_attendance"),
    ("", "retention.urls_alerts"),
    ("", "retention.urls_classsize"),
):
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module(_module)
        urlpatterns.append(path(_prefix, include(_module)))
