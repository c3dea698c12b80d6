"""Every state change in group chat: send, recall, read, notices and read receipts, broadcasts,
reports and moderation, and turning a message into a work order. Live events go out after the
commit (events.send_on_commit)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError, required_text
from gongzhi.core.models import record_event
from gongzhi.groups.models import CommunityGroup, Membership
from gongzhi.people.models import Resident

from . import moderation
from .events import send_many_on_commit, send_on_commit, serialize
from .models import Broadcast, Message, Notice, NoticeRead, ReadMark, Report

Access = tuple[CommunityGroup, Membership | None, bool]

RECALL_WINDOW = dt.timedelta(minutes=2)
MAX_TEXT = 2000
MAX_FILE = 20 * 1024 * 1024
USER_RATE = 20  # messages per user per group per minute
BOT_USER_RATE, BOT_GROUP_RATE = 3, 10  # 小栖 replies per minute
ALLOWED_FILES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/plain",
}
XIAOQI = "小栖"


def chat_access(user, group_id: int) -> Access:
    """(group, the caller's membership or None, caller manages the group). 404 when the caller
    may not see the group at all — missing and forbidden look the same."""
    try:
        group_id = int(group_id)
    except (TypeError, ValueError):
        raise Http404("not found") from None
    # a member always sees the group (CommunityGroup.resident_scope_q): one query finds both;
    # whether staff manage it is decided from their cached unit scope (scoping.covers) — a
    # send checked 3 queries before (benchmarks/realtime.py)
    m = next(
        iter(
            Membership.objects.filter(group_id=group_id, resident__user_id=user.pk).select_related(
                "resident", "group"
            )[:1]
        ),
        None,
    )
    if m is None:
        # not a member: only staff who manage the group's area take part; the rest get the
        # same 404 whether the group exists or not
        g = None
        if scoping.has_capability(user, scoping.MANAGE_GROUPS):
            g = CommunityGroup.objects.filter(pk=group_id).first()
        if g is None or not scoping.covers(user, g, scoping.MANAGE_GROUPS):
            raise Http404("not found")  # staff who only view the area are not in the chat
        return g, None, True
    g = m.group
    manages = m.role in (Membership.Role.OWNER, Membership.Role.ADMIN) or scoping.covers(
        user, g, scoping.MANAGE_GROUPS
    )
    return g, m, manages


def _label(user, m: Membership | None) -> str:
    if m is not None:
        from gongzhi.core.identity import mask_name

        return mask_name(m.resident.name)
    return (getattr(user, "display_name", "") or str(user))[:40]


def _sniff(data: bytes, declared: str) -> str:
    from gongzhi.workorders.uploads import sniff

    kind = sniff(data)
    if kind:
        return kind[0]
    if data.startswith(b"%PDF"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04") and declared in ALLOWED_FILES:
        return declared  # docx/xlsx are zip containers
    try:
        data[:4096].decode("utf-8")
        return "text/plain"
    except UnicodeDecodeError:
        return "application/octet-stream"


def do_send(
    user,
    group_id: int,
    *,
    text: str = "",
    kind: str = Message.Kind.TEXT,
    reply_to: int | None = None,
    mentions: list[int] | None = None,
    upload=None,
    lat: float | None = None,
    lon: float | None = None,
    client_id: str = "",
    access: Access | None = None,
) -> Message:
    """Post a message. ``access`` is a ``chat_access`` result the caller checked moments ago
    (the WebSocket consumer keeps one per group for a few seconds)."""
    g, m, manages = access if access is not None else chat_access(user, group_id)
    if g.archived:
        raise ActionError(_("This group is archived."), code="archived")
    if m is not None and m.muted_until and m.muted_until > timezone.now() and not manages:
        raise ActionError(_("You are muted in this group."), code="muted")
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise ActionError(_("Messages are limited to 2,000 characters."), field="text")
    if kind not in (
        Message.Kind.TEXT,
        Message.Kind.IMAGE,
        Message.Kind.FILE,
        Message.Kind.LOCATION,
    ):
        raise ActionError(_("Unknown message type."), field="kind")
    if kind == Message.Kind.TEXT and not text:
        raise ActionError(_("Write something."), field="text")
    if kind == Message.Kind.LOCATION and (
        lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180
    ):
        raise ActionError(_("A location needs a valid latitude and longitude."), field="lat")
    content = None
    if kind in (Message.Kind.IMAGE, Message.Kind.FILE):
        if upload is None:
            raise ActionError(_("Attach a file."), field="file")
        if upload.size > MAX_FILE:
            raise ActionError(_("Files are limited to 20 MB."), field="file")
        data = upload.read()
        ctype = _sniff(data, getattr(upload, "content_type", ""))
        if ctype not in ALLOWED_FILES or (
            kind == Message.Kind.IMAGE and not ctype.startswith("image/")
        ):
            raise ActionError(_("This type of file cannot be shared here."), field="file")
        from django.core.files.base import ContentFile

        content = (ContentFile(data), ctype, (upload.name or "file")[-120:], len(data))
    if _recent_sends(g.pk, user.pk) >= USER_RATE:
        if client_id:  # a retry of a stored send is still answered with its message
            existing = Message.objects.filter(
                group=g, sender_user=user, client_id=client_id
            ).first()
            if existing:
                return existing
        raise ActionError(_("You are sending too fast; wait a moment."), code="throttled")
    reply = None
    if reply_to:
        reply = Message.objects.filter(pk=reply_to, group=g).first()
        if reply is None:
            raise ActionError(_("The quoted message is not in this group."), field="reply_to")
    mentions = [int(x) for x in (mentions or [])][:20]
    if mentions:
        members = set(
            Membership.objects.filter(group=g, resident_id__in=mentions).values_list(
                "resident_id", flat=True
            )
        )
        mentions = [x for x in mentions if x in members]
    action, flags = moderation.screen(text)
    if action == "block":
        raise ActionError(
            _("The message contains words that are not allowed here."), code="blocked"
        )
    status = Message.Status.HELD if action == "hold" and not manages else Message.Status.VISIBLE
    # A retried send (same client_id) hits the unique constraint msg_client_once and is
    # answered with the stored message: the same message, never a second copy.
    try:
        with transaction.atomic():
            msg = Message(
                group=g,
                community_id=g.community_id,
                sender=m.resident if m else None,
                sender_user=user,
                sender_label=_label(user, m),
                kind=kind,
                text=text,
                reply_to=reply,
                mentions=mentions,
                lat=lat,
                lon=lon,
                status=status,
                flags=flags,
                client_id=client_id[:40],
            )
            if content:
                msg.file.save(content[2], content[0], save=False)
                msg.content_type, msg.file_name, msg.size = content[1], content[2], content[3]
            msg.save()
            if status == Message.Status.VISIBLE:
                send_on_commit(g.pk, {"type": "message", "message": serialize(msg)})
                if kind == Message.Kind.TEXT and (f"@{XIAOQI}" in text or g.auto_answer):
                    _xiaoqi_reply(user, g, msg)
    except IntegrityError:
        if not client_id:
            raise
        existing = Message.objects.filter(group=g, sender_user=user, client_id=client_id).first()
        if existing:
            return existing
        raise
    return msg


def _recent_sends(group_id: int, user_id: int) -> int:
    """The sender's messages in the group in the last minute, counted up to USER_RATE: one
    range scan on the index msg_sender_time. Plain SQL because it runs on every send and the
    ORM's query building cost more than the query (benchmarks/realtime.py)."""
    from django.db import connection

    since = timezone.now() - dt.timedelta(minutes=1)
    qn = connection.ops.quote_name
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {qn(Message._meta.db_table)}"
        f" WHERE {qn('sender_user_id')} = %s AND {qn('group_id')} = %s"
        f" AND {qn('created_at')} >= %s LIMIT %s) recent"
    )
    with connection.cursor() as cur:
        cur.execute(
            sql, [user_id, group_id, connection.ops.adapt_datetimefield_value(since), USER_RATE]
        )
        return cur.fetchone()[0]


