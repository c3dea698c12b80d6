"""Every state change of a work order: one function per verb. Each checks role and scope, runs in
a transaction with the order row locked, appends a timeline event and notifies the resident.
Illegal transitions raise ActionError and change nothing."""

from __future__ import annotations

import datetime as dt

from django.db import connection, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError, required_text
from gongzhi.core.prepared import ByKey
from gongzhi.core.workdays import extend_by_working_seconds, working_seconds_between
from gongzhi.org.models import Household, Organisation, OrgUnit
from gongzhi.org.queries import nearest_grid
from gongzhi.people.models import Resident

from . import categories, sla
from .models import (
    OPEN,
    Attachment,
    Category,
    DailySequence,
    Event,
    Notification,
    RoutingRule,
    State,
    WorkOrder,
)
from .uploads import check_photo

MAX_PHOTOS = 9
# what do_submit reads of the reporting resident (the fewer columns, the faster every create)
_OWN = ByKey(
    lambda user_id: Resident.objects.filter(user_id=user_id).values_list(
        "id",
        "user_id",
        "name",
        "community_id",
        "household_id",
        "household__grid_id",
        "household__community_id",
        "household__community__parent_id",
        "household__community__name",
    )[:1]
)


def _partial(model, db: str, **attrs):
    """An instance of ``model`` holding only ``attrs`` (others load on access, as with
    ``.only()``); ``from_db`` takes values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in attrs]
    return model.from_db(db, names, [attrs[n] for n in names])


def _own_resident(user) -> Resident | None:
    """The user's own resident record with its household and community: one SELECT compiled
    once per connection (the ORM's query building was ~0.5 ms of each create)."""
    db = router.db_for_read(Resident)
    rows = _OWN.rows(user.pk, db)
    if not rows:
        return None
    rid, uid, name, cid, hid, h_grid, h_cid, h_parent, h_name = rows[0]
    own = _partial(Resident, db, id=rid, user_id=uid, name=name, community_id=cid, household_id=hid)
    if hid is not None:
        household = _partial(Household, db, id=hid, grid_id=h_grid)
        household.community = _partial(OrgUnit, db, id=h_cid, parent_id=h_parent, name=h_name)
        own.household = household
    return own


# --- helpers -------------------------------------------------------------------------------


def _number(now: dt.datetime, *, own_transaction: bool = False) -> str:
    """The next order number of the day. One upsert both reserves it and locks the day's row
    until the surrounding transaction ends; the scan of existing numbers (an index range) keeps
    it above orders written without the counter, such as the seed's.

    ``own_transaction``: the caller commits nothing else in this transaction, so on PostgreSQL
    its commit need not wait for the disk — the order's own (synchronous) commit comes later
    and flushes the log up to and including this counter update; were the server to crash
    before that, no order holds the number and it is simply drawn again."""
    day = f"{timezone.localtime(now):%Y%m%d}"
    prefix = f"GZ{day}"
    seq_table, wo_table = DailySequence._meta.db_table, WorkOrder._meta.db_table
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    existing = (
        # MAX(number) is one step down the unique index (five digits sort as numbers)
        f"(SELECT COALESCE(CAST(SUBSTR(MAX(number), 11) AS INTEGER), 0) FROM {wo_table}"
        " WHERE number > %s AND number < %s)"
    )
    with connection.cursor() as cur:
        if own_transaction and connection.vendor == "postgresql":
            cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute(
            f"INSERT INTO {seq_table} (day, last) VALUES (%s, {existing} + 1)"
            f" ON CONFLICT (day) DO UPDATE SET last = {greatest}({seq_table}.last, {existing}) + 1"
            " RETURNING last",
            [day, prefix, f"{prefix}~", prefix, f"{prefix}~"],
        )
        seq = cur.fetchone()[0]
    return f"{prefix}{seq:05d}"


def _label(user) -> str:
    if user is None:
        return _("System")
    return str(user)


def _event(order, verb, actor, *, frm="", to="", comment="", public=True, **data) -> Event:
    return Event.objects.create(
        order=order,
        verb=verb,
        from_state=frm,
        to_state=to,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor),
        comment=comment,
        data=data,
        public=public,
    )


