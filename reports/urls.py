"""Reports to the office (under /bao-cao/). Each report keeps its own URL module."""

from django.urls import include, path

urlpatterns = [
    path("", include("reports.urls_class_size")),
]
