"""Open311 GeoReport v2 endpoint (http://wiki.open311.org/GeoReport_v2), plus mySociety's
``servicerequestupdates`` extension. Every resource is served as ``.json`` and ``.xml``.

Services are the active categories; a request is a work order (``service_request_id`` is the
order number). One jurisdiction: ``jurisdiction_id`` is accepted and ignored. Nothing personal
leaves through this API: no reporter name or phone, and ID/mobile numbers in free text are
masked. See docs/open311.md for the status mapping and the attributes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import xml.etree.ElementTree as ET
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.core.errors import ActionError
from gongzhi.core.identity import scrub_text
from gongzhi.org.models import OrgUnit

from .actions import do_submit
from .models import FINAL, Attachment, Category, Event, Open311Key, State, WorkOrder

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-28T00:00:00Z"  # bump when the services or attributes change shape
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
WINDOW = dt.timedelta(days=90)  # default range of GET requests, and the widest one allowed
LIMIT = 1000  # at most this many requests (newest first) or updates (oldest first)
MEDIA_FOOTER = "media_url: "  # a submitted media_url is kept as the description's last line

# XML element of the items of each list (Spark convention: JSON arrays ↔ repeated elements).
ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CJK = re.compile("[\u3400-\u9fff]")
_MEDIA_LINE = re.compile(r"\n*^" + re.escape(MEDIA_FOOTER) + r"(https?://\S+)\Z", re.M)


class Open311Error(Exception):
    """Answered as a GeoReport error list with this HTTP status."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- rendering -----------------------------------------------------------------------------


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _fill(elem: ET.Element, key: str, value) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(ET.SubElement(elem, k), k, v)
    elif isinstance(value, list):
        tag = ITEM_TAGS[key]
        for item in value:
            _fill(ET.SubElement(elem, tag), tag, item)
    else:
        elem.text = _text(value)


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """JSON as is; XML with ``root`` as the document element (lists become repeated items)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        elem = ET.Element(root)
        _fill(elem, root, data)
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(elem, encoding="unicode").encode()
        )
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": description}], status)


def endpoint(*methods: str):
    """Format from the URL suffix, method check (405), Open311Error → spec error body."""

    def deco(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            fmt = fmt.lower()
            if fmt not in FORMATS:
                return error(
                    "xml", 400, _("Unknown format “%(fmt)s”: use .json or .xml.") % {"fmt": fmt}
                )
            allowed = (*methods, "HEAD") if "GET" in methods else methods
            if request.method not in allowed:
                resp = error(
                    fmt,
                    405,
                    _("Method %(method)s is not allowed here; use %(allowed)s.")
                    % {"method": request.method, "allowed": ", ".join(methods)},
                )
                resp["Allow"] = ", ".join(allowed)
                return resp
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc.status, exc.description)

        return wrapper

    return deco


# --- values --------------------------------------------------------------------------------


def w3(t: dt.datetime | None) -> str | None:
    """W3C datetime in the district's time zone, with its offset (2026-05-01T09:30:00+08:00)."""
    return timezone.localtime(t).isoformat(timespec="seconds") if t else None


def parse_w3(value: str, name: str) -> dt.datetime:
    try:
        t = parse_datetime(value)
        if t is None:
            d = parse_date(value)
            t = dt.datetime.combine(d, dt.time(0)) if d else None
    except ValueError:
        t = None
    if t is None:
        raise Open311Error(
            400,
            _("%(name)s must be a W3C datetime such as 2026-01-01T00:00:00Z.") % {"name": name},
        )
    return timezone.make_aware(t) if timezone.is_naive(t) else t


def arg(params, name: str) -> str | None:
    """An optional argument: empty counts as absent (spec: "Optional Arguments")."""
    value = (params.get(name) or "").strip()
    return value or None


def window(params) -> tuple[dt.datetime, dt.datetime]:
    """start_date/end_date; the most recent 90 days by default, never more than 90 days."""
    start = arg(params, "start_date")
    end = arg(params, "end_date")
    start = parse_w3(start, "start_date") if start else None
    end = parse_w3(end, "end_date") if end else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if start > end:
        raise Open311Error(400, _("start_date must not be after end_date."))
    if end - start > WINDOW:
        raise Open311Error(400, _("The date range may not span more than 90 days."))
    return start, end


