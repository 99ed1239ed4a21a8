"""URLs of the tutoring app: plans, peer pairs, grade-9 counselling and families (see
tutoring/urls.py). Paths are Vietnamese slugs without diacritics; ids only."""

from django.urls import path

from . import views_family, views_peers, views_plans

urlpatterns = [
    # Tutoring plans (kế hoạch phụ đạo)
    path("ke-hoach/", views_plans.plan_list, name="plan_list"),
    path("ke-hoach/moi/", views_plans.plan_create, name="plan_create"),
    path("ke-hoach/<int:pk>/", views_plans.plan_detail, name="plan_detail"),
    path("ke-hoach/<int:pk>/sua/", views_plans.plan_edit, name="plan_edit"),
    path("ke-hoach/<int:pk>/gui-duyet/", views_plans.plan_submit, name="plan_submit"),
    path("ke-hoach/<int:pk>/phe-duyet/", views_plans.plan_decide, name="plan_decide"),
    path("ke-hoach/<int:pk>/pdf/", views_plans.plan_pdf, name="plan_pdf"),
    # Peer pairs (đôi bạn cùng tiến)
    path("doi-ban/", views_peers.peer_pair_list, name="peer_pair_list"),
    path("doi-ban/moi/", views_peers.peer_pair_create, name="peer_pair_create"),
    path("doi-ban/<int:pk>/cap-nhat/", views_peers.peer_pair_update, name="peer_pair_update"),
    # Grade-9 streaming counselling (tư vấn phân luồng)
    path("phan-luong/", views_family.counselling_summary, name="counselling_summary"),
    path("phan-luong/lop/<int:pk>/", views_family.counselling_class, name="counselling_class"),
    path(
        "phan-luong/hoc-sinh/<int:pk>/moi/",
        views_family.counselling_create,
        name="counselling_create",
    ),
    # Families: contacts about learning, the progress letter
    path(
        "gia-dinh/hoc-sinh/<int:pk>/lien-he/",
        views_family.learning_contact_create,
        name="learning_contact_create",
    ),
    path(
        "gia-dinh/hoc-sinh/<int:pk>/thu-thong-bao/",
        views_family.progress_letter,
        name="progress_letter",
    ),
]
