"""Scoped reads of the organisation tree."""

from __future__ import annotations

from django.db.models import Count

from gongzhi.core import scoping
from gongzhi.core.tabular import write_xlsx

from .models import Household, OrgUnit


def units_for(user, kind: str | None = None, parent_id: int | None = None):
    qs = OrgUnit.objects.restrict(user)
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    return qs


def unit_for(user, pk: int) -> OrgUnit:
    return scoping.access(OrgUnit, user, pk)


def household_counts(community_ids) -> dict[int, int]:
    rows = (
        Household.objects.filter(community_id__in=community_ids)
        .values("community_id")
        .annotate(n=Count("id"))
    )
    return {r["community_id"]: r["n"] for r in rows}


def _type_word(community: OrgUnit) -> str:
    return "村委会" if community.community_type == "village" else "社区"


def export_tree(user) -> bytes:
    """The tree in the same layout ``do_import_tree`` reads (one row per grid)."""
    units = list(units_for(user).select_related("parent"))
    by_id = {u.pk: u for u in units}
    rows = []
    for u in units:
        if u.kind == "grid":
            c = by_id.get(u.parent_id) or u.parent
            s = c.parent
            rows.append([s.name, c.name, _type_word(c), u.name, c.office_address, c.duty_phone])
        elif u.kind == "community" and not any(x.parent_id == u.pk for x in units):
            rows.append([u.parent.name, u.name, _type_word(u), "", u.office_address, u.duty_phone])
    headers = ["街道", "社区", "社区类型", "网格", "办公地址", "值班电话"]
    return write_xlsx(headers, rows, title="组织架构")


def nearest_grid(lat: float, lon: float, community_id: int | None = None) -> OrgUnit | None:
    """The grid whose centre is nearest to a map point (equirectangular distance; the district
    has about 1,200 grids, so a scan of their centres is cheaper than a spatial index)."""
    import math

    qs = OrgUnit.objects.filter(kind="grid", lat__isnull=False, lon__isnull=False)
    if community_id:
        qs = qs.filter(parent_id=community_id)
    k = math.cos(math.radians(lat))
    best = min(
        qs.values_list("pk", "lat", "lon"),
        key=lambda r: (r[1] - lat) ** 2 + ((r[2] - lon) * k) ** 2,
        default=None,
    )
    return OrgUnit.objects.get(pk=best[0]) if best else None
