"""Home visits and their minutes (under /van-dong/)."""

from django.urls import path

from . import views_visits as views

urlpatterns = [
    path("ho-so/<int:pk>/tham-gia-dinh/", views.visit_create, name="visit_create"),
    path("bien-ban/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("bien-ban/<int:pk>/sua/", views.visit_edit, name="visit_edit"),
    path("bien-ban/<int:pk>/bo-sung/", views.visit_amend_view, name="visit_amend"),
    path("bien-ban/<int:pk>/pdf/", views.visit_minute_pdf, name="visit_minute_pdf"),
    path("bien-ban/anh/<int:pk>/", views.visit_image, name="visit_image"),
    path("bien-ban/", views.minutes_list, name="minutes_list"),
    path("bien-ban/pdf/", views.minutes_pdf, name="minutes_pdf"),
]
