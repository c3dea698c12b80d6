"""Asking 小栖, handing off to a work order, raising emergency alerts, and editing the
knowledge base through draft → reviewed → published with versions."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError, RowsInvalid
from gongzhi.core.identity import scrub_text
from gongzhi.core.models import record_event
from gongzhi.org.models import OrgUnit
from gongzhi.people.models import Resident, RoleGrant

from . import service
from .engine import fill_placeholders
from .models import Entry, EntryVersion, Exchange

MAX_QUESTION = 500
ALERT_ROLES = (scoping.COMMUNITY_STAFF, scoping.PARTY_SECRETARY, scoping.GRID_WORKER)


def _resident(user) -> Resident | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Resident.objects.filter(user_id=user.pk).select_related("community__parent").first()


def do_ask(
    user,
    question: str,
    *,
    context: dict | None = None,
    channel: str = "web",
    community: OrgUnit | None = None,
):
    """Answer one question and log the exchange. Returns (reply, exchange)."""
    question = (question or "").strip()
    if not question:
        raise ActionError(_("Ask a question."), field="question")
    if len(question) > MAX_QUESTION:
        raise ActionError(_("Questions are limited to 500 characters."), field="question")
    resident = _resident(user)
    if community is None and resident is not None:
        community = resident.community
    fill = service.fill_for(community)
    reply = service.engine().answer(question, context=context, fill=fill)
    if reply.kind == "answer" and reply.entry_id:
        local = service.local_answer(reply.entry_id, community)
        if local:
            reply.text = fill_placeholders(local, fill)
    with transaction.atomic():
        ex = Exchange.objects.create(
            user=user if getattr(user, "pk", None) else None,
            community=community,
            channel=channel[:16],
            question=scrub_text(question),
            kind=reply.kind,
            entry_key=reply.entry_id or "",
            title=reply.title[:200],
            category=(reply.category or "")[:20],
            score=reply.score,
            reply=reply.text,
        )
        if reply.kind == "emergency" and community is not None:
            _alert_duty(community, resident, ex)
    return reply, ex


def _alert_duty(community: OrgUnit, resident: Resident | None, ex: Exchange) -> None:
    """Tell the community on duty at once: its staff, secretary and the resident's grid worker."""
    from gongzhi.workorders.models import Notification

    units = [community.pk] + ([resident.grid_id] if resident and resident.grid_id else [])
    users = set(
        RoleGrant.objects.filter(unit_id__in=units, role__in=ALERT_ROLES).values_list(
            "user_id", flat=True
        )
    )
    where = f"{resident.household}" if resident and resident.household_id else community.name
    text = f"【紧急】小栖收到求助：{ex.question[:80]}（{where}），请立即联系处置。"
    Notification.objects.bulk_create(
        [Notification(user_id=u, verb="emergency", text=text[:300]) for u in users]
    )


def do_handoff(user, exchange_id: int, *, description: str = "", hide_identity: bool = False):
    """The resident confirms: open a work order from the exchange, category pre-filled."""
    from gongzhi.workorders.actions import do_submit
    from gongzhi.workorders.models import Category

    ex = Exchange.objects.filter(pk=exchange_id, user_id=user.pk).first()
    if ex is None:  # someone else's conversation looks exactly like a missing one
        raise Http404("not found")
    if ex.work_order_id:
        raise ActionError(_("A work order was already opened for this message."), code="duplicate")
    cat = Category.objects.filter(name=ex.category, active=True).first()
    with transaction.atomic():
        order = do_submit(
            user,
            description=(description or ex.question).strip(),
            category=cat.code if cat else None,
            channel="assistant",
            hide_identity=hide_identity,
            source_ref=f"assistant:{ex.pk}",
        )
        ex.work_order = order
        ex.save(update_fields=["work_order"])
    return order


# --- knowledge base -------------------------------------------------------------------------

EDITABLE = (
    "topic",
    "question",
    "similar",
    "answer",
    "keywords",
    "department",
    "confirm",
    "valid_from",
    "valid_to",
)


