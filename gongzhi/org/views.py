from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError
from gongzhi.core.views import staff_required

from . import actions, queries
from .models import Building, OrgUnit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff_required
def unit_list(request):
    kind = request.GET.get("kind") or "community"
    units = queries.units_for(request.user, kind=kind).select_related("parent")
    if request.GET.get("q"):
        units = units.filter(name__contains=request.GET["q"].strip())
    return render(
        request,
        "org/unit_list.html",
        {"units": units[:500], "kind": kind, "kinds": OrgUnit.Kind.choices},
    )


@staff_required
def unit_detail(request, pk):
    unit = queries.unit_for(request.user, pk)
    children = (
        OrgUnit.objects.restrict(request.user).filter(parent=unit).annotate(n=Count("children"))
    )
    ctx = {"unit": unit, "children": children, "ancestors": unit.ancestors()}
    if unit.kind in ("community", "grid"):
        field = "community" if unit.kind == "community" else "grid"
        ctx["buildings"] = (
            Building.objects.restrict(request.user)
            .filter(**{field: unit})
            .annotate(n=Count("households"))
            .order_by("name")[:300]
        )
        ctx["households"] = sum(b.n for b in ctx["buildings"])
    return render(request, "org/unit_detail.html", ctx)


@staff_required
def tree_export(request):
    resp = HttpResponse(queries.export_tree(request.user), content_type=XLSX)
    resp["Content-Disposition"] = 'attachment; filename="org-tree.xlsx"'
    return resp


@staff_required
def tree_import(request):
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a file to upload."))
        else:
            try:
                result = actions.do_import_tree(request.user, upload.read(), upload.name)
            except actions.TreeImportError as exc:
                errors = exc.errors
                messages.error(request, exc.message)
            except ActionError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Imported %(rows)d rows.") % {"rows": result["rows"]})
                return redirect("org_units")
    can = scoping.unit_scope(request.user, scoping.IMPORT) is None
    return render(request, "org/tree_import.html", {"errors": errors, "can_import": can})
