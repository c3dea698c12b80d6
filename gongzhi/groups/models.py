"""Groups registry (多群管理): community groups, their members and invitations.

Chat arrives in a later module; this is who is in which group, with which role.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopedManager
from gongzhi.org.models import OrgUnit
from gongzhi.people.models import Resident

MAX_GROUP_MEMBERS = 500  # the WeChat group limit the seed's groups lived with


class CommunityGroup(models.Model):
    class Kind(models.TextChoices):
        RESIDENTS = "residents", _("Residents group")
        BUILDING = "building", _("Building group")
        PARTY = "party", _("Party members group")
        VOLUNTEER = "volunteer", _("Volunteers group")
        INTEREST = "interest", _("Interest group")

    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="groups")
    grid = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="grid_groups"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=80)
    tags = models.CharField(_("tags"), max_length=200, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    auto_answer = models.BooleanField(_("小栖 answers automatically"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope_fields = ("community", "grid")

    class Meta:
        verbose_name = _("community group")
        verbose_name_plural = _("community groups")
        ordering = ["community_id", "id"]

    def __str__(self):
        return self.name

    @classmethod
    def resident_scope_q(cls, user):
        mine = Membership.objects.filter(resident__user_id=user.pk).values("group_id")
        return models.Q(pk__in=mine)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Group owner")
        ADMIN = "admin", _("Group admin")
        MEMBER = "member", _("Member")

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="memberships")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="memberships")
    # denormalised so scoped reads and coverage need no join through the group
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)

    objects = ScopedManager()
    scope_fields = ("community",)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(fields=["group", "resident"], name="membership_unique")
        ]
        indexes = [models.Index(fields=["resident", "group"])]

    def __str__(self):
        return f"{self.group_id}:{self.resident_id} ({self.role})"


def _new_code() -> str:
    return secrets.token_urlsafe(9)


class Invitation(models.Model):
    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="invitations")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=20, unique=True, default=_new_code)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"))
    max_uses = models.PositiveIntegerField(_("max uses"), default=100)
    uses = models.PositiveIntegerField(default=0)
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_fields = ("community",)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.group_id}:{self.code}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return not self.revoked and self.uses < self.max_uses and now < self.expires_at