def _xiaoqi_reply(user, g: CommunityGroup, msg: Message) -> None:
    """小栖 answers in the group, throttled per group and per user; every exchange is logged."""
    from gongzhi.assistant.actions import do_ask
    from gongzhi.assistant.models import Exchange

    since = timezone.now() - dt.timedelta(minutes=1)
    channel = f"group:{g.pk}"
    recent = Exchange.objects.filter(channel=channel, created_at__gte=since)
    if recent.count() >= BOT_GROUP_RATE or recent.filter(user=user).count() >= BOT_USER_RATE:
        return
    question = msg.text.replace(f"@{XIAOQI}", "").strip()
    if not question:
        return
    reply, _ex = do_ask(user, question, channel=channel, community=g.community)
    if reply.kind == "unknown" and f"@{XIAOQI}" not in msg.text:
        return  # auto-answer stays quiet when it has nothing useful to say
    bot = Message.objects.create(
        group=g,
        community_id=g.community_id,
        sender_label=XIAOQI,
        kind=Message.Kind.TEXT,
        text=reply.text[:MAX_TEXT],
        reply_to=msg,
        flags=[f"xiaoqi:{reply.kind}"],
    )
    send_on_commit(g.pk, {"type": "message", "message": serialize(bot)})


def do_recall(user, message_id: int) -> Message:
    with transaction.atomic():
        msg = Message.objects.select_for_update().filter(pk=message_id).first()
        if msg is None:
            raise Http404("not found")
        g, m, manages = chat_access(user, msg.group_id)
        own = msg.sender_user_id == user.pk
        if not (own and timezone.now() - msg.created_at <= RECALL_WINDOW) and not manages:
            raise ActionError(_("Messages can be recalled within 2 minutes."), code="too_late")
        if msg.status == Message.Status.RECALLED:
            return msg
        msg.status, msg.recalled_at = Message.Status.RECALLED, timezone.now()
        msg.save(update_fields=["status", "recalled_at"])
        if not own:
            record_event(user, "chat.recall", msg, community_id=msg.community_id)
        send_on_commit(g.pk, {"type": "recall", "id": msg.pk})
    return msg


