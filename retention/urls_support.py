"""Sponsors and support (under /tai-tro/): the sponsors with the school's totals (?year=<id>),
one sponsor, recording support for a student (?student=<id>[&case=<id>]), correcting and
deleting it."""

from django.urls import path

from . import views_support as views

urlpatterns = [
    path("", views.sponsor_list, name="sponsor_list"),
    path("moi/", views.sponsor_create, name="sponsor_create"),
    path("<int:pk>/", views.sponsor_detail, name="sponsor_detail"),
    path("<int:pk>/sua/", views.sponsor_edit, name="sponsor_edit"),
    path("ho-tro/moi/", views.support_create, name="support_create"),
    path("ho-tro/<int:pk>/sua/", views.support_edit, name="support_edit"),
    path("ho-tro/<int:pk>/xoa/", views.support_delete, name="support_delete"),
]
