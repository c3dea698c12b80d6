from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from gongzhi.core.views import staff_required
from gongzhi.groups.models import CommunityGroup

from . import actions
from .models import Broadcast


@login_required
def my_chats(request):
    unread = actions.unread_counts(request.user)
    groups = CommunityGroup.objects.filter(pk__in=list(unread)).select_related("community")
    return render(request, "chat/list.html", {"rows": [(g, unread[g.pk]) for g in groups]})


@login_required
def room(request, group_id):
    g, m, manages = actions.chat_access(request.user, group_id)
    notices = [(n, actions.notice_stats(n)) for n in g.notices.filter(pinned=True)[:3]]
    return render(request, "chat/room.html", {"g": g, "manages": manages, "notices": notices})


@staff_required
def broadcasts(request):
    """Broadcast form (templates, selection, schedule) and the list with delivery/read stats."""
    import datetime as dt

    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime
    from django.utils.translation import gettext as _

    from gongzhi.core import scoping
    from gongzhi.core.errors import ActionError
    from gongzhi.org.models import OrgUnit

    from .templates_data import NOTICE_TEMPLATES

    if request.method == "POST":
        p = request.POST
        selector = {
            "streets": [int(x) for x in p.getlist("streets") if x.isdigit()],
            "communities": [int(x) for x in p.getlist("communities") if x.isdigit()],
            "kinds": p.getlist("kinds"),
            "tags": [t for t in p.get("tags", "").split() if t][:5],
        }
        when = parse_datetime(p.get("scheduled_at") or "") if p.get("scheduled_at") else None
        if when is not None and timezone.is_naive(when):
            when = timezone.make_aware(when)
        try:
            b = actions.do_create_broadcast(
                request.user,
                title=p.get("title", ""),
                body=p.get("body", ""),
                selector={k: v for k, v in selector.items() if v},
                scheduled_at=when,
                template=p.get("template", ""),
            )
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Broadcast to %(n)d groups.") % {"n": b.groups_total})
            return redirect("chat_broadcasts")
    rows = [
        (b, actions.broadcast_stats(request.user, b.pk))
        for b in Broadcast.objects.restrict(request.user).order_by("-created_at")[:30]
    ]
    units = OrgUnit.objects.restrict(request.user, scoping.MANAGE_GROUPS)
    return render(
        request,
        "chat/broadcasts.html",
        {
            "rows": rows,
            "templates": NOTICE_TEMPLATES,
            "streets": units.filter(kind="street").order_by("path"),
            "communities": units.filter(kind="community").order_by("path")[:300],
            "kinds": CommunityGroup.Kind.choices,
            "now": (timezone.localtime() + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        },
    )


@staff_required
def metrics_page(request):
    from . import metrics as M

    level = (
        request.GET.get("level")
        if request.GET.get("level") in ("community", "street", "district")
        else "community"
    )
    days = 30
    rows = M.community_metrics(request.user, level=level, days=days)
    peak = max((s["active_members"] for r in rows for s in r["series"]), default=0) or 1
    return render(
        request, "chat/metrics.html", {"rows": rows, "level": level, "days": days, "peak": peak}
    )