def status_of(state: str) -> str:
    """Open311 status: closed once the order is closed (incl. rejected) or merged; resolved
    and rated orders stay open until closed, because the resident may still reopen them."""
    return "closed" if state in FINAL else "open"


def state_label(state: str) -> str:
    return str(State(state).label) if state in State.values else ""


def service_notice(cat: Category) -> str:
    return _("Accepted within %(hours)s working hours, completed within %(days)s working days.") % {
        "hours": cat.accept_hours,
        "days": cat.complete_days,
    }


def split_media(description: str) -> tuple[str, str | None]:
    """Description without the media_url footer added on submission, and that URL."""
    m = _MEDIA_LINE.search(description)
    if not m:
        return description, None
    return description[: m.start()], m.group(1)


def _media_url(request, attachment_id: int) -> str:
    return request.build_absolute_uri(reverse("order_attachment", args=[attachment_id]))


# --- services ------------------------------------------------------------------------------


def _group(cat: Category) -> str:
    if cat.department_id:
        return cat.department.name
    return {
        "grid": _("Community and grid"),
        "community": _("Community and grid"),
        "property": _("Property management"),
        "department": _("District departments"),
    }.get(cat.default_handler, _("Community and grid"))


def service_json(cat: Category) -> dict:
    return {
        "service_code": cat.code,
        "service_name": cat.name,
        "description": cat.description or cat.name,
        "metadata": True,
        "type": "realtime",
        "keywords": f"{cat.name}, {cat.code}",
        "group": _group(cat),
    }


def community_values() -> list[dict]:
    units = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY).select_related("parent")
    return [
        {"key": u.code, "name": f"{u.parent.name} {u.name}" if u.parent_id else u.name}
        for u in units.order_by("path")
    ]


def definition_json(cat: Category) -> dict:
    return {
        "service_code": cat.code,
        "attributes": [
            {
                "variable": True,
                "code": "community",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": _("The code of the community (社区/村) of the problem."),
                "order": 1,
                "description": _("Community where the problem is"),
                "values": community_values(),
            },
            {
                "variable": True,
                "code": "hide_identity",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("true or false (default)."),
                "order": 2,
                "description": _("Hide the reporter's name from the public record"),
                "values": [{"key": "false", "name": _("No")}, {"key": "true", "name": _("Yes")}],
            },
        ],
    }


def _active_category(code: str) -> Category:
    cat = Category.objects.filter(code=code, active=True).select_related("department").first()
    if cat is None:
        raise Open311Error(404, _("Unknown service_code “%(code)s”.") % {"code": code})
    return cat


# --- requests ------------------------------------------------------------------------------


def orders():
    """Orders with what the public record needs; personal columns are never loaded."""
    latest = (
        Event.objects.filter(order=OuterRef("pk"), public=True)
        .exclude(verb="submit")
        .order_by("-created_at", "-id")
    )
    media = (
        Attachment.objects.filter(order=OuterRef("pk"))
        .filter(Q(event=None) | Q(event__public=True))
        .order_by("id")
    )
    return (
        WorkOrder.objects.select_related("category", "community", "handler_org", "handler_unit")
        .defer("reporter_name", "reporter_phone")
        .annotate(
            note_comment=Subquery(latest.values("comment")[:1]),
            note_state=Subquery(latest.values("to_state")[:1]),
            media_id=Subquery(media.values("pk")[:1]),
        )
    )