VERB_TEXT = {
    "submit": _("Your request %(number)s was received."),
    "accept": _("Your request %(number)s was accepted."),
    "dispatch": _("Your request %(number)s was passed to %(handler)s."),
    "start": _("Work on your request %(number)s has started."),
    "transfer": _("Your request %(number)s was passed to %(handler)s."),
    "suspend": _("Your request %(number)s is on hold: %(comment)s"),
    "resume": _("Work on your request %(number)s continues."),
    "resolve": _("Your request %(number)s was resolved. Please rate it."),
    "reopen": _("Your request %(number)s was reopened."),
    "close": _("Your request %(number)s was closed."),
    "reject": _("Your request %(number)s was not accepted: %(comment)s"),
    "merge": _("Your request %(number)s was merged with %(target)s, which covers the same issue."),
    "escalate": _("Your request %(number)s is overdue and was escalated."),
}


def _notify_reporter(order: WorkOrder, verb: str, comment: str = "", **extra) -> None:
    if not order.reporter_id or verb not in VERB_TEXT:
        return
    user_id = order.reporter.user_id
    if not user_id:
        return
    text = VERB_TEXT[verb] % {
        "number": order.number,
        "handler": order.handler_label,
        "comment": comment[:100],
        **extra,
    }
    Notification.objects.create(user_id=user_id, order=order, verb=verb, text=text[:300])


def _lock(user, order_id: int, capability: str = scoping.VIEW) -> WorkOrder:
    """Fetch the order inside the caller's scope and lock its row for the transaction."""
    qs = WorkOrder.objects.select_for_update(of=("self",)).select_related(
        "handler_org", "handler_unit", "category", "reporter"
    )
    return scoping.access(qs, user, order_id, capability)


def _require_state(order: WorkOrder, allowed, verb: str) -> None:
    if order.state not in allowed:
        raise ActionError(
            _("Cannot %(verb)s an order that is %(state)s.")
            % {"verb": verb, "state": order.get_state_display()},
            code="illegal_transition",
        )


def _require(cond: bool, message: str, code: str = "forbidden") -> None:
    if not cond:
        raise ActionError(message, code=code)


def is_handler(user, order: WorkOrder) -> bool:
    """The user acts for the order's handling unit or organisation (or co-handlers)."""
    if scoping.unit_scope(user, scoping.CHANGE) is None:
        return True
    if order.handler_org_id:
        orgs = scoping.organisation_scope(user, scoping.VIEW)
        if order.handler_org_id in orgs or order.cohandlers.filter(pk__in=orgs).exists():
            return True
    if order.handler_unit_id:
        ids = scoping.unit_scope(user, scoping.CHANGE) or frozenset()
        return order.handler_unit_id in ids
    return False


def is_dispatcher(user, order: WorkOrder) -> bool:
    """Community staff (or above) covering the order's community."""
    ids = scoping.unit_scope(user, scoping.CHANGE)
    if ids is None:
        return True
    roles = scoping.roles_of(user)
    staff = roles & {scoping.COMMUNITY_STAFF, scoping.PARTY_SECRETARY, scoping.STREET_STAFF}
    return bool(staff) and order.community_id in ids


def _save(order: WorkOrder, *fields: str) -> None:
    order.updated_at = timezone.now()
    order.save(update_fields=[*fields, "updated_at"])


# --- routing -------------------------------------------------------------------------------


def route(order: WorkOrder) -> tuple[OrgUnit | None, Organisation | None]:
    """Where an order goes by default: (handling unit, handling organisation)."""
    if order.category_id is None:
        return order.community, None
    rules = sorted(
        RoutingRule.objects.filter(category_id=order.category_id).filter(
            Q(community_id=order.community_id) | Q(community=None)
        ),
        key=lambda r: r.community_id is None,  # a rule for this community beats a general one
    )
    handler = rules[0].handler if rules else order.category.default_handler
    org = rules[0].organisation if rules else order.category.department
    if handler == RoutingRule.Handler.GRID and order.grid_id:
        return order.grid, None
    if handler == RoutingRule.Handler.PROPERTY:
        prop = Organisation.objects.filter(
            kind="property", served_communities=order.community_id
        ).first()
        if prop:
            return None, prop
    if handler in (RoutingRule.Handler.ORGANISATION, "department") and org is not None:
        return None, org
    return order.community, None


# --- intake --------------------------------------------------------------------------------


