import datetime as dt

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status

from . import actions, queries

router = Router(tags=["assistant"])


class AskIn(Schema):
    question: str
    context: dict = {}


class ReplyOut(Schema):
    exchange_id: int
    kind: str
    text: str
    title: str
    category: str | None
    score: float
    entry_id: str | None
    suggestions: list[dict]
    context: dict


class HandoffIn(Schema):
    description: str = ""
    hide_identity: bool = False


class EntryOut(Schema):
    id: int
    key: str
    topic: str
    question: str
    similar: list[str]
    answer: str
    department: str
    confirm: str
    scope_id: int | None
    status: str
    version: int
    updated_at: dt.datetime


class EntryIn(Schema):
    question: str
    answer: str
    similar: list[str] = []
    topic: str = ""
    department: str = ""
    confirm: str = ""
    keywords: list[str] = []
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    scope_id: int | None = None
    overrides_id: int | None = None


@router.post("/assistant/ask", response=ReplyOut, url_name="assistant_ask")
def ask(request, payload: AskIn):
    reply, ex = actions.do_ask(
        request.user, payload.question, context=payload.context, channel="api"
    )
    return {
        "exchange_id": ex.pk,
        **reply.as_dict(),
        "suggestions": [{"entry_id": k, "question": q} for k, q in reply.suggestions],
        "context": reply.context,
    }


@router.post(
    "/assistant/exchanges/{exchange_id}/handoff", response={201: dict}, url_name="assistant_handoff"
)
def handoff(request, exchange_id: int, payload: HandoffIn):
    order = actions.do_handoff(
        request.user,
        exchange_id,
        description=payload.description,
        hide_identity=payload.hide_identity,
    )
    return Status(201, {"work_order_id": order.pk, "number": order.number})


@router.get("/kb/entries", response=list[EntryOut], url_name="kb_entries")
@paginate(LimitOffsetPagination)
def entries(request, status: str | None = None, topic: str | None = None, q: str | None = None):
    return queries.entries_for(request.user, status=status, topic=topic, q=q)


@router.post("/kb/entries", response={201: EntryOut}, url_name="kb_entries_create")
def create_entry(request, payload: EntryIn):
    data = payload.dict()
    scope_id, overrides_id = data.pop("scope_id"), data.pop("overrides_id")
    return Status(
        201, actions.do_save_entry(request.user, data, scope_id=scope_id, overrides_id=overrides_id)
    )


@router.get("/kb/entries/{entry_id}", response=EntryOut, url_name="kb_entry")
def entry(request, entry_id: int):
    return queries.entry_for(request.user, entry_id)


@router.post("/kb/entries/{entry_id}/{verb}", response=EntryOut, url_name="kb_entry_act")
def entry_act(request, entry_id: int, verb: str):
    fn = {
        "review": actions.do_review,
        "publish": actions.do_publish,
        "archive": actions.do_archive,
    }.get(verb)
    if fn is None:
        from gongzhi.core.errors import ActionError

        raise ActionError(f"Unknown action “{verb}”.", code="unknown_action")
    return fn(request.user, entry_id)


@router.get("/assistant/stats", response=dict, url_name="assistant_stats")
def stats(request, days: int = 30):
    return queries.stats(request.user, days=max(1, min(days, 365)))