def request_json(request, o: WorkOrder) -> dict:
    description, linked = split_media(o.description)
    if o.note_comment and o.note_state == o.state:
        notes = scrub_text(o.note_comment)
    else:
        notes = state_label(o.state)
    closed = o.state in FINAL
    return {
        "service_request_id": o.number,
        "status": status_of(o.state),
        "status_notes": notes,
        "service_name": o.category.name if o.category_id else None,
        "service_code": o.category.code if o.category_id else None,
        "description": scrub_text(description),
        "agency_responsible": o.handler_label or None,
        "service_notice": service_notice(o.category) if o.category_id else None,
        "requested_datetime": w3(o.created_at),
        "updated_datetime": w3(o.closed_at if closed and o.closed_at else o.updated_at),
        "expected_datetime": w3(o.due_at),
        "address": scrub_text(o.address) if o.address else o.community.name,
        "address_id": None,
        "zipcode": None,
        "lat": o.lat,
        "long": o.lon,
        "media_url": _media_url(request, o.media_id) if o.media_id else linked,
    }


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def list_requests(request, fmt: str) -> HttpResponse:
    params = request.GET
    qs = orders()
    ids = arg(params, "service_request_id")
    if ids:  # overrides every other argument
        qs = qs.filter(number__in=_split(ids)[:LIMIT])
    else:
        codes = arg(params, "service_code")
        if codes:
            codes = _split(codes)
            known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise Open311Error(
                    400, _("Unknown service_code “%(code)s”.") % {"code": ", ".join(unknown)}
                )
            qs = qs.filter(category__code__in=codes)
        status = arg(params, "status")
        if status:
            wanted = {s.lower() for s in _split(status)}
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, _("status must be open, closed or both (comma-separated)."))
            if wanted == {"open"}:
                qs = qs.exclude(state__in=FINAL)
            elif wanted == {"closed"}:
                qs = qs.filter(state__in=FINAL)
        start, end = window(params)
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
    qs = qs.order_by("-created_at", "-id")[:LIMIT]
    return render(fmt, "service_requests", [request_json(request, o) for o in qs])


def _bool(value: str | None, name: str) -> bool:
    v = (value or "").strip().lower()
    if v in ("", "false", "0", "no"):
        return False
    if v in ("true", "1", "yes"):
        return True
    raise Open311Error(400, _("attribute[%(name)s] must be true or false.") % {"name": name})


def _float(params, name: str) -> float:
    try:
        return float(params[name])
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name}) from None


def _reporter_name(first: str, last: str) -> str:
    if _CJK.search(first + last):
        return f"{last}{first}"  # 姓 + 名
    return " ".join(p for p in (first, last) if p)


def create_request(request, fmt: str) -> HttpResponse:
    """POST Service Request: creates the order at once (type realtime) and answers with its
    number and a token for tokens/{token}. Any failure leaves nothing behind."""
    p = request.POST
    api_key = arg(p, "api_key") or arg(request.GET, "api_key")
    if not api_key:
        raise Open311Error(403, _("api_key is required to create a service request."))
    key = Open311Key.lookup(api_key)
    if key is None:
        raise Open311Error(403, _("Invalid api_key: cannot create the service request."))
    code = arg(p, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is required."))
    cat = _active_category(code)
    community_ref = arg(p, "attribute[community]")
    if not community_ref:
        raise Open311Error(
            400,
            _(
                "attribute[community] is required: the code of the community where the problem "
                "is (listed in services/%(code)s.%(fmt)s)."
            )
            % {"code": cat.code, "fmt": fmt},
        )
    communities = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY)
    community = communities.filter(code=community_ref).first()
    if community is None and community_ref.isdigit():
        community = communities.filter(pk=int(community_ref)).first()
    if community is None:
        raise Open311Error(
            400, _("Unknown community “%(ref)s” in attribute[community].") % {"ref": community_ref}
        )
    hide = _bool(p.get("attribute[hide_identity]"), "hide_identity")
    lat = lon = None
    if arg(p, "lat") or arg(p, "long"):
        if not (arg(p, "lat") and arg(p, "long")):
            raise Open311Error(400, _("lat and long must be sent together."))
        lat, lon = _float(p, "lat"), _float(p, "long")
    address = arg(p, "address_string") or ""
    if lat is None and not address:
        if arg(p, "address_id"):
            raise Open311Error(
                400, _("address_id is not supported here: send lat and long, or address_string.")
            )
        raise Open311Error(
            400, _("A location is required: lat and long, or address_string (or both).")
        )
    description = (p.get("description") or "").strip()
    media_url = arg(p, "media_url")
    if media_url:
        try:
            if len(media_url) > 500:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, _("media_url must be an http(s) URL.")) from None
        if description:
            description = f"{description}\n\n{MEDIA_FOOTER}{media_url}"
    token = secrets.token_urlsafe(16)
    try:
        with transaction.atomic():
            order = do_submit(
                None,
                description=description,
                category=cat.code,
                channel=WorkOrder.Channel.OPEN311,
                community_id=community.pk,
                lat=lat,
                lon=lon,
                address=address,
                hide_identity=hide,
                reporter_name=_reporter_name(arg(p, "first_name") or "", arg(p, "last_name") or ""),
                reporter_phone=arg(p, "phone") or "",
                source_ref=f"open311-key:{key.pk}",
            )
            WorkOrder.objects.filter(pk=order.pk).update(open311_token=token)
    except ActionError as exc:
        raise Open311Error(exc.status, exc.message) from None
    return render(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": order.number,
                "token": token,
                "service_notice": service_notice(cat),
                "account_id": None,
            }
        ],
    )


