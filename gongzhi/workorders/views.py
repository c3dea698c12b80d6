from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError
from gongzhi.core.views import staff_required, xlsx_response
from gongzhi.org.models import Organisation, OrgUnit
from gongzhi.people.models import Resident

from . import actions, queries
from .models import Attachment, Category, State, WorkOrder

FILTERS = ("state", "category", "community", "grid", "date_from", "date_to", "q")


def _filters(request) -> dict:
    f = {k: request.GET.get(k) or None for k in FILTERS}
    f["overdue"] = request.GET.get("overdue") == "1"
    f["mine"] = request.GET.get("mine") == "1"
    return f


# --- residents -----------------------------------------------------------------------------


@login_required
def new_order(request):
    resident = Resident.objects.filter(user=request.user).select_related("community").first()
    if request.method == "POST":
        try:
            o = actions.do_submit(
                request.user,
                description=request.POST.get("description", ""),
                title=request.POST.get("title", ""),
                category=request.POST.get("category") or None,
                hide_identity=request.POST.get("hide_identity") == "on",
                lat=float(request.POST["lat"]) if request.POST.get("lat") else None,
                lon=float(request.POST["lon"]) if request.POST.get("lon") else None,
                address=request.POST.get("address", ""),
                photos=request.FILES.getlist("photos"),
                channel="mobile",
            )
        except (ActionError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("The map point is invalid.")))
        else:
            messages.success(
                request, _("Submitted. Your request number is %(n)s.") % {"n": o.number}
            )
            return redirect("order_mine_detail", pk=o.pk)
    return render(
        request,
        "workorders/new.html",
        {
            "resident": resident,
            "categories": Category.objects.filter(active=True),
            "form": request.POST,
        },
    )


@login_required
def my_orders(request):
    page = Paginator(queries.my_orders(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "workorders/mine.html", {"page": page, "query": ""})


@login_required
def my_order(request, pk):
    o = get_object_or_404(queries.my_orders(request.user), pk=pk)
    return render(
        request,
        "workorders/mine_detail.html",
        {"o": o, "events": queries.timeline(o, staff=False), "ratings": WorkOrder.Rating.choices},
    )


@login_required
@require_POST
def my_order_act(request, pk):
    verb = request.POST.get("verb")
    try:
        if verb == "rate":
            actions.do_rate(
                request.user, pk, request.POST.get("rating", ""), request.POST.get("comment", "")
            )
        elif verb == "reopen":
            actions.do_reopen(request.user, pk, request.POST.get("comment", ""))
        else:
            raise ActionError(_("Unknown action."))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you, recorded."))
    return redirect("order_mine_detail", pk=pk)


def attachment(request, pk):
    """A photo, streamed after the same check as its order: public ones (the submission's and
    public steps', as Open311 lists them) to anyone, the rest only inside the viewer's scope.
    Never a link into the media folder, which the web server does not expose."""
    att = get_object_or_404(Attachment.objects.select_related("event"), pk=pk)
    if not att.is_public:
        if not request.user.is_authenticated:
            raise Http404("not found")
        scoping.access(WorkOrder, request.user, att.order_id)
    try:
        fh = att.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("not found") from exc
    resp = FileResponse(fh, content_type=att.content_type)
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Content-Disposition"] = "inline"
    resp["Cache-Control"] = "public, max-age=86400" if att.is_public else "private, max-age=600"
    return resp


@login_required
def notifications(request):
    page = Paginator(queries.notifications_for(request.user), 30).get_page(request.GET.get("page"))
    actions.do_mark_notifications_read(request.user, [n.pk for n in page if n.read_at is None])
    return render(request, "workorders/notifications.html", {"page": page, "query": ""})


def public_resolved(request, community_id):
    community = get_object_or_404(OrgUnit, pk=community_id, kind="community")
    page = Paginator(queries.public_resolved(community.pk), 30).get_page(request.GET.get("page"))
    return render(
        request, "workorders/public.html", {"community": community, "page": page, "query": ""}
    )


# --- staff ---------------------------------------------------------------------------------


@staff_required
def inbox(request):
    f = _filters(request)
    page = Paginator(queries.orders_for(request.user, **f), 30).get_page(request.GET.get("page"))
    communities = OrgUnit.objects.restrict(request.user).filter(kind="community").order_by("path")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workorders/inbox.html",
        {
            "page": page,
            "f": f,
            "states": State.choices,
            "communities": communities[:300],
            "categories": Category.objects.filter(active=True),
            "query": query.urlencode(),
        },
    )


