import datetime as dt

from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from . import actions
from .events import serialize

router = Router(tags=["chat"])


class MessageIn(Schema):
    text: str = ""
    kind: str = "text"
    reply_to: int | None = None
    mentions: list[int] = []
    lat: float | None = None
    lon: float | None = None
    client_id: str = ""


class ReadIn(Schema):
    last_id: int


class NoticeIn(Schema):
    title: str
    body: str
    pinned: bool = True


class BroadcastIn(Schema):
    title: str
    body: str
    template: str = ""
    streets: list[int] = []
    communities: list[int] = []
    grids: list[int] = []
    kinds: list[str] = []
    tags: list[str] = []
    scheduled_at: dt.datetime | None = None


class ReportIn(Schema):
    reason: str


class ModerateIn(Schema):
    decision: str
    reason: str = ""


class OrderIn(Schema):
    category: str | None = None


@router.get("/groups/{group_id}/messages", response=list[dict], url_name="chat_messages")
def messages(
    request,
    group_id: int,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
    q: str | None = None,
):
    return [
        serialize(m)
        for m in actions.history(
            request.user, group_id, before=before, after=after, limit=limit, q=q
        )
    ]


@router.post("/groups/{group_id}/messages", response={201: dict}, url_name="chat_send")
def send(request, group_id: int, payload: MessageIn):
    m = actions.do_send(request.user, group_id, **payload.dict())
    return Status(201, serialize(m))


@router.post("/groups/{group_id}/files", response={201: dict}, url_name="chat_send_file")
def send_file(request, group_id: int, file: UploadedFile = File(...), kind: str = "file"):
    m = actions.do_send(request.user, group_id, kind=kind, upload=file)
    return Status(201, serialize(m))


@router.post("/groups/{group_id}/read", response=dict, url_name="chat_read")
def read(request, group_id: int, payload: ReadIn):
    return {"last_read_id": actions.do_mark_read(request.user, group_id, payload.last_id)}


@router.get("/unread", response=dict[int, int], url_name="chat_unread")
def unread(request):
    return actions.unread_counts(request.user)


@router.post("/messages/{message_id}/recall", response=dict, url_name="chat_recall")
def recall(request, message_id: int):
    return serialize(actions.do_recall(request.user, message_id))


@router.post("/messages/{message_id}/report", response={201: dict}, url_name="chat_report")
def report(request, message_id: int, payload: ReportIn):
    r = actions.do_report(request.user, message_id, payload.reason)
    return Status(201, {"id": r.pk})


@router.post("/messages/{message_id}/moderate", response=dict, url_name="chat_moderate")
def moderate(request, message_id: int, payload: ModerateIn):
    return serialize(
        actions.do_moderate(request.user, message_id, payload.decision, payload.reason)
    )


@router.post("/messages/{message_id}/work-order", response={201: dict}, url_name="chat_work_order")
def to_order(request, message_id: int, payload: OrderIn):
    o = actions.do_message_to_order(request.user, message_id, category=payload.category)
    return Status(201, {"work_order_id": o.pk, "number": o.number})


@router.get("/groups/{group_id}/notices", response=list[dict], url_name="chat_notices")
def notices(request, group_id: int):
    g, _m, _manages = actions.chat_access(request.user, group_id)
    return [
        {
            "id": n.pk,
            "title": n.title,
            "body": n.body,
            "pinned": n.pinned,
            "created_at": n.created_at.isoformat(),
            **actions.notice_stats(n),
        }
        for n in g.notices.all()[:50]
    ]


@router.post("/groups/{group_id}/notices", response={201: dict}, url_name="chat_notice_post")
def post_notice(request, group_id: int, payload: NoticeIn):
    n = actions.do_post_notice(request.user, group_id, payload.title, payload.body, payload.pinned)
    return Status(201, {"id": n.pk, "message_id": n.message_id})


@router.post("/notices/{notice_id}/read", response=dict, url_name="chat_notice_read")
def read_notice(request, notice_id: int):
    return actions.do_read_notice(request.user, notice_id)


@router.post("/notices/{notice_id}/remind", response=dict, url_name="chat_notice_remind")
def remind(request, notice_id: int):
    return {"reminded": actions.do_remind_unread(request.user, notice_id)}


@router.post("/broadcasts", response={201: dict}, url_name="chat_broadcast")
def broadcast(request, payload: BroadcastIn):
    data = payload.dict()
    selector = {
        k: data.pop(k) for k in ("streets", "communities", "grids", "kinds", "tags") if data.get(k)
    }
    for k in ("streets", "communities", "grids", "kinds", "tags"):
        data.pop(k, None)
    b = actions.do_create_broadcast(request.user, selector=selector, **data)
    return Status(201, {"id": b.pk, "groups_total": b.groups_total, "status": b.status})


@router.get("/broadcasts/{broadcast_id}", response=dict, url_name="chat_broadcast_stats")
def broadcast_stats(request, broadcast_id: int):
    return actions.broadcast_stats(request.user, broadcast_id)


@router.get("/metrics", response=list[dict], url_name="chat_metrics")
def metrics(request, level: str = "community", unit: int | None = None, days: int = 30):
    from gongzhi.core.errors import ActionError

    from . import metrics as M

    if level not in ("community", "street", "district"):
        raise ActionError("level must be community, street or district", field="level")
    return M.community_metrics(request.user, level=level, unit_id=unit, days=max(1, min(days, 366)))


@router.get("/metrics/quarter", response=dict, url_name="chat_metrics_quarter")
def metrics_quarter(request, unit: int, year: int, quarter: int):
    from gongzhi.core.errors import ActionError

    from . import metrics as M

    if quarter not in (1, 2, 3, 4) or not 2000 <= year <= 2100:
        raise ActionError("quarter must be 1-4 and year a four-digit year", field="quarter")
    return M.quarterly_active_rate(request.user, unit, year, quarter)


@router.get("/groups/{group_id}/metrics", response=dict, url_name="chat_group_metrics")
def group_metrics(request, group_id: int, days: int = 30):
    from . import metrics as M

    return M.group_metrics(request.user, group_id, days=max(1, min(days, 366)))