def visible_q(manages: bool) -> Q:
    statuses = [Message.Status.VISIBLE, Message.Status.RECALLED]
    if manages:
        statuses.append(Message.Status.HELD)
    return Q(status__in=statuses)


def history(
    user,
    group_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
    q: str | None = None,
    access: Access | None = None,
):
    """Cursor pagination by id: ``before`` for older pages, ``after`` to catch up."""
    g, _m, manages = access if access is not None else chat_access(user, group_id)
    qs = Message.objects.filter(group=g).filter(visible_q(manages))
    limit = max(1, min(limit, 200))
    if q:
        qs = qs.filter(text__icontains=q.strip()[:50]).exclude(status=Message.Status.RECALLED)
    if after is not None:
        return list(qs.filter(pk__gt=after).order_by("pk")[:limit])
    if before is not None:
        qs = qs.filter(pk__lt=before)
    return list(reversed(qs.order_by("-pk")[:limit]))


def do_mark_read(user, group_id: int, last_id: int, access: Access | None = None) -> int:
    g, _m, _manages = access if access is not None else chat_access(user, group_id)
    with transaction.atomic():
        mark, _ = ReadMark.objects.select_for_update().get_or_create(group=g, user=user)
        if last_id > mark.last_read_id:
            mark.last_read_id = last_id
            mark.save(update_fields=["last_read_id"])
    return mark.last_read_id