def _can_edit(user, scope: OrgUnit | None) -> bool:
    ids = scoping.unit_scope(user, scoping.CHANGE)
    if ids is None:
        return True
    if scope is None:  # district-wide entries: district admins only
        return False
    roles = scoping.roles_of(user) & {
        scoping.COMMUNITY_STAFF,
        scoping.PARTY_SECRETARY,
        scoping.STREET_STAFF,
    }
    return bool(roles) and scope.pk in ids


def _snapshot(e: Entry, actor, note: str = "") -> None:
    EntryVersion.objects.create(
        entry=e,
        version=e.version,
        status=e.status,
        actor=actor,
        note=note[:200],
        data={f: _plain(getattr(e, f)) for f in EDITABLE},
    )


def _plain(v):
    return v.isoformat() if hasattr(v, "isoformat") else v


def _clean(data: dict) -> dict:
    out = {}
    q = (data.get("question") or "").strip()
    a = (data.get("answer") or "").strip()
    if not q or len(q) > 200:
        raise ActionError(
            _("The standard question is required (at most 200 characters)."), field="question"
        )
    if not a:
        raise ActionError(_("The answer is required."), field="answer")
    similar = data.get("similar") or []
    if isinstance(similar, str):
        similar = [s.strip() for s in similar.splitlines()]
    similar = [s for s in dict.fromkeys(similar) if s and s != q]
    out.update(
        question=q,
        answer=a[:4000],
        similar=similar[:50],
        topic=(data.get("topic") or "").strip()[:40] or "其他",
        department=(data.get("department") or "").strip()[:60],
        confirm=(data.get("confirm") or "").strip()[:200],
    )
    kw = data.get("keywords") or []
    out["keywords"] = [k.strip() for k in (kw.split() if isinstance(kw, str) else kw) if k][:10]
    for f in ("valid_from", "valid_to"):
        out[f] = data.get(f) or None
    if out["valid_from"] and out["valid_to"] and str(out["valid_from"]) > str(out["valid_to"]):
        raise ActionError(_("“Valid until” is before “valid from”."), field="valid_to")
    return out


def do_save_entry(
    user,
    data: dict,
    *,
    entry_id: int | None = None,
    scope_id: int | None = None,
    overrides_id: int | None = None,
) -> Entry:
    """Create a draft or change an entry; any change puts it back to draft, version + 1."""
    clean = _clean(data)
    with transaction.atomic():
        if entry_id:
            e = scoping.access(Entry.objects.select_for_update(), user, entry_id)
            if not _can_edit(user, e.scope):
                raise ActionError(_("You cannot edit this entry."), code="forbidden")
            if e.status == Entry.Status.PUBLISHED and not e.live:
                e.live = {k: v for k, v in e.as_engine_entry().items() if k != "id"}
            for k, v in clean.items():
                setattr(e, k, v)
            e.version += 1
        else:
            scope = (
                scoping.access(
                    OrgUnit.objects.filter(kind__in=("street", "community")),
                    user,
                    scope_id,
                    scoping.CHANGE,
                )
                if scope_id
                else None
            )
            if not _can_edit(user, scope):
                raise ActionError(_("You cannot add entries here."), code="forbidden")
            base = None
            if overrides_id:
                base = Entry.objects.filter(pk=overrides_id, scope=None).first()
                if base is None:
                    raise ActionError(_("Unknown district entry."), field="overrides")
            key = f"{'local' if scope else 'kb'}-{timezone.now():%y%m%d%H%M%S%f}"[:40]
            e = Entry(key=key, scope=scope, overrides=base, **clean)
        e.status, e.updated_by, e.updated_at = Entry.Status.DRAFT, user, timezone.now()
        e.save()
        _snapshot(e, user, "edit")
        record_event(user, "kb.save", e, community_id=e.scope_id, version=e.version)
    return e


def do_review(user, entry_id: int) -> Entry:
    with transaction.atomic():
        e = scoping.access(Entry.objects.select_for_update(), user, entry_id)
        if not _can_edit(user, e.scope):
            raise ActionError(_("You cannot review this entry."), code="forbidden")
        if e.status != Entry.Status.DRAFT:
            raise ActionError(_("Only drafts can be reviewed."), code="illegal_transition")
        if e.updated_by_id == user.pk:
            raise ActionError(_("Another person must review your change."), code="four_eyes")
        e.status, e.reviewed_by = Entry.Status.REVIEWED, user
        e.save(update_fields=["status", "reviewed_by"])
        _snapshot(e, user, "review")
    return e


