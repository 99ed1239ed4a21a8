"""URLs of the tutoring app: groups and their sessions (see tutoring/urls.py)."""

from django.urls import path

from . import views_groups, views_sessions

urlpatterns = [
    path("nhom/", views_groups.group_list, name="group_list"),
    path("nhom/moi/", views_groups.group_create, name="group_create"),
    path("nhom/<int:pk>/", views_groups.group_detail, name="group_detail"),
    path("nhom/<int:pk>/sua/", views_groups.group_edit, name="group_edit"),
    path("nhom/<int:pk>/kiem-tra/", views_groups.group_checkpoints, name="group_checkpoints"),
    path(
        "nhom/thanh-vien/<int:pk>/roi-nhom/",
        views_groups.group_member_remove,
        name="group_member_remove",
    ),
    path(
        "nhom/<int:pk>/buoi-can-ghi/",
        views_sessions.group_sessions_due,
        name="group_sessions_due",
    ),
    path("nhom/<int:pk>/ghi-buoi/", views_sessions.session_entry, name="session_entry"),
    path("buoi/<int:pk>/", views_sessions.session_detail, name="session_detail"),
    path("buoi/<int:pk>/sua/", views_sessions.session_edit, name="session_edit"),
]
