"""Class size: a class's monthly figures and confirmation, and who has confirmed (under /si-so/)."""

from django.urls import path

from . import views_classsize as views

urlpatterns = [
    path("xac-nhan/", views.classsize_status, name="classsize_status"),
    path("lop/<int:pk>/", views.classsize_class, name="classsize_class"),
]
