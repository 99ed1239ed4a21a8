"""Dropout-risk work (under /van-dong/): the early-warning list, cases and visit minutes."""

from django.urls import include, path

urlpatterns = [
    path("", include("retention.urls_warning")),
    path("", include("retention.urls_cases")),
    path("", include("retention.urls_visits")),
]
