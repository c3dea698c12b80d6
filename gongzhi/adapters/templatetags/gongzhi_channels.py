"""``{% load gongzhi_channels %}{% channel_binding %}``: the binding card for the /me page."""

from django import template

from ..binding import bindings_of

register = template.Library()


@register.inclusion_tag("adapters/_binding_card.html", takes_context=True)
def channel_binding(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    bindings = list(bindings_of(user)) if user is not None and user.is_authenticated else []
    return {"bindings": bindings, "request": request, "csrf_token": context.get("csrf_token")}