def do_publish(user, entry_id: int) -> Entry:
    with transaction.atomic():
        e = scoping.access(Entry.objects.select_for_update(), user, entry_id)
        if not _can_edit(user, e.scope):
            raise ActionError(_("You cannot publish this entry."), code="forbidden")
        if e.status != Entry.Status.REVIEWED:
            raise ActionError(
                _("Only reviewed entries can be published."), code="illegal_transition"
            )
        e.status, e.updated_at = Entry.Status.PUBLISHED, timezone.now()
        e.live = {k: v for k, v in e.as_engine_entry().items() if k != "id"}
        e.save(update_fields=["status", "updated_at", "live"])
        _snapshot(e, user, "publish")
    service.reset()
    return e


def do_archive(user, entry_id: int) -> Entry:
    with transaction.atomic():
        e = scoping.access(Entry.objects.select_for_update(), user, entry_id)
        if not _can_edit(user, e.scope):
            raise ActionError(_("You cannot archive this entry."), code="forbidden")
        e.status, e.updated_at, e.live = Entry.Status.ARCHIVED, timezone.now(), None
        e.save(update_fields=["status", "updated_at", "live"])
        _snapshot(e, user, "archive")
    service.reset()
    return e


def do_correct(user, exchange_id: int, *, entry_id: int | None = None) -> Entry:
    """Staff correct a reply: the question joins the right entry's similar questions (as a new
    draft version) so the correction feeds the knowledge base after review."""
    ex = scoping.access(Exchange, user, exchange_id, scoping.CHANGE)
    with transaction.atomic():
        if entry_id:
            e = scoping.access(Entry, user, entry_id)
            data = {f: getattr(e, f) for f in EDITABLE}
            data["similar"] = [*e.similar, ex.question]
            e = do_save_entry(user, data, entry_id=e.pk)
        else:
            e = do_save_entry(
                user,
                {"question": ex.question, "answer": ex.reply or "待补充", "topic": "待分类"},
                scope_id=None
                if scoping.unit_scope(user, scoping.CHANGE) is None
                else ex.community_id,
            )
        ex.corrected_entry, ex.corrected_by = e, user
        ex.save(update_fields=["corrected_entry", "corrected_by"])
    return e


KB_COLUMNS = {
    "编号": "key",
    "key": "key",
    "主题": "topic",
    "topic": "topic",
    "标准问题": "question",
    "question": "question",
    "相似问题": "similar",
    "similar": "similar",
    "答案": "answer",
    "answer": "answer",
    "责任部门": "department",
    "department": "department",
    "核实渠道": "confirm",
    "confirm": "confirm",
}


EntryImportError = RowsInvalid  # kept as a name for callers


def do_import_entries(user, data: bytes, filename: str) -> dict:
    """District-wide entries from Excel/CSV (the export's layout). Rows with a known key update
    that entry, others create one; all become drafts for review. One bad row: nothing written."""
    from gongzhi.core.tabular import read_table

    if scoping.unit_scope(user, scoping.CHANGE) is not None:
        raise ActionError(
            _("Only district admins can import the knowledge base."), code="forbidden"
        )
    rows = read_table(data, filename, KB_COLUMNS)
    errors, cleaned = [], []
    for n, row in enumerate(rows, start=2):
        try:
            cleaned.append((row.get("key", "").strip(), _clean(row)))
        except ActionError as exc:
            errors.append((n, exc.message))
    if errors:
        raise EntryImportError(errors)
    result = {"created": 0, "updated": 0}
    with transaction.atomic():
        known = {e.key: e.pk for e in Entry.objects.filter(key__in=[k for k, _c in cleaned if k])}
        for key, clean in cleaned:
            if key in known:
                do_save_entry(user, clean, entry_id=known[key])
                result["updated"] += 1
            else:
                do_save_entry(user, clean)
                result["created"] += 1
    return result
