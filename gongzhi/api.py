"""The REST API root (/api/v1/): one NinjaAPI with a router per app."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.security import django_auth

from gongzhi.core.errors import ActionError


class UTF8JSONRenderer(JSONRenderer):
    """Chinese text as UTF-8, not \\u escapes: smaller and readable by operators."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UTF8JSONRenderer(),
    title="Gongzhi 共治 API",
    version="1",
    description="Community co-governance platform. Session authentication (log in at "
    "/accounts/login/); every list and object is limited to the caller's organisation scope.",
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(ActionError)
def on_action_error(request, exc: ActionError):
    body = {"detail": exc.message, "code": exc.code}
    if exc.field:
        body["field"] = exc.field
    if getattr(exc, "errors", None):
        body["errors"] = [{"row": r, "message": m} for r, m in exc.errors]
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


from gongzhi.assistant.api import router as assistant_router  # noqa: E402
from gongzhi.chat.api import router as chat_router  # noqa: E402
from gongzhi.groups.api import router as groups_router  # noqa: E402
from gongzhi.org.api import router as org_router  # noqa: E402
from gongzhi.people.api import router as people_router  # noqa: E402
from gongzhi.workorders.api import notifications_router  # noqa: E402
from gongzhi.workorders.api import router as orders_router  # noqa: E402

api.add_router("/", people_router)
api.add_router("/org", org_router)
api.add_router("/groups", groups_router)
api.add_router("/orders", orders_router)
api.add_router("/notifications", notifications_router)
api.add_router("/", assistant_router)
api.add_router("/chat", chat_router)
