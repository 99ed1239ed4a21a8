from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import PasswordChangeForm

urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "mat-khau/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path("mat-khau/xong/", views.password_change_done, name="password_change_done"),
    # Schools (office staff)
    path("truong/", views.school_list, name="school_list"),
    path("truong/them/", views.school_create, name="school_create"),
    path("truong/<int:pk>/", views.school_detail, name="school_detail"),
    path("truong/<int:pk>/sua/", views.school_edit, name="school_edit"),
    # Classes
    path("lop/", views.classroom_list, name="classroom_list"),
    # Staff and roles (the principal; leaders read)
    path("can-bo/", views.staff_list, name="staff_list"),
    path("can-bo/them/", views.staff_create, name="staff_create"),
    path("can-bo/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("can-bo/<int:pk>/sua/", views.staff_edit, name="staff_edit"),
    path("can-bo/<int:pk>/khoa/", views.staff_disable, name="staff_disable"),
    path("can-bo/<int:pk>/mo-khoa/", views.staff_enable, name="staff_enable"),
    path("can-bo/<int:pk>/mat-khau/", views.staff_password_reset, name="staff_password_reset"),
    path("can-bo/<int:pk>/vai-tro/", views.role_add, name="role_add"),
    path("vai-tro/<int:pk>/xoa/", views.role_remove, name="role_remove"),
    # School set-up (leaders)
    path("thiet-lap/", views.school_settings, name="school_settings"),
    path("thiet-lap/chuyen-can/", views.school_rules_edit, name="school_rules_edit"),
    path("thiet-lap/nam-hoc/them/", views.school_year_create, name="school_year_create"),
    path("thiet-lap/nam-hoc/<int:pk>/", views.school_year_edit, name="school_year_edit"),
    path(
        "thiet-lap/nam-hoc/<int:pk>/hien-hanh/",
        views.school_year_set_current,
        name="school_year_set_current",
    ),
    path("thiet-lap/nam-hoc/<int:pk>/ngay-nghi/", views.holiday_add, name="holiday_add"),
    path("thiet-lap/ngay-nghi/<int:pk>/xoa/", views.holiday_delete, name="holiday_delete"),
    path("thiet-lap/lop/them/", views.classroom_create, name="classroom_create"),
    path("thiet-lap/lop/<int:pk>/", views.classroom_edit, name="classroom_edit"),
    path("thiet-lap/to/them/", views.subject_group_create, name="subject_group_create"),
    path("thiet-lap/to/<int:pk>/", views.subject_group_edit, name="subject_group_edit"),
]