# --- views ---------------------------------------------------------------------------------


@endpoint("GET")
def discovery(request, fmt: str):
    suffix = f"discovery.{fmt}"
    path = request.path[: -len(suffix)] if request.path.endswith(suffix) else request.path
    url = request.build_absolute_uri(path).rstrip("/")
    data = {
        "changeset": CHANGESET,
        "contact": getattr(
            settings,
            "OPEN311_CONTACT",
            _("District command centre of the Gongzhi platform (see the site's contact page)."),
        ),
        "key_service": getattr(
            settings,
            "OPEN311_KEY_SERVICE",
            _(
                "API keys for creating requests are issued by the district administrators "
                "(gongzhi open311 key create --name NAME)."
            ),
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", data)


@endpoint("GET")
def services(request, fmt: str):
    cats = Category.objects.filter(active=True).select_related("department")
    return render(fmt, "services", [service_json(c) for c in cats])


@endpoint("GET")
def service_definition(request, fmt: str, code: str):
    return render(fmt, "service_definition", definition_json(_active_category(code)))


@endpoint("GET", "POST")
def requests(request, fmt: str):
    if request.method == "POST":
        return create_request(request, fmt)
    return list_requests(request, fmt)


@endpoint("GET")
def request_detail(request, fmt: str, request_id: str):
    order = orders().filter(number=request_id).first()
    if order is None:
        raise Open311Error(404, _("Service request “%(id)s” not found.") % {"id": request_id})
    return render(fmt, "service_requests", [request_json(request, order)])


@endpoint("GET")
def token(request, fmt: str, token: str):
    number = WorkOrder.objects.filter(open311_token=token).values_list("number", flat=True).first()
    if number is None:
        raise Open311Error(404, _("Token “%(token)s” not found.") % {"token": token})
    return render(fmt, "service_requests", [{"service_request_id": number, "token": token}])


@endpoint("GET")
def request_updates(request, fmt: str):
    """mySociety extension: public timeline events (oldest first) in the date window."""
    start, end = window(request.GET)
    media = Attachment.objects.filter(event=OuterRef("pk")).order_by("id").values("pk")[:1]
    events = (
        Event.objects.filter(public=True, created_at__gte=start, created_at__lte=end)
        .exclude(verb="submit")
        .select_related("order")
        .only("id", "to_state", "comment", "created_at", "order__number", "order__state")
        .annotate(media_id=Subquery(media))
        .order_by("created_at", "id")[:LIMIT]
    )
    data = [
        {
            "update_id": str(ev.pk),
            "service_request_id": ev.order.number,
            "status": status_of(ev.to_state or ev.order.state),
            "updated_datetime": w3(ev.created_at),
            "description": scrub_text(ev.comment) or state_label(ev.to_state),
            "media_url": _media_url(request, ev.media_id) if ev.media_id else None,
        }
        for ev in events
    ]
    return render(fmt, "service_request_updates", data)
