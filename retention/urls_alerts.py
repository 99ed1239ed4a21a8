"""Alerts, contacts with families and the dashboard (under /si-so/)."""

from django.urls import path

from . import views_alerts as views

urlpatterns = [
    path("canh-bao/", views.alert_list, name="alert_list"),
    path("canh-bao/<int:pk>/", views.alert_detail, name="alert_detail"),
    path(
        "hoc-sinh/<int:pk>/lien-he-gia-dinh/",
        views.family_contact_create,
        name="family_contact_create",
    ),
    path("tong-quan/", views.alerts_dashboard, name="alerts_dashboard"),
]
