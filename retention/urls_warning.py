"""The early-warning list, coverage ("no student forgotten") and the office's counts (under
/van-dong/)."""

from django.urls import path

from . import views_warning as views

urlpatterns = [
    path("canh-bao-som/", views.warning_list, name="warning_list"),
    path("canh-bao-som/tom-tat/", views.warning_home_panel, name="warning_home_panel"),
    path("khong-bo-quen/", views.coverage, name="coverage"),
    path("so-lieu-cac-truong/", views.risk_office_summary, name="risk_office_summary"),
]
