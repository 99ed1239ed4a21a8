"""Results, the weak-student register and tutoring (under /phu-dao/). One URL module per area."""

from django.urls import include, path

urlpatterns = [
    path("", include("tutoring.urls_import")),
    path("", include("tutoring.urls_results")),
    path("", include("tutoring.urls_weak")),
    path("", include("tutoring.urls_groups")),
    path("", include("tutoring.urls_plans")),
]
