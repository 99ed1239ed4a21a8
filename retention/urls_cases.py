"""Dropout-risk cases, the escalated list and partners (under /van-dong/)."""

from django.urls import path

from . import views_cases as views

urlpatterns = [
    path("ho-so/", views.case_list, name="case_list"),
    path("ho-so/mo/", views.case_open, name="case_open"),
    path(
        "ho-so/mo-tu-canh-bao/<int:pk>/",
        views.risk_case_open_from_alert,
        name="risk_case_open_from_alert",
    ),
    path("ho-so/<int:pk>/", views.case_detail, name="case_detail"),
    path("ho-so/<int:pk>/trang-thai/", views.case_status, name="case_status"),
    path("ho-so/<int:pk>/ghi-nhan/", views.case_event_add, name="case_event_add"),
    path("ho-so/<int:pk>/nguoi-phu-trach/", views.case_owner, name="case_owner"),
    path("bao-cao-len/", views.escalated_list, name="escalated_list"),
    path("doi-tac/", views.partner_list, name="partner_list"),
    path("doi-tac/them/", views.partner_create, name="partner_create"),
    path("doi-tac/<int:pk>/sua/", views.partner_edit, name="partner_edit"),
]