@staff_required
@require_POST
def bulk_dispatch(request):
    done, errors = 0, []
    for pk in request.POST.getlist("ids")[:200]:
        try:
            actions.do_dispatch(request.user, int(pk))
            done += 1
        except ActionError as exc:
            errors.append(f"#{pk}: {exc.message}")
        except Exception:  # noqa: BLE001 — out-of-scope ids answer "not found", keep going
            errors.append(f"#{pk}: {_('Not found.')}")
    if done:
        messages.success(request, _("Dispatched %(n)d orders.") % {"n": done})
    for e in errors[:10]:
        messages.error(request, e)
    return redirect(request.POST.get("next") or "order_inbox")


@staff_required
def export(request):
    return xlsx_response(
        queries.export_orders(request.user, **_filters(request)), "work-orders.xlsx"
    )


@staff_required
def staff_detail(request, pk):
    o = queries.order_for(request.user, pk)
    units = OrgUnit.objects.filter(pk__in=[o.community_id]) | OrgUnit.objects.filter(
        parent_id=o.community_id, kind="grid"
    )
    orgs = Organisation.objects.filter(served_communities=o.community_id).order_by("kind", "name")
    return render(
        request,
        "workorders/staff_detail.html",
        {
            "o": o,
            "events": queries.timeline(o, staff=True),
            "similar": actions.similar_open_orders(o),
            "units": units.order_by("path"),
            "orgs": orgs,
            "is_handler": actions.is_handler(request.user, o),
            "is_dispatcher": actions.is_dispatcher(request.user, o),
        },
    )


STAFF_VERBS = {
    "accept": lambda u, pk, p, f: actions.do_accept(u, pk, p.get("comment", "")),
    "dispatch": lambda u, pk, p, f: actions.do_dispatch(
        u,
        pk,
        unit_id=p.get("unit") or None,
        org_id=p.get("org") or None,
        comment=p.get("comment", ""),
    ),
    "start": lambda u, pk, p, f: actions.do_start(u, pk, p.get("comment", "")),
    "return": lambda u, pk, p, f: actions.do_return(u, pk, p.get("comment", "")),
    "transfer": lambda u, pk, p, f: actions.do_transfer(
        u,
        pk,
        unit_id=p.get("unit") or None,
        org_id=p.get("org") or None,
        comment=p.get("comment", ""),
    ),
    "cohandle": lambda u, pk, p, f: actions.do_add_cohandler(u, pk, int(p.get("org") or 0)),
    "request_suspension": lambda u, pk, p, f: actions.do_request_suspension(
        u, pk, p.get("comment", "")
    ),
    "approve_suspension": lambda u, pk, p, f: actions.do_approve_suspension(
        u, pk, p.get("approve", "1") == "1", p.get("comment", "")
    ),
    "resume": lambda u, pk, p, f: actions.do_resume(u, pk, p.get("comment", "")),
    "resolve": lambda u, pk, p, f: actions.do_resolve(
        u, pk, p.get("comment", ""), f.getlist("photos")
    ),
    "close": lambda u, pk, p, f: actions.do_close(u, pk, p.get("comment", "")),
    "reject": lambda u, pk, p, f: actions.do_reject(u, pk, p.get("comment", "")),
    "merge": lambda u, pk, p, f: actions.do_merge(
        u, pk, int(p.get("into") or 0), p.get("comment", "")
    ),
}


@staff_required
@require_POST
def staff_act(request, pk):
    queries.order_for(request.user, pk)  # 404 outside the caller's scope
    verb = request.POST.get("verb", "")
    try:
        if verb not in STAFF_VERBS:
            raise ActionError(_("Unknown action."))
        STAFF_VERBS[verb](request.user, pk, request.POST, request.FILES)
    except (ActionError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Invalid input.")))
    else:
        messages.success(request, _("Done."))
    return redirect("order_staff_detail", pk=pk)


@staff_required
def staff_new(request):
    communities = (
        OrgUnit.objects.restrict(request.user, scoping.CHANGE)
        .filter(kind="community")
        .order_by("path")
    )
    if request.method == "POST":
        try:
            o = actions.do_submit(
                request.user,
                description=request.POST.get("description", ""),
                title=request.POST.get("title", ""),
                category=request.POST.get("category") or None,
                urgency=request.POST.get("urgency", "normal"),
                channel=request.POST.get("channel", "phone"),
                community_id=int(request.POST.get("community") or 0) or None,
                address=request.POST.get("address", ""),
                reporter_name=request.POST.get("reporter_name", ""),
                reporter_phone=request.POST.get("reporter_phone", ""),
                photos=request.FILES.getlist("photos"),
            )
        except (ActionError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Invalid input.")))
        else:
            messages.success(request, _("Recorded as %(n)s.") % {"n": o.number})
            return redirect("order_staff_detail", pk=o.pk)
    return render(
        request,
        "workorders/staff_new.html",
        {
            "communities": communities,
            "categories": Category.objects.filter(active=True),
            "urgencies": WorkOrder.Urgency.choices,
            "form": request.POST,
        },
    )