def _clean_text(title: str, description: str) -> tuple[str, str]:
    title, description = (title or "").strip(), (description or "").strip()
    if not description:
        raise ActionError(_("Describe the problem."), code="required", field="description")
    if len(description) > 2000:
        raise ActionError(
            _("The description is limited to 2,000 characters."),
            code="too_long",
            field="description",
        )
    if not title:
        title = description.splitlines()[0][:40]
    if len(title) > 80:
        raise ActionError(
            _("The title is limited to 80 characters."), code="too_long", field="title"
        )
    return title, description


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    cat = categories.by_code(code)
    if cat is None:
        raise ActionError(
            _("Unknown category “%(code)s”.") % {"code": code},
            code="unknown_category",
            field="category",
        )
    return cat


def _auto_category(text: str) -> tuple[Category | None, float | None]:
    try:
        from gongzhi.nlp.classifier import classify_request
    except ImportError:
        return None, None
    try:
        name, score = classify_request(text)
    except Exception:  # a broken model must never lose a request
        return None, None
    return categories.by_name(name), score


def _place(
    community: OrgUnit | None, household: Household | None, grid: OrgUnit | None
) -> tuple[OrgUnit, int | None]:
    """The order's community and grid id, from the household, the grid or the community."""
    if household is not None:
        return household.community, household.grid_id
    if grid is not None:
        return grid.parent, grid.pk
    if community is None:
        raise ActionError(
            _("Choose the community where the problem is."), code="required", field="community"
        )
    return community, None