def unread_counts(user) -> dict[int, int]:
    """Unread messages per group the user is a member of (others' visible messages after the
    user's read mark). One small query per group: a resident is in a handful of groups."""
    marks = dict(ReadMark.objects.filter(user=user).values_list("group_id", "last_read_id"))
    out = {}
    for gid in CommunityGroup.objects.filter(
        memberships__resident__user_id=user.pk, archived=False
    ).values_list("pk", flat=True):
        out[gid] = (
            Message.objects.filter(
                group_id=gid, pk__gt=marks.get(gid, 0), status=Message.Status.VISIBLE
            )
            .exclude(sender_user=user)
            .count()
        )
    return out


# --- notices --------------------------------------------------------------------------------


def _notice_in(
    g: CommunityGroup, user, title: str, body: str, pinned: bool, broadcast: Broadcast | None = None
) -> Notice:
    msg = Message.objects.create(
        group=g,
        community_id=g.community_id,
        sender_user=user,
        sender_label=(getattr(user, "display_name", "") or str(user))[:40],
        kind=Message.Kind.NOTICE,
        text=f"【{title}】{body}"[:MAX_TEXT],
    )
    n = Notice.objects.create(
        group=g,
        community_id=g.community_id,
        message=msg,
        title=title,
        body=body,
        pinned=pinned,
        created_by=user,
        broadcast=broadcast,
    )
    send_on_commit(g.pk, {"type": "message", "message": serialize(msg), "notice": n.pk})
    return n


def _clean_notice(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 80:
        raise ActionError(_("A notice needs a title (at most 80 characters)."), field="title")
    if not body or len(body) > 4000:
        raise ActionError(_("A notice needs a text (at most 4,000 characters)."), field="body")
    return title, body


def do_post_notice(user, group_id: int, title: str, body: str, pinned: bool = True) -> Notice:
    g, _m, manages = chat_access(user, group_id)
    if not manages:
        raise ActionError(
            _("Only group owners, admins and community staff post notices."), code="forbidden"
        )
    title, body = _clean_notice(title, body)
    with transaction.atomic():
        n = _notice_in(g, user, title, body, pinned)
        record_event(user, "chat.notice", n, community_id=g.community_id)
    return n


def do_read_notice(user, notice_id: int) -> dict:
    n = Notice.objects.filter(pk=notice_id).first()
    if n is None:
        raise Http404("not found")
    chat_access(user, n.group_id)
    with transaction.atomic():
        _, created = NoticeRead.objects.get_or_create(notice=n, user=user)
        stats = notice_stats(n)
        if created:
            send_on_commit(n.group_id, {"type": "notice_read", "notice": n.pk, **stats})
    return stats


def notice_stats(n: Notice) -> dict:
    return {
        "read": NoticeRead.objects.filter(notice=n).count(),
        "total": Membership.objects.filter(group_id=n.group_id).count(),
    }


def do_remind_unread(user, notice_id: int) -> int:
    """Remind members (with a login) who have not read the notice; at most once an hour."""
    from gongzhi.workorders.models import Notification

    n = Notice.objects.filter(pk=notice_id).first()
    if n is None:
        raise Http404("not found")
    _g, _m, manages = chat_access(user, n.group_id)
    if not manages:
        raise ActionError(
            _("Only group owners, admins and community staff send reminders."), code="forbidden"
        )
    if n.reminded_at and timezone.now() - n.reminded_at < dt.timedelta(hours=1):
        raise ActionError(_("A reminder was sent less than an hour ago."), code="too_soon")
    read = NoticeRead.objects.filter(notice=n).values("user_id")
    users = list(
        Resident.objects.filter(memberships__group_id=n.group_id, user__isnull=False)
        .exclude(user_id__in=read)
        .values_list("user_id", flat=True)
    )
    with transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(user_id=u, verb="notice", text=f"请查看群通知：{n.title}"[:300])
                for u in users
            ]
        )
        n.reminded_at = timezone.now()
        n.save(update_fields=["reminded_at"])
    return len(users)


# --- broadcasts -----------------------------------------------------------------------------


