"""URLs of the tutoring app: results (see tutoring/urls.py). The term is ``?term=0|1|2|3``."""

from django.urls import path

from . import views_results as views

urlpatterns = [
    path("ket-qua/", views.results_home, name="results_home"),
    path("ket-qua/lop/<int:pk>/", views.results_class, name="results_class"),
    path("ket-qua/mon/", views.results_subject, name="results_subject"),
]
