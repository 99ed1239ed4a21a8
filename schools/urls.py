from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "mat-khau/",
        auth_views.PasswordChangeView.as_view(form_class=views.PasswordChangeForm),
        name="password_change",
    ),
    path("mat-khau/xong/", views.password_change_done, name="password_change_done"),
    path("truong/", views.school_list, name="school_list"),
    path("truong/<int:pk>/", views.school_detail, name="school_detail"),
    path("lop/", views.classroom_list, name="classroom_list"),
    path("can-bo/", views.staff_list, name="staff_list"),
    path("thiet-lap/", views.school_settings, name="school_settings"),
]
