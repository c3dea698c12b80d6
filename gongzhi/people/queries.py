"""Scoped reads of residents and the access log."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from gongzhi.core import crypto, scoping
from gongzhi.core.identity import validate_id_number, validate_phone
from gongzhi.core.tabular import write_xlsx

from .models import AccessLog, Resident


def residents_for(user, *, community_id=None, grid_id=None, phone=None, id_number=None, kind=None):
    qs = Resident.objects.restrict(user).select_related("household__building")
    if community_id:
        qs = qs.filter(community_id=community_id)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if kind:
        qs = qs.filter(kind=kind)
    if phone:
        try:
            qs = qs.filter(phone_bidx=crypto.blind_index(validate_phone(phone), "phone"))
        except ValidationError:
            qs = qs.none()
    if id_number:
        try:
            qs = qs.filter(
                id_number_bidx=crypto.blind_index(validate_id_number(id_number), "id_number")
            )
        except ValidationError:
            qs = qs.none()
    return qs.order_by("id")


def resident_for(user, pk: int) -> Resident:
    return scoping.access(Resident.objects.select_related("household__building"), user, pk)


def access_log_for(user):
    return AccessLog.objects.restrict(user, scoping.AUDIT).select_related("actor", "resident")


def export_residents(user, **filters) -> bytes:
    """Masked roster export: personal data never leaves in clear through exports."""
    qs = residents_for(user, **filters).select_related("community", "grid")
    rows = (
        [
            r.community.name,
            r.grid.name if r.grid_id else "",
            r.household.building.name if r.household_id else "",
            r.household.room if r.household_id else "",
            r.masked_name,
            r.masked_id_number,
            r.masked_phone,
            r.get_kind_display(),
            "是" if r.is_party_member else "否",
            "是" if r.real_name_verified else "否",
        ]
        for r in qs.iterator(chunk_size=2000)
    )
    headers = [
        "社区",
        "网格",
        "楼栋",
        "房号",
        "姓名",
        "身份证号",
        "手机号",
        "人员类型",
        "党员",
        "已实名",
    ]
    return write_xlsx(headers, rows, title="居民花名册")
