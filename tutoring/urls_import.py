"""URLs of the tutoring app: the results import (see tutoring/urls.py)."""

from django.urls import path

from . import views_import

urlpatterns = [
    path("ket-qua/nhap/", views_import.results_import, name="results_import"),
    path(
        "ket-qua/nhap/<int:pk>/",
        views_import.results_import_preview,
        name="results_import_preview",
    ),
    path("ket-qua/nhap/da-nhap/", views_import.results_import_list, name="results_import_list"),
]
