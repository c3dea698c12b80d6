"""工单流转: every resident request as a tracked, routed, time-limited work order."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import search
from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.identity import mask_name, mask_phone
from gongzhi.core.prepared import CompiledInsert
from gongzhi.core.scoping import ScopedManager
from gongzhi.org.models import Household, Organisation, OrgUnit
from gongzhi.people.models import Resident


class Category(models.Model):
    """Request category (诉求分类) with its service levels, counted in working time."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    accept_hours = models.PositiveSmallIntegerField(
        _("acceptance limit (working hours)"), default=2
    )
    complete_days = models.PositiveSmallIntegerField(
        _("completion limit (working days)"), default=5
    )
    default_handler = models.CharField(
        _("default handler"),
        max_length=16,
        default="community",
        help_text=_("grid, community, property or department"),
    )
    department = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default department"),
    )
    active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class RoutingRule(models.Model):
    """Maps (category, community or any) to a handling unit. Most specific rule wins."""

    class Handler(models.TextChoices):
        GRID = "grid", _("Grid worker of the order's grid")
        COMMUNITY = "community", _("Community")
        PROPERTY = "property", _("Property company serving the community")
        ORGANISATION = "organisation", _("A named organisation")

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="rules")
    community = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    handler = models.CharField(_("handler"), max_length=16, choices=Handler.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self):
        return f"{self.category} → {self.handler}"


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    SUSPENDED = "suspended", _("Suspended")
    RETURNED = "returned", _("Returned")
    RESOLVED = "resolved", _("Resolved")
    RATED = "rated", _("Rated")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")


# States in which the completion clock runs (suspended: paused; resolved+: stopped).
RUNNING = (
    State.SUBMITTED,
    State.ACCEPTED,
    State.DISPATCHED,
    State.IN_PROGRESS,
    State.RETURNED,
    State.REOPENED,
)
OPEN = (*RUNNING, State.SUSPENDED)
FINAL = (State.CLOSED, State.MERGED)