def select_groups(user, selector: dict):
    qs = CommunityGroup.objects.restrict(user, scoping.MANAGE_GROUPS).filter(archived=False)
    for key, field in (
        ("streets", "community__parent_id__in"),
        ("communities", "community_id__in"),
        ("grids", "grid_id__in"),
        ("kinds", "kind__in"),
    ):
        if selector.get(key):
            qs = qs.filter(**{field: selector[key]})
    for tag in selector.get("tags") or []:
        qs = qs.filter(tags__contains=tag)
    return qs


def do_create_broadcast(
    user,
    *,
    title: str,
    body: str,
    selector: dict,
    scheduled_at: dt.datetime | None = None,
    template: str = "",
) -> Broadcast:
    title, body = _clean_notice(title, body)
    ids = scoping.unit_scope(user, scoping.MANAGE_GROUPS)
    if ids is not None and not ids:
        raise ActionError(_("You cannot broadcast."), code="forbidden")
    total = select_groups(user, selector).count()
    if total == 0:
        raise ActionError(_("No group matches the selection."), field="selector")
    now = timezone.now()
    if scheduled_at and scheduled_at < now - dt.timedelta(minutes=1):
        raise ActionError(_("The scheduled time is in the past."), field="scheduled_at")
    unit = (
        user.grants.filter(
            role__in=[
                scoping.DISTRICT_ADMIN,
                scoping.STREET_STAFF,
                scoping.COMMUNITY_STAFF,
                scoping.PARTY_SECRETARY,
            ]
        )
        .order_by("unit__path")
        .first()
    )
    if unit is None:
        raise ActionError(_("You cannot broadcast."), code="forbidden")
    with transaction.atomic():
        b = Broadcast.objects.create(
            title=title,
            body=body,
            template=template[:20],
            selector=selector,
            scheduled_at=scheduled_at or now,
            groups_total=total,
            created_by=user,
            scope_unit=unit.unit,
        )
        record_event(user, "chat.broadcast", b, groups=total)
    from .tasks import send_broadcast

    eta = b.scheduled_at if b.scheduled_at > now else None
    transaction.on_commit(
        lambda: send_broadcast.schedule((b.pk,), eta=eta) if eta else send_broadcast(b.pk)
    )
    return b


BROADCAST_BATCH = 400  # groups per transaction


def deliver_broadcast(broadcast_id: int) -> int:
    """Create the notice in every selected group and push it live: per batch of groups one
    transaction with two bulk inserts (messages, notices) and one batched publish."""
    from django.db.models.signals import post_save

    b = Broadcast.objects.select_related("created_by").get(pk=broadcast_id)
    if b.status == Broadcast.Status.SENT:
        return 0
    Broadcast.objects.filter(pk=b.pk).update(status=Broadcast.Status.SENDING)
    groups = list(select_groups(b.created_by, b.selector).exclude(notices__broadcast=b))
    user = b.created_by
    label = (getattr(user, "display_name", "") or str(user))[:40]
    text = f"【{b.title}】{b.body}"[:MAX_TEXT]
    done = 0
    for i in range(0, len(groups), BROADCAST_BATCH):
        batch = groups[i : i + BROADCAST_BATCH]
        with transaction.atomic():
            now = timezone.now()
            msgs = Message.objects.bulk_create(
                [
                    Message(
                        group=g,
                        community_id=g.community_id,
                        sender_user=user,
                        sender_label=label,
                        kind=Message.Kind.NOTICE,
                        text=text,
                        created_at=now,
                    )
                    for g in batch
                ]
            )
            notices = Notice.objects.bulk_create(
                [
                    Notice(
                        group=g,
                        community_id=g.community_id,
                        message=msg,
                        title=b.title,
                        body=b.body,
                        pinned=True,
                        created_by=user,
                        broadcast=b,
                        created_at=now,
                    )
                    for g, msg in zip(batch, msgs, strict=True)
                ]
            )
            for n in notices:  # bulk_create sends no signals; receivers (adapters) expect them
                post_save.send(
                    sender=Notice, instance=n, created=True, raw=False, using=n._state.db
                )
            send_many_on_commit(
                [
                    (g.pk, {"type": "message", "message": serialize(msg), "notice": n.pk})
                    for g, msg, n in zip(batch, msgs, notices, strict=True)
                ]
            )
            done += len(batch)
            Broadcast.objects.filter(pk=b.pk).update(groups_done=b.groups_done + done)
    Broadcast.objects.filter(pk=b.pk).update(status=Broadcast.Status.SENT, sent_at=timezone.now())
    return done