def do_submit(
    user,
    *,
    description: str,
    title: str = "",
    category: str | None = None,
    urgency: str = WorkOrder.Urgency.NORMAL,
    channel: str = WorkOrder.Channel.MOBILE,
    community_id: int | None = None,
    grid_id: int | None = None,
    household_id: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    hide_identity: bool = False,
    photos: list | None = None,
    reporter: Resident | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    source_ref: str = "",
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Create an order. Residents report for themselves (their household by default); staff
    enter phone and door-to-door requests for a community in their scope; channels (Open311,
    assistant, groups) pass ``reporter``/contact details. Validates everything first."""
    title, description = _clean_text(title, description)
    if urgency not in WorkOrder.Urgency.values:
        raise ActionError(_("Unknown urgency."), code="invalid", field="urgency")
    if channel not in WorkOrder.Channel.values:
        raise ActionError(_("Unknown channel."), code="invalid", field="channel")
    if lat is not None and not (-90 <= lat <= 90) or lon is not None and not (-180 <= lon <= 180):
        raise ActionError(_("The map point is invalid."), code="invalid", field="lat")
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        raise ActionError(_("At most 9 photos."), code="too_many_photos", field="photos")
    checked = [check_photo(p) for p in photos]
    cat = _category(category)
    score = None
    if cat is None:
        cat, score = _auto_category(f"{title} {description}")
    is_staff = scoping.is_staff_user(user) if user is not None else False
    own = None
    if user is not None and user.is_authenticated:
        own = _own_resident(user)
    household = grid = community = None
    if household_id:
        household = (
            scoping.access(Household, user, household_id, scoping.CHANGE)
            if is_staff
            else Household.objects.filter(pk=household_id, members__user_id=user.pk).first()
        )
        if household is None:
            raise ActionError(_("Unknown household."), code="invalid", field="household")
    if grid_id:
        grid = OrgUnit.objects.filter(pk=grid_id, kind="grid").first()
        if grid is None:
            raise ActionError(_("Unknown grid."), code="invalid", field="grid")
    if community_id:
        community = OrgUnit.objects.filter(pk=community_id, kind="community").first()
        if community is None:
            raise ActionError(_("Unknown community."), code="invalid", field="community")
    map_point = lat is not None and lon is not None
    if reporter is None and own is not None and not is_staff:
        reporter = own
        if household is None and grid is None and community is None:
            if map_point:  # a point on the map wins over the home address
                grid = nearest_grid(lat, lon)
            if grid is None:
                household = own.household
                community = own.community if household is None else None
    if grid is None and household is None and map_point:
        grid = nearest_grid(lat, lon, community.pk if community else None)
    if grid is not None and community is not None and grid.parent_id != community.pk:
        raise ActionError(
            _("The grid does not belong to this community."), code="invalid", field="grid"
        )
    community, order_grid_id = _place(community, household, grid)
    if is_staff:  # staff enter requests only for communities they cover
        scoping.access(OrgUnit, user, community.pk, scoping.CHANGE)
    now = now or timezone.now()
    # the number in a short transaction of its own: the day's counter row stays locked only
    # for that, not for the whole create (4 threads on PostgreSQL, 10,000 orders: 82 → 119
    # creates/s); a create failing after this point leaves a gap in the numbers
    # (SQLite runs one writer at a time anyway: there the number joins the create's own
    # transaction — one commit instead of two)
    number = None
    if connection.vendor != "sqlite":
        outer = connection.in_atomic_block
        with transaction.atomic():
            number = _number(now, own_transaction=not outer)
    with transaction.atomic():
        order = WorkOrder(
            number=number or _number(now),
            title=title,
            description=description,
            category=cat,
            category_score=score,
            urgency=urgency,
            channel=channel,
            reporter=reporter,
            reporter_name=(reporter_name or "")[:40],
            reporter_phone=(reporter_phone or "")[:20],
            hide_identity=hide_identity,
            street_id=community.parent_id,
            community=community,
            grid_id=order_grid_id,
            household=household,
            lat=lat,
            lon=lon,
            address=(address or "")[:200],
            source_ref=source_ref[:64],
            created_by=user if getattr(user, "pk", None) else None,
            created_at=now,
            updated_at=now,
            **sla.deadlines(cat, urgency, now),
        )
        order.save()
        ev = _event(
            order, "submit", user, to=State.SUBMITTED, comment=description[:200], channel=channel
        )
        ev.new_attachments = []
        for data, ctype, name in checked:
            att = Attachment(order=order, event=ev, content_type=ctype, size=len(data))
            att.file.save(name, data, save=False)
            att.save()
            ev.new_attachments.append(att)
        _notify_reporter(order, "submit")
    order.submit_event = ev  # the whole timeline of a new order, so callers need not re-read it
    return order


# --- lifecycle -----------------------------------------------------------------------------


def do_accept(user, order_id: int, comment: str = "") -> WorkOrder:
    with transaction.atomic():
        o = _lock(user, order_id, scoping.CHANGE)
        _require(is_dispatcher(user, o), _("Only community staff can accept requests."))
        _require_state(o, (State.SUBMITTED,), _("accept"))
        o.state, o.accepted_at = State.ACCEPTED, timezone.now()
        _save(o, "state", "accepted_at")
        _event(o, "accept", user, frm=State.SUBMITTED, to=o.state, comment=comment)
        _notify_reporter(o, "accept")
    return o


def _handler_from(unit_id, org_id, order) -> tuple[OrgUnit | None, Organisation | None]:
    if org_id:
        org = Organisation.objects.filter(pk=org_id).first()
        if org is None:
            raise ActionError(_("Unknown organisation."), code="invalid", field="organisation")
        return None, org
    if unit_id:
        unit = OrgUnit.objects.filter(pk=unit_id).first()
        if (
            unit is None
            or not unit.path.startswith(order.community.path)
            and unit.pk != (order.street_id)
        ):
            raise ActionError(
                _(
                    "The handling unit must be the order's community, one of its "
                    "grids, or its street."
                ),
                code="invalid",
                field="unit",
            )
        return unit, None
    return route(order)


def do_dispatch(
    user, order_id: int, *, unit_id: int | None = None, org_id: int | None = None, comment: str = ""
) -> WorkOrder:
    with transaction.atomic():
        o = _lock(user, order_id, scoping.CHANGE)
        _require(is_dispatcher(user, o), _("Only community staff can dispatch requests."))
        if o.state == State.SUBMITTED:  # accepting and dispatching in one step
            o.state, o.accepted_at = State.ACCEPTED, timezone.now()
            _event(o, "accept", user, frm=State.SUBMITTED, to=State.ACCEPTED)
        _require_state(o, (State.ACCEPTED, State.RETURNED, State.REOPENED), _("dispatch"))
        unit, org = _handler_from(unit_id, org_id, o)
        frm = o.state
        o.handler_unit, o.handler_org, o.state = unit, org, State.DISPATCHED
        _save(o, "state", "accepted_at", "handler_unit", "handler_org")
        _event(o, "dispatch", user, frm=frm, to=o.state, comment=comment, handler=o.handler_label)
        _notify_reporter(o, "dispatch")
    return o


def do_start(user, order_id: int, comment: str = "") -> WorkOrder:
    with transaction.atomic():
        o = _lock(user, order_id)
        _require(is_handler(user, o), _("Only the handling unit can work on this order."))
        _require_state(o, (State.DISPATCHED, State.REOPENED), _("start"))
        frm, o.state = o.state, State.IN_PROGRESS
        _save(o, "state")
        _event(o, "start", user, frm=frm, to=o.state, comment=comment)
        _notify_reporter(o, "start")
    return o


def do_return(user, order_id: int, reason: str) -> WorkOrder:
    """退单: the handler sends the order back to the dispatcher, with a reason."""
    reason = required_text(reason, _("Give a reason for returning the order."), field="reason")
    with transaction.atomic():
        o = _lock(user, order_id)
        _require(is_handler(user, o), _("Only the handling unit can return this order."))
        _require_state(o, (State.DISPATCHED, State.IN_PROGRESS), _("return"))
        frm, o.state = o.state, State.RETURNED
        _save(o, "state")
        _event(o, "return", user, frm=frm, to=o.state, comment=reason, public=False)
    return o


def do_transfer(
    user, order_id: int, *, unit_id: int | None = None, org_id: int | None = None, comment: str = ""
) -> WorkOrder:
    """转派: the dispatcher moves an order to another handler."""
    if not unit_id and not org_id:
        raise ActionError(_("Choose the new handler."), field="unit")
    with transaction.atomic():
        o = _lock(user, order_id, scoping.CHANGE)
        _require(is_dispatcher(user, o), _("Only community staff can transfer orders."))
        _require_state(o, (State.DISPATCHED, State.IN_PROGRESS), _("transfer"))
        unit, org = _handler_from(unit_id, org_id, o)
        frm = o.state
        o.handler_unit, o.handler_org, o.state = unit, org, State.DISPATCHED
        _save(o, "state", "handler_unit", "handler_org")
        _event(o, "transfer", user, frm=frm, to=o.state, comment=comment, handler=o.handler_label)
        _notify_reporter(o, "transfer")
    return o


def do_add_cohandler(user, order_id: int, org_id: int, comment: str = "") -> WorkOrder:
    """主办/协办: add a co-handling organisation; the main handler stays responsible."""
    with transaction.atomic():
        o = _lock(user, order_id, scoping.CHANGE)
        _require(is_dispatcher(user, o), _("Only community staff can add co-handlers."))
        _require_state(o, (State.DISPATCHED, State.IN_PROGRESS), _("co-handle"))
        org = Organisation.objects.filter(pk=org_id).first()
        if org is None or org.pk == o.handler_org_id:
            raise ActionError(_("Choose another organisation as co-handler."), field="org")
        o.cohandlers.add(org)
        _save(o)
        _event(o, "cohandle", user, frm=o.state, to=o.state, comment=comment, org=org.name)
    return o


def do_request_suspension(user, order_id: int, reason: str) -> WorkOrder:
    reason = required_text(reason, _("Give a reason for suspending the order."), field="reason")
    with transaction.atomic():
        o = _lock(user, order_id)
        _require(is_handler(user, o), _("Only the handling unit can ask to suspend."))
        _require_state(o, (State.IN_PROGRESS,), _("suspend"))
        _require(
            not o.suspension_requested,
            _("A suspension is already waiting for approval."),
            "pending",
        )
        o.suspension_requested, o.suspension_reason = True, reason[:200]
        _save(o, "suspension_requested", "suspension_reason")
        _event(o, "suspend_request", user, frm=o.state, to=o.state, comment=reason, public=False)
    return o


def do_approve_suspension(user, order_id: int, approve: bool = True, comment: str = ""):
    """Approval by a supervisor (not the requester): the clock pauses until resumed."""
    with transaction.atomic():
        o = _lock(user, order_id, scoping.CHANGE)
        _require(is_dispatcher(user, o), _("Only community or street staff can approve."))
        _require_state(o, (State.IN_PROGRESS,), _("suspend"))
        _require(o.suspension_requested, _("No suspension was requested."), "no_request")
        requester = (
            Event.objects.filter(order=o, verb="suspend_request")
            .order_by("-id")
            .values_list("actor_id", flat=True)
            .first()
        )
        _require(requester != user.pk, _("The requester cannot approve their own suspension."))
        o.suspension_requested = False
        if approve:
            o.state, o.suspended_at = State.SUSPENDED, timezone.now()
            _save(o, "state", "suspended_at", "suspension_requested")
            _event(
                o, "suspend", user, frm=State.IN_PROGRESS, to=o.state, comment=o.suspension_reason
            )
            _notify_reporter(o, "suspend", comment=o.suspension_reason)
        else:
            _save(o, "suspension_requested")
            _event(
                o, "suspend_denied", user, frm=o.state, to=o.state, comment=comment, public=False
            )
    return o


def do_resume(user, order_id: int, comment: str = "") -> WorkOrder:
    with transaction.atomic():
        o = _lock(user, order_id)
        _require(
            is_handler(user, o) or is_dispatcher(user, o),
            _("Only the handling unit or community staff can resume."),
        )
        _require_state(o, (State.SUSPENDED,), _("resume"))
        now = timezone.now()
        paused = working_seconds_between(o.suspended_at, now)
        o.paused_seconds += paused
        for f in ("due_at", "next_escalation_at", "remind_at"):
            if getattr(o, f):
                setattr(o, f, extend_by_working_seconds(getattr(o, f), paused))
        o.state, o.suspended_at = State.IN_PROGRESS, None
        _save(
            o,
            "state",
            "suspended_at",
            "paused_seconds",
            "due_at",
            "next_escalation_at",
            "remind_at",
        )
        _event(
            o,
            "resume",
            user,
            frm=State.SUSPENDED,
            to=o.state,
            comment=comment,
            paused_working_seconds=round(paused),
        )
        _notify_reporter(o, "resume")
    return o


def do_resolve(user, order_id: int, comment: str, photos: list | None = None) -> WorkOrder:
    comment = required_text(comment, _("Say how the problem was resolved."), field="comment")
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        raise ActionError(_("At most 9 photos."), code="too_many_photos", field="photos")
    checked = [check_photo(p) for p in photos]
    with transaction.atomic():
        o = _lock(user, order_id)
        _require(is_handler(user, o), _("Only the handling unit can resolve this order."))
        _require_state(o, (State.IN_PROGRESS,), _("resolve"))
        o.state, o.resolved_at = State.RESOLVED, timezone.now()
        o.next_escalation_at = None
        _save(o, "state", "resolved_at", "next_escalation_at")
        ev = _event(o, "resolve", user, frm=State.IN_PROGRESS, to=o.state, comment=comment)
        for data, ctype, name in checked:
            att = Attachment(order=o, event=ev, content_type=ctype, size=len(data))
            att.file.save(name, data, save=False)
            att.save()
        _notify_reporter(o, "resolve")
    return o


def _reporter_lock(user, order_id: int) -> WorkOrder:
    o = _lock(user, order_id)
    if not (o.reporter_id and Resident.objects.filter(pk=o.reporter_id, user_id=user.pk).exists()):
        raise ActionError(_("Only the resident who raised the request can do this."))
    return o


def do_rate(user, order_id: int, rating: str, comment: str = "") -> WorkOrder:
    if rating not in WorkOrder.Rating.values:
        raise ActionError(_("Choose 满意, 基本满意 or 不满意."), field="rating")
    with transaction.atomic():
        o = _reporter_lock(user, order_id)
        _require_state(o, (State.RESOLVED,), _("rate"))
        o.state, o.rating, o.rating_comment = State.RATED, rating, (comment or "")[:500]
        o.rated_at = timezone.now()
        _save(o, "state", "rating", "rating_comment", "rated_at")
        _event(
            o, "rate", user, frm=State.RESOLVED, to=o.state, comment=o.rating_comment, rating=rating
        )
        if rating != WorkOrder.Rating.UNSATISFIED:
            o.state, o.closed_at = State.CLOSED, timezone.now()
            _save(o, "state", "closed_at")
            _event(o, "close", None, frm=State.RATED, to=o.state)
            _notify_reporter(o, "close")
    return o


def do_reopen(user, order_id: int, reason: str) -> WorkOrder:
    """After an unsatisfied rating the resident may reopen once; the same handler gets it back
    with a fresh completion limit."""
    reason = required_text(reason, _("Say what is still wrong."), field="reason")
    with transaction.atomic():
        o = _reporter_lock(user, order_id)
        _require_state(o, (State.RATED,), _("reopen"))
        _require(
            o.rating == WorkOrder.Rating.UNSATISFIED,
            _("Only an unsatisfied rating can reopen a request."),
            "not_unsatisfied",
        )
        _require(o.reopen_count == 0, _("A request can be reopened only once."), "reopened_once")
        now = timezone.now()
        dl = sla.deadlines(o.category, o.urgency, now)
        o.state, o.reopen_count = State.REOPENED, o.reopen_count + 1
        o.due_at, o.remind_at, o.next_escalation_at = (
            dl["due_at"],
            dl["remind_at"],
            dl["next_escalation_at"],
        )
        o.resolved_at = None
        _save(
            o, "state", "reopen_count", "due_at", "remind_at", "next_escalation_at", "resolved_at"
        )
        _event(o, "reopen", user, frm=State.RATED, to=o.state, comment=reason)
        _notify_reporter(o, "reopen")
    return o


def do_close(user, order_id: int, comment: str = "") -> WorkOrder:
    with transaction.atomic():
        o = _lock(user, order_id, scoping.CHANGE)
        _require(is_dispatcher(user, o), _("Only community staff can close orders."))
        _require_state(o, (State.RESOLVED, State.RATED), _("close"))
        frm, o.state, o.closed_at = o.state, State.CLOSED, timezone.now()
        _save(o, "state", "closed_at")
        _event(o, "close", user, frm=frm, to=o.state, comment=comment)
        _notify_reporter(o, "close")
    return o


def do_reject(user, order_id: int, reason: str) -> WorkOrder:
    """不予受理: not a matter for the platform (with the reason shown to the resident)."""
    reason = required_text(reason, _("Give a reason."), field="reason")
    with transaction.atomic():
        o = _lock(user, order_id, scoping.CHANGE)
        _require(is_dispatcher(user, o), _("Only community staff can reject requests."))
        _require_state(o, (State.SUBMITTED,), _("reject"))
        o.state, o.closed_at, o.next_escalation_at = State.CLOSED, timezone.now(), None
        _save(o, "state", "closed_at", "next_escalation_at")
        _event(o, "reject", user, frm=State.SUBMITTED, to=o.state, comment=reason)
        _notify_reporter(o, "reject", comment=reason)
    return o


def do_merge(user, order_id: int, into_id: int, comment: str = "") -> WorkOrder:
    if order_id == into_id:
        raise ActionError(_("An order cannot be merged into itself."), field="into")
    with transaction.atomic():
        o = _lock(user, order_id, scoping.CHANGE)
        target = _lock(user, into_id, scoping.CHANGE)
        _require(is_dispatcher(user, o), _("Only community staff can merge orders."))
        _require_state(o, (State.SUBMITTED, State.ACCEPTED), _("merge"))
        _require(target.state in OPEN, _("Merge only into an open order."), "target_closed")
        _require(
            target.community_id == o.community_id,
            _("Merge only orders of the same community."),
            "other_community",
        )
        frm = o.state
        o.state, o.merged_into, o.closed_at, o.next_escalation_at = (
            State.MERGED,
            target,
            timezone.now(),
            None,
        )
        _save(o, "state", "merged_into", "closed_at", "next_escalation_at")
        _event(o, "merge", user, frm=frm, to=o.state, comment=comment, into=target.number)
        _event(
            target,
            "merged_in",
            user,
            frm=target.state,
            to=target.state,
            public=False,
            duplicate=o.number,
        )
        _notify_reporter(o, "merge", target=target.number)
    return o


def similar_open_orders(order: WorkOrder, limit: int = 5):
    """Nearby, similar open orders: same community, same category or grid, recent."""
    since = order.created_at - dt.timedelta(days=30)
    qs = WorkOrder.objects.filter(
        community_id=order.community_id, state__in=OPEN, created_at__gte=since
    ).exclude(pk=order.pk)
    if order.category_id:
        qs = qs.filter(category_id=order.category_id)
    if order.grid_id:
        qs = qs.filter(grid_id=order.grid_id)
    return qs.order_by("-created_at")[:limit]


def do_mark_notifications_read(user, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at=None)
    if ids:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
