"""Attendance URLs (under /si-so/). Days are query parameters: ?ngay=2026-11-20&buoi=morning."""

from django.urls import path

from . import views_attendance as views

urlpatterns = [
    path("diem-danh/", views.attendance_today, name="attendance_today"),
    path("diem-danh/lop/<int:pk>/", views.roll_call, name="roll_call"),
    path("diem-danh/lop/<int:pk>/tuan/", views.attendance_week, name="attendance_week"),
    path("diem-danh/lop/<int:pk>/thang/", views.attendance_month, name="attendance_month"),
    path("di-tre-bo-tiet/", views.conduct_create, name="conduct_event_create"),
    path("di-tre-bo-tiet/<int:pk>/xoa/", views.conduct_delete, name="conduct_event_delete"),
]
