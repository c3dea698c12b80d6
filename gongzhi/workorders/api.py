import datetime as dt

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError

from . import actions, queries
from .models import Category

router = Router(tags=["work orders"])


class CategoryOut(Schema):
    code: str
    name: str
    accept_hours: int
    complete_days: int


class OrderOut(Schema):
    id: int
    number: str
    title: str
    category: str | None
    state: str
    urgency: str
    channel: str
    community_id: int
    grid_id: int | None
    handler: str
    created_at: dt.datetime
    due_at: dt.datetime | None
    overdue: bool
    escalation_level: int
    rating: str
    reporter: str

    @staticmethod
    def resolve_category(obj):
        return obj.category.code if obj.category_id else None

    @staticmethod
    def resolve_handler(obj):
        return obj.handler_label

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue

    @staticmethod
    def resolve_reporter(obj):
        return obj.public_reporter


class EventOut(Schema):
    id: int
    verb: str
    from_state: str
    to_state: str
    actor: str
    comment: str
    created_at: dt.datetime
    attachments: list[str]

    @staticmethod
    def resolve_actor(obj):
        return obj.actor_label

    @staticmethod
    def resolve_attachments(obj):
        atts = getattr(obj, "new_attachments", None)  # set on a just-created event
        return [a.url for a in (obj.attachments.all() if atts is None else atts)]


class OrderDetail(OrderOut):
    description: str
    address: str
    lat: float | None
    lon: float | None
    accept_due: dt.datetime | None
    timeline: list[EventOut] = []


class OrderIn(Schema):
    description: str
    title: str = ""
    category: str | None = None
    urgency: str = "normal"
    community_id: int | None = None
    grid_id: int | None = None
    household_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    hide_identity: bool = False
    channel: str = "api"
    reporter_name: str = ""
    reporter_phone: str = ""


class ActIn(Schema):
    comment: str = ""
    reason: str = ""
    unit_id: int | None = None
    org_id: int | None = None
    rating: str = ""
    into_id: int | None = None
    approve: bool = True


VERBS = {
    "accept": lambda u, pk, p: actions.do_accept(u, pk, p.comment),
    "dispatch": lambda u, pk, p: actions.do_dispatch(
        u, pk, unit_id=p.unit_id, org_id=p.org_id, comment=p.comment
    ),
    "start": lambda u, pk, p: actions.do_start(u, pk, p.comment),
    "return": lambda u, pk, p: actions.do_return(u, pk, p.reason or p.comment),
    "transfer": lambda u, pk, p: actions.do_transfer(
        u, pk, unit_id=p.unit_id, org_id=p.org_id, comment=p.comment
    ),
    "cohandle": lambda u, pk, p: actions.do_add_cohandler(u, pk, p.org_id or 0, p.comment),
    "request_suspension": lambda u, pk, p: actions.do_request_suspension(
        u, pk, p.reason or p.comment
    ),
    "approve_suspension": lambda u, pk, p: actions.do_approve_suspension(
        u, pk, p.approve, p.comment
    ),
    "resume": lambda u, pk, p: actions.do_resume(u, pk, p.comment),
    "resolve": lambda u, pk, p: actions.do_resolve(u, pk, p.comment),
    "rate": lambda u, pk, p: actions.do_rate(u, pk, p.rating, p.comment),
    "reopen": lambda u, pk, p: actions.do_reopen(u, pk, p.reason or p.comment),
    "close": lambda u, pk, p: actions.do_close(u, pk, p.comment),
    "reject": lambda u, pk, p: actions.do_reject(u, pk, p.reason or p.comment),
    "merge": lambda u, pk, p: actions.do_merge(u, pk, p.into_id or 0, p.comment),
}


def _detail(order, user):
    order.timeline = list(queries.timeline(order, staff=scoping.is_staff_user(user)))
    return order


@router.get("/categories", response=list[CategoryOut], url_name="order_categories", auth=None)
def categories(request):
    return list(Category.objects.filter(active=True))


@router.get("", response=list[OrderOut], url_name="orders")
@paginate(LimitOffsetPagination)
def list_orders(
    request,
    state: str | None = None,
    category: str | None = None,
    overdue: bool = False,
    community: int | None = None,
    grid: int | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    q: str | None = None,
    mine: bool = False,
):
    if not scoping.is_staff_user(request.user):
        return queries.my_orders(request.user)
    return queries.orders_for(
        request.user,
        state=state,
        category=category,
        overdue=overdue,
        community=community,
        grid=grid,
        date_from=date_from,
        date_to=date_to,
        q=q,
        mine=mine,
    )


@router.post("", response={201: OrderDetail}, url_name="orders_create")
def create_order(request, payload: OrderIn):
    data = payload.dict()
    if not scoping.is_staff_user(request.user):
        data["channel"] = "api"
        data.pop("reporter_name")
        data.pop("reporter_phone")
    order = actions.do_submit(request.user, **data)
    order.timeline = [order.submit_event]
    return Status(201, order)


@router.get("/{order_id}", response=OrderDetail, url_name="order")
def get_order(request, order_id: int):
    return _detail(queries.order_for(request.user, order_id), request.user)


@router.get("/{order_id}/similar", response=list[OrderOut], url_name="order_similar")
def similar(request, order_id: int):
    order = queries.order_for(request.user, order_id)
    return list(actions.similar_open_orders(order))


@router.post("/{order_id}/actions/{verb}", response=OrderDetail, url_name="order_act")
def act(request, order_id: int, verb: str, payload: ActIn):
    if verb not in VERBS:
        raise ActionError(f"Unknown action “{verb}”.", code="unknown_action")
    order = VERBS[verb](request.user, order_id, payload)
    return _detail(queries.order_for(request.user, order.pk), request.user)


class NotificationOut(Schema):
    id: int
    order_id: int | None
    verb: str
    text: str
    read: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_read(obj):
        return obj.read_at is not None


class ReadIn(Schema):
    ids: list[int] = []


notifications_router = Router(tags=["notifications"])


@notifications_router.get("", response=list[NotificationOut], url_name="notifications")
@paginate(LimitOffsetPagination)
def notifications(request, unread: bool = False):
    qs = queries.notifications_for(request.user)
    return qs.filter(read_at=None) if unread else qs


@notifications_router.post("/read", response=dict, url_name="notifications_read")
def mark_read(request, payload: ReadIn):
    return {"updated": actions.do_mark_notifications_read(request.user, payload.ids)}
