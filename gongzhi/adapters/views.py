from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import binding, wechat, wecom
from .models import ChannelIdentity


@csrf_exempt  # called by WeChat's servers; authenticated by the signature instead
@require_http_methods(["GET", "POST"])
def wechat_callback(request):
    return wechat.handle(request)


@csrf_exempt  # called by WeCom's servers; authenticated by the signature instead
@require_http_methods(["GET", "POST"])
def wecom_callback(request):
    return wecom.handle(request)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def bind(request):
    """The caller's own bindings; POST ``action=code`` shows a fresh one-time code, POST
    ``action=unbind`` with ``identity`` removes one of the caller's bindings."""
    code = expires = None
    if request.method == "POST":
        if request.POST.get("action") == "unbind":
            ident = get_object_or_404(
                ChannelIdentity, pk=request.POST.get("identity") or 0, user=request.user
            )
            ident.user, ident.bound_at = None, None
            ident.save(update_fields=["user", "bound_at"])
            return redirect("channel_bind")
        code, expires = binding.issue_code(request.user)
    return render(
        request,
        "adapters/bind.html",
        {
            "code": code,
            "expires": expires,
            "ttl_minutes": int(binding.CODE_TTL.total_seconds() // 60),
            "bindings": binding.bindings_of(request.user),
            "wechat_enabled": wechat.config().enabled,
            "wecom_enabled": wecom.config().enabled,
        },
    )
