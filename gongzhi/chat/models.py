"""信息交流: group messages, notices with read receipts, broadcasts, moderation."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.prepared import CompiledInsert
from gongzhi.core.scoping import ScopedManager
from gongzhi.groups.models import CommunityGroup
from gongzhi.org.models import OrgUnit
from gongzhi.people.models import Resident


class Message(CompiledInsert):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        IMAGE = "image", _("Image")
        FILE = "file", _("File")
        LOCATION = "location", _("Location")
        NOTICE = "notice", _("Notice")
        SYSTEM = "system", _("System")

    class Status(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HELD = "held", _("Held for review")
        REMOVED = "removed", _("Removed")
        RECALLED = "recalled", _("Recalled")

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="messages")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    sender = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_label = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField(max_length=2000, blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentions = models.JSONField(default=list, blank=True)
    file = models.FileField(upload_to="chat/%Y/%m/", null=True, blank=True)
    file_name = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=60, blank=True)
    size = models.PositiveIntegerField(default=0)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VISIBLE)
    flags = models.JSONField(default=list, blank=True)
    client_id = models.CharField(max_length=40, blank=True)
    recalled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_fields = ("community",)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["group", "id"], name="msg_group_id"),
            models.Index(fields=["community", "created_at"], name="msg_comm_time"),
            models.Index(fields=["created_at"], name="msg_time"),
            # the per-sender throttle in actions.do_send: a short range, not the group's history
            models.Index(fields=["sender_user", "group", "created_at"], name="msg_sender_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "sender_user", "client_id"],
                condition=~models.Q(client_id=""),
                name="msg_client_once",
            )
        ]

    def __str__(self):
        return f"{self.group_id}#{self.pk}"


class Outbox(models.Model):
    """Live events from processes without sockets (huey worker, WSGI, shell) when there is no
    Redis: the in-memory channel layer reaches only its own process. Written in the same
    transaction as the change, so a row exists exactly when the change committed; the ASGI
    server process tails the table (events.Relay) and pushes the rows to its sockets. Rows are
    kept for minutes only (events.trim_outbox). Not used with the Redis channel layer, nor for
    events of the server process itself. See docs/realtime.md."""

    group_id = models.BigIntegerField()
    message_id = models.BigIntegerField(null=True)  # for de-duplication in the consumer
    frame = models.TextField()  # the WebSocket frame, JSON, encoded once
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.group_id}#{self.pk}"


class GroupDay(models.Model):
    """Daily roll-up per group (computed on the task queue): messages and distinct active
    members. Metrics read these rows, never the million-row message table."""

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    messages = models.PositiveIntegerField(default=0)
    active_members = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "day"], name="groupday_once")]
        indexes = [models.Index(fields=["community", "day"], name="groupday_comm_day")]

    def __str__(self):
        return f"{self.group_id}@{self.day}"


class CommunityDay(models.Model):
    """GroupDay summed per community and day, written by the same roll-up: the metrics of a
    street or the district over a year read ~126 rows a day instead of ~1,160."""

    community = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    messages = models.PositiveIntegerField(default=0)
    active_members = models.PositiveIntegerField(default=0)  # summed over its groups

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "day"], name="communityday_once")
        ]

    def __str__(self):
        return f"{self.community_id}@{self.day}"


class CommunityStat(models.Model):
    """Membership figures of a community as of the last roll-up (every 15 minutes on the task
    queue): dashboards read these instead of counting the district's ~220,000 memberships on
    every page view."""

    community = models.OneToOneField(
        OrgUnit, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    households = models.PositiveIntegerField(default=0)
    covered_households = models.PositiveIntegerField(default=0)
    members = models.PositiveIntegerField(default=0)
    real_name_members = models.PositiveIntegerField(default=0)
    groups = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.community_id}@{self.computed_at:%Y-%m-%d %H:%M}"


class ReadMark(models.Model):
    """How far a user has read a group (for unread counts)."""

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="readmark_once")]

    def __str__(self):
        return f"{self.user_id}@{self.group_id}:{self.last_read_id}"


class Broadcast(models.Model):
    """One notice sent to many groups, chosen by street, community, grid, group kind or tag."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"), max_length=4000)
    template = models.CharField(max_length=20, blank=True)
    selector = models.JSONField(default=dict)
    scheduled_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    groups_total = models.PositiveIntegerField(default=0)
    groups_done = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scope_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_fields = ("scope_unit",)

    def __str__(self):
        return self.title


class Notice(models.Model):
    """通知公告 in one group, pinned, with read receipts."""

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="notices")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    broadcast = models.ForeignKey(
        Broadcast, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    message = models.OneToOneField(
        Message, null=True, on_delete=models.SET_NULL, related_name="notice"
    )
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"), max_length=4000)
    pinned = models.BooleanField(_("pinned"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_fields = ("community",)

    class Meta:
        ordering = ["-pinned", "-created_at"]

    def __str__(self):
        return self.title


class NoticeRead(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="noticeread_once")]

    def __str__(self):
        return f"{self.notice_id}:{self.user_id}"


class SensitiveWord(models.Model):
    class Action(models.TextChoices):
        BLOCK = "block", _("Refuse the message")
        HOLD = "hold", _("Hold for review")
        FLAG = "flag", _("Deliver and flag")

    word = models.CharField(max_length=40, unique=True)
    category = models.CharField(max_length=20, default="other")
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.HOLD)

    def __str__(self):
        return self.word


class Report(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=200)
    handled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_fields = ("community",)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "reporter"], name="report_once")]

    def __str__(self):
        return f"{self.message_id}: {self.reason}"
