from django.contrib import admin
from django.urls import include, path

from schools import views as school_views

urlpatterns = [
    path("", school_views.home, name="home"),
    path("", include("schools.urls")),
    path("hoc-sinh/", include("students.urls")),
    path("si-so/", include("retention.urls")),
    path("phu-dao/", include("tutoring.urls")),
    path("van-dong/", include("retention.urls_risk")),
    path("do-dau/", include("retention.urls_mentors")),
    path("tai-tro/", include("retention.urls_support")),
    path("bao-cao/", include("reports.urls")),
    path("quan-tri/", admin.site.urls),
]
