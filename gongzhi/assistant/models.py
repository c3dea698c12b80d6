"""小栖's knowledge base (with review workflow and versions) and the log of every exchange."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopedManager
from gongzhi.org.models import OrgUnit


class Entry(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEWED = "reviewed", _("Reviewed")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    key = models.SlugField(_("key"), max_length=40, unique=True)
    topic = models.CharField(_("topic"), max_length=40, db_index=True)
    question = models.CharField(_("standard question"), max_length=200)
    similar = models.JSONField(_("similar questions"), default=list, blank=True)
    answer = models.TextField(_("answer"), max_length=4000)
    keywords = models.JSONField(default=list, blank=True)
    department = models.CharField(_("owning department"), max_length=60, blank=True)
    confirm = models.CharField(_("where to confirm"), max_length=200, blank=True)
    scope = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("scope"),
        help_text=_("empty: the whole district; a street or community: a local version"),
    )
    overrides = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="local_versions"
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(default=1)
    # what residents get while a newer version is in draft or review (set on publish)
    live = models.JSONField(null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ScopedManager()
    scope_fields = ("scope",)

    class Meta:
        verbose_name = _("knowledge-base entry")
        verbose_name_plural = _("knowledge-base entries")
        ordering = ["topic", "key"]

    def __str__(self):
        return f"{self.key} {self.question}"

    @classmethod
    def unit_scope_q(cls, ids):
        # district-wide entries are readable by all staff; local ones by their unit's staff
        return Q(scope_id__in=ids) | Q(scope=None)

    def is_valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def as_engine_entry(self) -> dict:
        if self.live and self.status != self.Status.PUBLISHED:
            return {"id": self.key, **self.live}
        return {
            "id": self.key,
            "topic": self.topic,
            "question": self.question,
            "similar": list(self.similar),
            "answer": self.answer,
            "keywords": list(self.keywords),
            "department": self.department,
            "confirm": self.confirm,
        }


class EntryVersion(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10)
    data = models.JSONField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version", "-id"]

    def __str__(self):
        return f"{self.entry_id} v{self.version}"


class Exchange(models.Model):
    """One question to 小栖 and its reply (every exchange is logged)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    community = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=16, default="web")
    question = models.CharField(max_length=500)
    kind = models.CharField(max_length=12, db_index=True)
    entry_key = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=20, blank=True)
    score = models.FloatField(default=0)
    reply = models.TextField(blank=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="corrections"
    )
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ScopedManager()
    scope_fields = ("community",)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind}: {self.question[:30]}"

    @classmethod
    def resident_scope_q(cls, user):
        return Q(user_id=user.pk)
