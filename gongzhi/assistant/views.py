import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError
from gongzhi.core.views import run_import, staff_required, xlsx_response

from . import actions, queries
from .models import Entry


@login_required
def chat(request):
    return render(request, "assistant/chat.html")


@login_required
@require_POST
def chat_ask(request):
    """htmx: one question in, one reply bubble out; the conversation context rides along."""
    try:
        context = json.loads(request.POST.get("context") or "{}")
    except ValueError:
        context = {}
    try:
        reply, ex = actions.do_ask(
            request.user,
            request.POST.get("question", ""),
            context=context if isinstance(context, dict) else {},
        )
    except ActionError as exc:
        return render(request, "assistant/_reply.html", {"error": exc.message}, status=400)
    return render(
        request,
        "assistant/_reply.html",
        {"q": ex.question, "reply": reply, "ex": ex, "context": json.dumps(reply.context)},
    )


@login_required
@require_POST
def chat_handoff(request, pk):
    try:
        order = actions.do_handoff(
            request.user, pk, hide_identity=request.POST.get("hide_identity") == "on"
        )
    except ActionError as exc:
        return HttpResponse(f'<div class="msg error">{escape(exc.message)}</div>', status=400)
    return render(request, "assistant/_handoff_done.html", {"order": order})


@staff_required
def kb_list(request):
    f = {k: request.GET.get(k) or None for k in ("status", "topic", "q")}
    page = Paginator(queries.entries_for(request.user, **f), 50).get_page(request.GET.get("page"))
    topics = (
        queries.entries_for(request.user)
        .order_by("topic")
        .values_list("topic", flat=True)
        .distinct()
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assistant/kb_list.html",
        {
            "page": page,
            "f": f,
            "statuses": Entry.Status.choices,
            "topics": topics,
            "query": query.urlencode(),
            "is_district": scoping.unit_scope(request.user, scoping.CHANGE) is None,
        },
    )


def _form_data(post) -> dict:
    return {
        k: post.get(k, "")
        for k in (
            "question",
            "answer",
            "similar",
            "topic",
            "department",
            "confirm",
            "keywords",
            "valid_from",
            "valid_to",
        )
    }


@staff_required
def kb_edit(request, pk=None):
    e = queries.entry_for(request.user, pk) if pk else None
    if request.method == "POST":
        verb = request.POST.get("verb", "save")
        try:
            if verb == "save":
                e = actions.do_save_entry(
                    request.user,
                    _form_data(request.POST),
                    entry_id=e.pk if e else None,
                    scope_id=int(request.POST.get("scope") or 0) or None,
                    overrides_id=int(request.POST.get("overrides") or 0) or None,
                )
            elif e and verb in ("review", "publish", "archive"):
                getattr(actions, f"do_{verb}")(request.user, e.pk)
            else:
                raise ActionError(_("Unknown action."))
        except (ActionError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Invalid input.")))
        else:
            messages.success(request, _("Saved."))
            return redirect("kb_edit", pk=e.pk)
    units = scoping.unit_scope(request.user, scoping.CHANGE)
    from gongzhi.org.models import OrgUnit

    scopes = OrgUnit.objects.filter(kind__in=["street", "community"])
    if units is not None:
        scopes = scopes.filter(pk__in=units)
    return render(
        request,
        "assistant/kb_edit.html",
        {
            "e": e,
            "versions": e.versions.all()[:20] if e else [],
            "scopes": scopes[:300],
            "overrides": request.GET.get("overrides", ""),
        },
    )


@staff_required
def kb_export(request):
    return xlsx_response(queries.export_entries(request.user), "xiaoqi-kb.xlsx")


@staff_required
def kb_import(request):
    errors = []
    if request.method == "POST":
        r, errors = run_import(request, actions.do_import_entries)
        if r is not None:
            messages.success(
                request,
                _("Imported: %(c)d new, %(u)d updated (as drafts).")
                % {"c": r["created"], "u": r["updated"]},
            )
            return redirect("kb_list")
    return render(request, "assistant/kb_import.html", {"errors": errors})


@staff_required
def insights(request):
    days = int(request.GET.get("days") or 30)
    return render(
        request,
        "assistant/insights.html",
        {
            "s": queries.stats(request.user, days=days),
            "clusters": queries.suggestions(request.user, days=max(days, 90)),
            "recent": queries.exchanges_for(request.user, days=days).exclude(kind="answer")[:30],
        },
    )


@staff_required
@require_POST
def correct(request, pk):
    try:
        e = actions.do_correct(
            request.user, pk, entry_id=int(request.POST.get("entry") or 0) or None
        )
    except (ActionError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Invalid input.")))
        return redirect("assistant_insights")
    messages.success(request, _("Recorded as a draft for review."))
    return redirect("kb_edit", pk=e.pk)
