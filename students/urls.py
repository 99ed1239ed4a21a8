from django.urls import path

from . import views, views_import

urlpatterns = [
    path("", views.student_list, name="student_list"),
    path("them/", views.student_create, name="student_create"),
    path("<int:pk>/", views.student_detail, name="student_detail"),
    path("<int:pk>/sua/", views.student_edit, name="student_edit"),
    path("<int:pk>/bien-dong/", views.movement_create, name="movement_create"),
    path("lop/<int:pk>/", views.classroom_detail, name="classroom_detail"),
    path("lop/<int:pk>/xuat.xlsx", views.classroom_export, name="classroom_export"),
    path("nhap/", views_import.roster_import, name="roster_import"),
    path("nhap/<int:pk>/", views_import.roster_import_preview, name="roster_import_preview"),
]
