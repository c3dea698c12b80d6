from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError
from gongzhi.core.views import run_import, staff_required, xlsx_response
from gongzhi.groups.queries import my_groups
from gongzhi.org.models import OrgUnit

from . import actions, queries
from .models import Resident


@login_required
def me(request):
    resident = (
        Resident.objects.filter(user=request.user)
        .select_related("community__parent", "grid", "household__building")
        .first()
    )
    return render(
        request,
        "people/me.html",
        {
            "resident": resident,
            "groups": my_groups(request.user) if resident else [],
        },
    )


def _filters(request):
    g = request.GET
    return {
        "community_id": g.get("community") or None,
        "grid_id": g.get("grid") or None,
        "phone": g.get("phone") or None,
        "id_number": g.get("id_number") or None,
        "kind": g.get("kind") or None,
    }


@staff_required
def resident_list(request):
    filters = _filters(request)
    page = Paginator(queries.residents_for(request.user, **filters), 50).get_page(
        request.GET.get("page")
    )
    communities = OrgUnit.objects.restrict(request.user).filter(kind="community").order_by("path")
    return render(
        request,
        "people/resident_list.html",
        {
            "page": page,
            "communities": communities,
            "kinds": Resident.Kind.choices,
            "query": request.GET.urlencode(),
            "can_import": scoping.has_capability(request.user, scoping.IMPORT),
        },
    )


@staff_required
def resident_detail(request, pk):
    r = queries.resident_for(request.user, pk)
    can_unmask = Resident.objects.restrict(request.user, scoping.UNMASK).filter(pk=pk).exists()
    return render(request, "people/resident_detail.html", {"r": r, "can_unmask": can_unmask})


@staff_required
@require_POST
def resident_unmask(request, pk):
    try:
        values = actions.do_unmask_resident(
            request.user,
            pk,
            request.POST.getlist("fields") or ["name", "phone", "id_number"],
            request.POST.get("reason", ""),
            ip=request.META.get("REMOTE_ADDR"),
        )
    except ActionError as exc:
        return render(request, "people/_unmasked.html", {"error": exc.message}, status=400)
    return render(request, "people/_unmasked.html", {"values": values})


@staff_required
def resident_export(request):
    return xlsx_response(
        queries.export_residents(request.user, **_filters(request)), "residents.xlsx"
    )


@staff_required
def resident_import(request):
    errors = []
    communities = OrgUnit.objects.restrict(request.user, scoping.IMPORT).filter(kind="community")
    if request.method == "POST":
        if not request.POST.get("community"):
            messages.error(request, _("Choose a community and a file."))
        else:
            result, errors = run_import(
                request, actions.do_import_roster, request.POST["community"]
            )
            if result is not None:
                messages.success(
                    request, _("Imported %(n)d residents.") % {"n": result["residents"]}
                )
                return redirect("residents")
    return render(
        request,
        "people/resident_import.html",
        {"errors": errors, "communities": communities.order_by("path")},
    )


@staff_required
def access_log(request):
    if not scoping.has_capability(request.user, scoping.AUDIT):
        return render(
            request,
            "core/forbidden.html",
            {"message": _("Only district admins can read the access log.")},
            status=403,
        )
    page = Paginator(queries.access_log_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "people/access_log.html", {"page": page})
