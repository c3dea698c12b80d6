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
    rows = Broadcast.objects.restrict(request.user).order_by("-created_at")[:50]
    return render(request, "chat/broadcasts.html", {"rows": rows})


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
