"""People: login accounts, real-name residents, staff role grants and the unmasking log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto, scoping
from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.identity import mask_id_number, mask_name, mask_phone
from gongzhi.core.scoping import ScopedManager
from gongzhi.org.models import Household, Organisation, OrgUnit


class User(AbstractUser):
    """A login. Residents link to one Resident record; staff hold RoleGrants."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username


class Resident(models.Model):
    """A real-name person registered in a community (居民). Name, mobile and ID number are
    encrypted; ``*_bidx`` columns are blind indexes for exact lookup."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered resident")
        FLOATING = "floating", _("Floating population")
        STUDENT = "student", _("Student")

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident",
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = EncryptedTextField(_("name"))
    phone = EncryptedTextField(_("mobile"), blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    phone_bidx = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    id_number_bidx = models.CharField(max_length=32, blank=True, editable=False)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.REGISTERED)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    real_name_verified = models.BooleanField(_("real-name verified"), default=False)
    is_party_member = models.BooleanField(_("party member"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_fields = ("community", "grid")

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_bidx"],
                condition=~models.Q(id_number_bidx=""),
                name="resident_unique_id_number",
            )
        ]

    def __str__(self):
        return self.masked_name

    @classmethod
    def resident_scope_q(cls, user):
        return models.Q(user_id=user.pk)

    def refresh_indexes(self) -> None:
        """Recompute blind indexes from the clear values; call before saving changed values."""
        self.phone_bidx = crypto.blind_index(self.phone, "phone") if self.phone else ""
        self.id_number_bidx = (
            crypto.blind_index(self.id_number, "id_number") if self.id_number else ""
        )

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class RoleGrant(models.Model):
    """A staff role held on an org unit, covering its subtree."""

    class Role(models.TextChoices):
        DISTRICT_ADMIN = scoping.DISTRICT_ADMIN, _("District admin")
        STREET_STAFF = scoping.STREET_STAFF, _("Street staff")
        COMMUNITY_STAFF = scoping.COMMUNITY_STAFF, _("Community staff")
        PARTY_SECRETARY = scoping.PARTY_SECRETARY, _("Community party secretary")
        GRID_WORKER = scoping.GRID_WORKER, _("Grid worker")
        DEPARTMENT_STAFF = scoping.DEPARTMENT_STAFF, _("Department staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="grants")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="grant_unique")
        ]

    def __str__(self):
        return f"{self.user} {self.get_role_display()} @ {self.unit}"


class AccessLog(models.Model):
    """Every unmasking of personal data: who saw which field of whom, when and why."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="access_logs")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    fields = models.CharField(_("fields"), max_length=100)
    reason = models.CharField(_("reason"), max_length=200)
    channel = models.CharField(_("channel"), max_length=20, default="web")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedManager()
    scope_fields = ("community",)

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data access log")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.actor_id} → {self.resident_id} ({self.fields})"
