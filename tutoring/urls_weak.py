"""URLs of the weak-student register and progress (see tutoring/urls.py)."""

from django.urls import path

from . import views_weak

urlpatterns = [
    path("yeu-kem/", views_weak.weak_list, name="weak_list"),
    path("yeu-kem/chua-ho-tro/", views_weak.weak_uncovered, name="weak_uncovered"),
    path("yeu-kem/gioi-thieu/", views_weak.weak_refer, name="weak_refer"),
    path("yeu-kem/<int:pk>/", views_weak.weak_detail, name="weak_detail"),
    path("yeu-kem/lop/<int:pk>/", views_weak.weak_class, name="weak_class"),
    path("tien-bo/", views_weak.progress_page, name="progress"),
    path("tien-bo/hoc-sinh/", views_weak.progress_students, name="progress_students"),
]
