"""Organisation tree: district → street → community → grid → building → household.

Org units (district, street, community, grid) share one table with a materialised ``path`` of
ids ("/1/4/17/") so a subtree is one indexed prefix query. Buildings and households hang off a
grid and carry their community (and street) so scoping filters need no joins.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopedManager


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", _("District")
        STREET = "street", _("Street / town")
        COMMUNITY = "community", _("Community")
        GRID = "grid", _("Grid")

    class CommunityType(models.TextChoices):
        URBAN = "urban", _("Urban community")
        VILLAGE = "village", _("Village committee")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    community_type = models.CharField(
        _("community type"), max_length=16, choices=CommunityType.choices, blank=True
    )
    office_address = models.CharField(_("office address"), max_length=200, blank=True)
    duty_phone = models.CharField(_("duty phone"), max_length=40, blank=True)
    # centre point (WGS-84) of a grid or community, for placing map-point requests
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_fields = ("pk",)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs.pop("force_insert", None)
            kwargs["update_fields"] = ["path"]
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
        super().save(*args, **kwargs)

    @classmethod
    def resident_scope_q(cls, user):
        # Residents see their own community and its street/grid (public information).
        from gongzhi.people.models import Resident

        r = Resident.objects.filter(user_id=user.pk).values("community_id", "grid_id").first()
        if not r:
            return models.Q(pk__in=[])
        return models.Q(pk__in=[r["community_id"], r["grid_id"]])

    def ancestors(self):
        ids = [int(p) for p in self.path.strip("/").split("/")[:-1]]
        by_id = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]

    def ancestor_of_kind(self, kind: str):
        if self.kind == kind:
            return self
        for unit in self.ancestors():
            if unit.kind == kind:
                return unit
        return None

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


class Building(models.Model):
    grid = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="buildings")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("building"), max_length=60)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_fields = ("community", "grid")

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="building_unique_name")
        ]

    def __str__(self):
        return self.name


class Household(models.Model):
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="households")
    grid = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    room = models.CharField(_("room"), max_length=40)

    objects = ScopedManager()
    scope_fields = ("community", "grid")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["building", "room"], name="household_unique_room")
        ]

    def __str__(self):
        return f"{self.building.name} {self.room}"


class Organisation(models.Model):
    """Departments and stakeholders (物业公司, 驻区单位, 社会组织 …) and the communities they serve."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("District department")
        PROPERTY = "property", _("Property management company")
        RESIDENT_UNIT = "resident_unit", _("Resident unit")
        SOCIAL = "social", _("Social organisation")
        UTILITY = "utility", _("Public utility / transport")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    home_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("home unit")
    )
    served_communities = models.ManyToManyField(
        OrgUnit, blank=True, related_name="serving_organisations", verbose_name=_("serves")
    )
    contact_phone = models.CharField(_("public contact phone"), max_length=40, blank=True)

    objects = ScopedManager()
    scope_fields = ("home_unit",)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    @classmethod
    def unit_scope_q(cls, ids):
        served = Organisation.served_communities.through.objects.filter(orgunit_id__in=ids)
        return models.Q(home_unit_id__in=ids) | models.Q(pk__in=served.values("organisation_id"))
