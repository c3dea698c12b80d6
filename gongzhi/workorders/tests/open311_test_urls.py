"""The project's URLs plus the Open311 endpoint, for the Open311 tests."""

from django.urls import include, path

from gongzhi.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("open311/v2/", include("gongzhi.workorders.open311_urls")),
]
