"""The monthly class-size report of a school (under /bao-cao/); the month is ?thang=2026-11."""

from django.urls import path

from . import views_class_size as views

urlpatterns = [
    path("si-so/truong/<int:pk>/", views.class_size_report_page, name="class_size_report"),
    path(
        "si-so/truong/<int:pk>/thuyet-minh/",
        views.class_size_report_text,
        name="class_size_report_text",
    ),
    path(
        "si-so/truong/<int:pk>/xlsx/", views.class_size_report_xlsx, name="class_size_report_xlsx"
    ),
    path("si-so/truong/<int:pk>/pdf/", views.class_size_report_pdf, name="class_size_report_pdf"),
]