class WorkOrder(CompiledInsert):
    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")
        CRITICAL = "critical", _("Critical")

    class Channel(models.TextChoices):
        MOBILE = "mobile", _("Resident form")
        PHONE = "phone", _("Phone (staff entry)")
        VISIT = "visit", _("Door-to-door (staff entry)")
        ASSISTANT = "assistant", _("Assistant hand-off")
        GROUP = "group", _("Group message")
        API = "api", _("REST API")
        OPEN311 = "open311", _("Open311")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASIC = "basic", _("Basically satisfied")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")

    number = models.CharField(_("number"), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), max_length=2000)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("category"),
    )
    category_score = models.FloatField(null=True, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.SUBMITTED
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # FKs led by a composite index in Meta.indexes carry no index of their own (fewer writes)
    reporter = models.ForeignKey(
        Resident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        db_index=False,
    )
    reporter_name = EncryptedTextField(_("reporter name"), blank=True)
    reporter_phone = EncryptedTextField(_("reporter phone"), blank=True)
    hide_identity = models.BooleanField(_("hide my identity from the public"), default=False)
    street = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    handler_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handling unit"),
    )
    handler_org = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("handling organisation"),
        db_index=False,
    )
    cohandlers = models.ManyToManyField(
        Organisation, blank=True, related_name="cohandled_orders", verbose_name=_("co-handlers")
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)
    accept_due = models.DateTimeField(_("acceptance due"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_requested = models.BooleanField(default=False)
    suspension_reason = models.CharField(max_length=200, blank=True)
    paused_seconds = models.FloatField(default=0)
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    open311_token = models.CharField(max_length=32, unique=True, null=True, blank=True)
    source_ref = models.CharField(
        _("source reference"),
        max_length=64,
        blank=True,
        help_text=_("message or conversation the order came from"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # bigram search document (gongzhi.core.search), indexed by FTS5 / GIN outside the ORM
    search_terms = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)  # indexed by wo_recent
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_fields = ("community", "grid")

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [
            models.Index(fields=["community", "state", "-created_at"], name="wo_comm_state"),
            models.Index(fields=["grid", "state"], name="wo_grid_state"),
            models.Index(fields=["state", "next_escalation_at"], name="wo_escalation"),
            models.Index(fields=["reporter", "-created_at"], name="wo_reporter"),
            models.Index(fields=["handler_org", "state"], name="wo_handler_org"),
            models.Index(fields=["-created_at", "-id"], name="wo_recent"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.search_terms:
            self.search_terms = self.search_document()
        super().save(*args, **kwargs)

    def search_document(self) -> str:
        return search.document(self.number, self.title, self.description, self.address)

    @classmethod
    def resident_scope_q(cls, user):
        # literal ids, not a join or subquery: PostgreSQL then combines the community, grid and
        # reporter indexes (BitmapOr) instead of scanning every order (worker inbox count at
        # 120,000 orders: 47 ms seq scan before)
        ids = user.__dict__.get("_gongzhi_resident_ids")
        if ids is None:
            ids = list(Resident.objects.filter(user_id=user.pk).values_list("pk", flat=True))
            user.__dict__["_gongzhi_resident_ids"] = ids
        return Q(reporter_id__in=ids)

    @classmethod
    def organisation_scope_q(cls, org_ids):
        through = cls.cohandlers.through.objects.filter(organisation_id__in=org_ids)
        return Q(handler_org_id__in=org_ids) | Q(pk__in=through.values("workorder_id"))

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_at and self.state in RUNNING and self.due_at < timezone.now())

    @property
    def public_reporter(self) -> str:
        if self.hide_identity:
            return "匿名"
        name = self.reporter.name if self.reporter_id else self.reporter_name
        return mask_name(name) or "匿名"

    @property
    def masked_reporter_phone(self) -> str:
        phone = self.reporter.phone if self.reporter_id else self.reporter_phone
        return mask_phone(phone)

    @property
    def handler_label(self) -> str:
        if self.handler_org_id:
            return self.handler_org.name
        if self.handler_unit_id:
            return self.handler_unit.name
        return ""


class DailySequence(models.Model):
    """The last order number handed out per day (GZ + date + five digits). Taking the next one
    locks this row until that (short) transaction ends, so concurrent creates on PostgreSQL
    never draw the same number. Numbers only grow; a create that fails after drawing one
    (a database error — validation comes first) leaves a gap."""

    day = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day}: {self.last}"


class Event(CompiledInsert):
    """One step on an order's timeline."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    verb = models.CharField(max_length=24)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=60, blank=True)
    comment = models.TextField(blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self):
        return f"{self.order_id} {self.verb}"


def attachment_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower()[:5]
    return f"orders/{timezone.now():%Y/%m}/{secrets.token_hex(12)}.{ext}"


class Attachment(models.Model):
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.file.name

    @property
    def is_public(self) -> bool:
        """Photos of the submission and of public timeline steps are public, as in Open311;
        those of internal steps are for staff in scope."""
        return self.event_id is None or self.event.public

    @property
    def url(self) -> str:
        return reverse("order_attachment", args=[self.pk])


class Notification(CompiledInsert):
    """In-app notice to a user (channels such as WeChat come later)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(max_length=24)
    text = models.CharField(max_length=300)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.text


class Open311Key(models.Model):
    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, name: str) -> tuple[Open311Key, str]:
        key = secrets.token_urlsafe(24)
        while key[0] == "-":  # a leading dash would read as an option on the command line
            key = secrets.token_urlsafe(24)
        return cls.objects.create(name=name, key_hash=cls.hash(key), prefix=key[:6]), key

    @classmethod
    def lookup(cls, key: str | None) -> Open311Key | None:
        if not key:
            return None
        return cls.objects.filter(key_hash=cls.hash(key), active=True).first()
