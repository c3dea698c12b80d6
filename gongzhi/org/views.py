from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core import scoping
from gongzhi.core.views import run_import, staff_required, xlsx_response

from . import actions, queries
from .models import Building, OrgUnit


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
    return xlsx_response(queries.export_tree(request.user), "org-tree.xlsx")


@staff_required
def tree_import(request):
    errors = []
    if request.method == "POST":
        result, errors = run_import(request, actions.do_import_tree)
        if result is not None:
            messages.success(request, _("Imported %(rows)d rows.") % {"rows": result["rows"]})
            return redirect("org_units")
    can = scoping.unit_scope(request.user, scoping.IMPORT) is None
    return render(request, "org/tree_import.html", {"errors": errors, "can_import": can})
