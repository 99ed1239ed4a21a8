"""Teacher mentors (under /do-dau/): the list, taking on or assigning (?student=<id>), one
mentorship with its contact log, ending it."""

from django.urls import path

from . import views_mentors as views

urlpatterns = [
    path("", views.mentor_list, name="mentor_list"),
    path("nhan-do-dau/", views.mentor_assign, name="mentor_assign"),
    path("<int:pk>/", views.mentorship_detail, name="mentorship_detail"),
    path("<int:pk>/ket-thuc/", views.mentorship_end_view, name="mentorship_end"),
]
