from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError
from gongzhi.core.views import staff_required
from gongzhi.org.models import OrgUnit

from . import actions, queries
from .models import CommunityGroup


@staff_required
def group_list(request):
    community = request.GET.get("community") or None
    kind = request.GET.get("kind") or None
    page = Paginator(
        queries.groups_for(request.user, community_id=community, kind=kind), 50
    ).get_page(request.GET.get("page"))
    communities = OrgUnit.objects.restrict(request.user).filter(kind="community").order_by("path")
    return render(
        request,
        "groups/group_list.html",
        {
            "page": page,
            "communities": communities,
            "kinds": CommunityGroup.Kind.choices,
            "query": request.GET.urlencode(),
        },
    )


@staff_required
def group_detail(request, pk):
    g = queries.group_for(request.user, pk)
    members = Paginator(queries.members_of(request.user, g), 100).get_page(request.GET.get("page"))
    can_manage = (
        CommunityGroup.objects.restrict(request.user, scoping.MANAGE_GROUPS).filter(pk=pk).exists()
    )
    return render(
        request,
        "groups/group_detail.html",
        {
            "g": g,
            "members": members,
            "can_manage": can_manage,
            "invitations": queries.invitations_for(request.user, g).order_by("-id")[:10],
        },
    )


@staff_required
@require_POST
def group_invite(request, pk):
    try:
        inv = actions.do_create_invitation(
            request.user,
            pk,
            days=int(request.POST.get("days", 7)),
            max_uses=int(request.POST.get("max_uses", 100)),
        )
    except (ActionError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Invalid number.")))
    else:
        messages.success(request, _("Invitation code: %(code)s") % {"code": inv.code})
    return redirect("group_detail", pk=pk)


@staff_required
def coverage(request):
    return render(request, "groups/coverage.html", {"rows": queries.coverage(request.user)})


@login_required
def join(request, code=""):
    code = request.POST.get("code", code)
    if request.method == "POST":
        try:
            m = actions.do_join_by_invitation(request.user, code)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("You joined %(group)s.") % {"group": m.group.name})
            return redirect("me")
    return render(request, "groups/join.html", {"code": code})


@staff_required
def invitation_qr(request, pk, code):
    """The invitation as a QR code (SVG) pointing at the join page."""
    import io

    import segno
    from django.http import Http404, HttpResponse

    g = queries.group_for(request.user, pk)
    inv = queries.invitations_for(request.user, g).filter(code=code).first()
    if inv is None:
        raise Http404("not found")
    buf = io.BytesIO()
    segno.make(request.build_absolute_uri(f"/join/{inv.code}/"), error="m").save(
        buf, kind="svg", scale=6
    )
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")
