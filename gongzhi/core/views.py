"""Pages shared by every role: routing to the right home page, the staff console home."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError, RowsInvalid
from gongzhi.org.models import OrgUnit
from gongzhi.people.models import Resident


def staff_required(view):
    """Staff pages: log in first; residents without a staff role get a clear 403 page."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not scoping.is_staff_user(request.user):
            html = render_to_string(
                "core/forbidden.html",
                {"message": _("This page is for community and district staff.")},
                request,
            )
            return HttpResponseForbidden(html)
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def home(request):
    if scoping.is_staff_user(request.user):
        return redirect("console")
    return redirect("me")


@staff_required
def console(request):
    user = request.user
    units = OrgUnit.objects.restrict(user)
    counts = dict(units.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    from gongzhi.groups.models import CommunityGroup

    grants = user.grants.select_related("unit").order_by("unit__path")
    context = {
        "grants": grants,
        "counts": counts,
        "residents": Resident.objects.restrict(user).count(),
        "groups": CommunityGroup.objects.restrict(user).filter(archived=False).count(),
        "can_audit": scoping.has_capability(user, scoping.AUDIT),
        "can_import": scoping.has_capability(user, scoping.IMPORT),
        "is_district": scoping.unit_scope(user, scoping.IMPORT) is None,
    }
    return render(request, "core/console.html", context)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def run_import(request, do_import, *args):
    """Run an import action on the uploaded ``file``: (result, row errors). Refusals become
    page messages; a file with bad rows returns its row errors for the page's table."""
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return None, []
    try:
        return do_import(request.user, *args, upload.read(), upload.name), []
    except RowsInvalid as exc:
        messages.error(request, exc.message)
        return None, exc.errors
    except ActionError as exc:
        messages.error(request, exc.message)
        return None, []
