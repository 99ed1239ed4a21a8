"""Attendance, alerts and class size (under /si-so/). Each area keeps its own URL module."""

from django.urls import include, path

urlpatterns = [
    path("", include("retention.urls_attendance")),
    path("", include("retention.urls_alerts")),
    path("", include("retention.urls_classsize")),
]
