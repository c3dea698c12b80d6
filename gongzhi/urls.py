from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from gongzhi.api import api
from gongzhi.core import views as core_views
from gongzhi.groups import views as group_views
from gongzhi.org import views as org_views
from gongzhi.people import views as people_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="core/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("me/", people_views.me, name="me"),
    path("join/", group_views.join, name="join"),
    path("join/<str:code>/", group_views.join, name="join_code"),
    path("console/", core_views.console, name="console"),
    path("console/org/", org_views.unit_list, name="org_units"),
    path("console/org/<int:pk>/", org_views.unit_detail, name="org_unit"),
    path("console/org/export.xlsx", org_views.tree_export, name="org_export"),
    path("console/org/import/", org_views.tree_import, name="org_import"),
    path("console/residents/", people_views.resident_list, name="residents"),
    path("console/residents/export.xlsx", people_views.resident_export, name="residents_export"),
    path("console/residents/import/", people_views.resident_import, name="residents_import"),
    path("console/residents/<int:pk>/", people_views.resident_detail, name="resident_detail"),
    path(
        "console/residents/<int:pk>/unmask/", people_views.resident_unmask, name="resident_unmask"
    ),
    path("console/groups/", group_views.group_list, name="groups"),
    path("console/groups/<int:pk>/", group_views.group_detail, name="group_detail"),
    path("console/groups/<int:pk>/invite/", group_views.group_invite, name="group_invite"),
    path(
        "console/groups/<int:pk>/invitations/<str:code>/qr.svg",
        group_views.invitation_qr,
        name="invitation_qr",
    ),
    path("console/coverage/", group_views.coverage, name="coverage"),
    path("console/audit/access-log/", people_views.access_log, name="access_log_page"),
    path("", include("gongzhi.workorders.urls")),
    path("", include("gongzhi.assistant.urls")),
    path("", include("gongzhi.chat.urls")),
    path("channels/", include("gongzhi.adapters.urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("gongzhi.workorders.open311_urls")),
    path("admin/", admin.site.urls),
]