def broadcast_stats(user, broadcast_id: int) -> dict:
    b = scoping.access(Broadcast, user, broadcast_id)
    from django.db.models import Count

    notices = Notice.objects.filter(broadcast=b).annotate(n_read=Count("reads"))
    per_group = [{"group": n.group_id, "notice": n.pk, "read": n.n_read} for n in notices]
    members = Membership.objects.filter(group_id__in=[p["group"] for p in per_group]).count()
    return {
        "id": b.pk,
        "status": b.status,
        "groups_total": b.groups_total,
        "groups_done": len(per_group),
        "read": sum(p["read"] for p in per_group),
        "members": members,
        "per_group": per_group,
    }


# --- moderation -----------------------------------------------------------------------------


def do_report(user, message_id: int, reason: str) -> Report:
    msg = Message.objects.filter(pk=message_id).first()
    if msg is None:
        raise Http404("not found")
    chat_access(user, msg.group_id)
    reason = required_text(reason, _("Say why you report this message."), field="reason")
    try:
        with transaction.atomic():
            return Report.objects.create(
                message=msg, community_id=msg.community_id, reporter=user, reason=reason[:200]
            )
    except IntegrityError as exc:
        raise ActionError(_("You already reported this message."), code="duplicate") from exc


def do_moderate(user, message_id: int, decision: str, reason: str = "") -> Message:
    """approve (a held message goes out) or remove; every decision is audited."""
    if decision not in ("approve", "remove"):
        raise ActionError(_("Decide approve or remove."), field="decision")
    with transaction.atomic():
        msg = Message.objects.select_for_update().filter(pk=message_id).first()
        if msg is None:
            raise Http404("not found")
        g, _m, manages = chat_access(user, msg.group_id)
        if not manages:
            raise ActionError(
                _("Only group owners, admins and community staff moderate."), code="forbidden"
            )
        if decision == "approve":
            if msg.status != Message.Status.HELD:
                raise ActionError(_("Only held messages can be approved."), code="state")
            msg.status = Message.Status.VISIBLE
            send_on_commit(g.pk, {"type": "message", "message": serialize(msg)})
        else:
            msg.status = Message.Status.REMOVED
            send_on_commit(g.pk, {"type": "remove", "id": msg.pk})
        msg.save(update_fields=["status"])
        Report.objects.filter(message=msg).update(handled=True)
        record_event(
            user, f"chat.{decision}", msg, community_id=msg.community_id, reason=reason[:200]
        )
    return msg


def do_message_to_order(user, message_id: int, *, category: str | None = None):
    """Staff turn a resident's message into a work order in one step, linked to the message."""
    from gongzhi.workorders.actions import do_submit

    msg = Message.objects.select_related("group", "sender").filter(pk=message_id).first()
    if msg is None:
        raise Http404("not found")
    _g, _m, manages = chat_access(user, msg.group_id)
    if not manages or not scoping.is_staff_user(user):
        raise ActionError(
            _("Only community staff turn messages into work orders."), code="forbidden"
        )
    return do_submit(
        user,
        description=msg.text or _("(see the group message)"),
        category=category,
        channel="group",
        community_id=msg.group.community_id,
        grid_id=msg.group.grid_id,
        reporter=msg.sender,
        source_ref=f"message:{msg.pk}",
    )
