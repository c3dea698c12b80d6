"""State changes on people: residents, roles, unmasking, roster import."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core import crypto, scoping
from gongzhi.core.errors import ActionError, PermissionDenied, RowsInvalid, required_text
from gongzhi.core.identity import id_birth_date, id_gender, validate_id_number, validate_phone
from gongzhi.core.models import record_event
from gongzhi.core.tabular import read_table
from gongzhi.org.models import Building, Household, OrgUnit

from .models import AccessLog, Resident, RoleGrant, User

UNMASKABLE = ("name", "phone", "id_number")


def _clean_person(name: str, phone: str, id_number: str) -> tuple[str, str, str]:
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise ActionError(_("Name is required (at most 40 characters)."), code="name", field="name")
    try:
        phone = validate_phone(phone) if phone else ""
    except ValidationError as exc:
        raise ActionError(exc.messages[0], code="phone", field="phone") from exc
    try:
        id_number = validate_id_number(id_number) if id_number else ""
    except ValidationError as exc:
        raise ActionError(exc.messages[0], code="id_number", field="id_number") from exc
    return name, phone, id_number


def build_resident(
    *,
    household: Household | None,
    community: OrgUnit,
    grid: OrgUnit | None,
    name: str,
    phone: str,
    id_number: str,
    kind: str = Resident.Kind.REGISTERED,
    is_party_member: bool = False,
    real_name_verified: bool = False,
) -> Resident:
    """An unsaved Resident with derived fields and blind indexes (inputs already validated)."""
    r = Resident(
        household=household,
        community=community,
        grid=grid,
        name=name,
        phone=phone,
        id_number=id_number,
        kind=kind,
        is_party_member=is_party_member,
        real_name_verified=real_name_verified,
    )
    if id_number:
        r.gender = id_gender(id_number)
        r.birth_year = id_birth_date(id_number).year
    r.refresh_indexes()
    return r


def do_create_resident(
    actor,
    *,
    household_id: int,
    name: str,
    phone: str = "",
    id_number: str = "",
    kind: str = Resident.Kind.REGISTERED,
    is_party_member: bool = False,
) -> Resident:
    household = scoping.access(Household, actor, household_id, scoping.CHANGE)
    name, phone, id_number = _clean_person(name, phone, id_number)
    if kind not in Resident.Kind.values:
        raise ActionError(_("Unknown resident type."), code="kind", field="kind")
    r = build_resident(
        household=household,
        community=household.community,
        grid=household.grid,
        name=name,
        phone=phone,
        id_number=id_number,
        kind=kind,
        is_party_member=is_party_member,
        real_name_verified=bool(id_number),
    )
    try:
        with transaction.atomic():
            r.save()
            record_event(actor, "resident.create", r, community_id=r.community_id)
    except IntegrityError as exc:
        raise ActionError(
            _("A resident with this ID number is already registered."),
            code="duplicate",
            field="id_number",
        ) from exc
    return r


def do_unmask_resident(
    actor,
    resident_id: int,
    fields: list[str],
    reason: str,
    *,
    ip: str | None = None,
    channel: str = "web",
) -> dict[str, str]:
    """Return clear values of ``fields`` and log the access. Requires the unmask capability
    on the resident's community or grid; the resident themself may always see their own."""
    fields = [f for f in dict.fromkeys(fields) if f in UNMASKABLE]
    if not fields:
        raise ActionError(_("Choose which fields to show."), code="fields")
    reason = required_text(
        reason, _("Give a reason for viewing personal data."), field="reason", code="reason"
    )
    resident = scoping.access(Resident, actor, resident_id, scoping.UNMASK)
    with transaction.atomic():
        AccessLog.objects.create(
            actor=actor,
            resident=resident,
            community_id=resident.community_id,
            fields=",".join(fields),
            reason=reason[:200],
            channel=channel,
            ip_address=ip,
        )
    return {f: getattr(resident, f) for f in fields}


def do_grant_role(actor, user: User, role: str, unit: OrgUnit, organisation=None) -> RoleGrant:
    if role not in RoleGrant.Role.values:
        raise ActionError(_("Unknown role."), code="role")
    if unit.kind not in scoping.ROLE_UNIT_KINDS[role]:
        raise ActionError(_("This role cannot be granted on this kind of unit."), code="unit_kind")
    if not (
        getattr(actor, "is_superuser", False) or scoping.unit_scope(actor, scoping.AUDIT) is None
    ):
        raise PermissionDenied(_("Only district admins can grant roles."))
    with transaction.atomic():
        grant, _created = RoleGrant.objects.get_or_create(
            user=user,
            role=role,
            unit=unit,
            defaults={"organisation": organisation, "granted_by": actor if actor.pk else None},
        )
        record_event(
            actor,
            "role.grant",
            grant,
            community_id=unit.pk if unit.kind == "community" else None,
            role=role,
            unit=unit.pk,
            user=user.pk,
        )
    scoping.forget_scope(user)
    return grant


# --- roster import ---------------------------------------------------------------------------

ROSTER_COLUMNS = {
    "姓名": "name",
    "name": "name",
    "身份证号": "id_number",
    "公民身份号码": "id_number",
    "id_number": "id_number",
    "手机号": "phone",
    "手机": "phone",
    "phone": "phone",
    "网格": "grid",
    "grid": "grid",
    "楼栋": "building",
    "building": "building",
    "房号": "room",
    "room": "room",
    "人员类型": "kind",
    "kind": "kind",
    "党员": "party",
    "party_member": "party",
}
KIND_WORDS = {
    "户籍": "registered",
    "registered": "registered",
    "": "registered",
    "流动": "floating",
    "流动人口": "floating",
    "floating": "floating",
    "学生": "student",
    "student": "student",
}
YES = {"是", "y", "yes", "1", "true", "党员"}


class RosterImportError(RowsInvalid):
    def __init__(self, errors):
        super().__init__(errors, _("The roster has errors; nothing was imported."))


def do_import_roster(actor, community_id: int, data: bytes, filename: str) -> dict:
    """Import residents of one community from an Excel/CSV roster.

    All rows are validated first (format, checksum, grid exists, duplicates within the file and
    against the registry); any error means nothing is written and every bad row is reported.
    """
    community = scoping.access(
        OrgUnit.objects.filter(kind="community"), actor, community_id, scoping.IMPORT
    )
    rows = read_table(data, filename, ROSTER_COLUMNS)
    grids = {g.name: g for g in OrgUnit.objects.filter(parent=community, kind="grid")}
    errors: list[tuple[int, str]] = []
    clean = []
    seen_ids: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):
        try:
            name, phone, idn = _clean_person(
                row.get("name", ""), row.get("phone", ""), row.get("id_number", "")
            )
            if not idn:
                raise ActionError(_("ID number is required."))
            grid = grids.get(row.get("grid", "").strip())
            if grid is None:
                raise ActionError(
                    _("Unknown grid “%(grid)s” in this community.") % {"grid": row.get("grid", "")}
                )
            if not row.get("building") or not row.get("room"):
                raise ActionError(_("Building and room are required."))
            kind = KIND_WORDS.get(row.get("kind", "").strip().lower())
            if kind is None:
                raise ActionError(_("Resident type must be 户籍, 流动 or 学生."))
            if idn in seen_ids:
                raise ActionError(_("Same ID number as row %(row)d.") % {"row": seen_ids[idn]})
            seen_ids[idn] = n
        except ActionError as exc:
            errors.append((n, exc.message))
            continue
        clean.append(
            (
                n,
                name,
                phone,
                idn,
                grid,
                row["building"].strip(),
                row["room"].strip(),
                kind,
                row.get("party", "").strip().lower() in YES,
            )
        )
    if clean:
        bidx = {crypto.blind_index(c[3], "id_number"): c[0] for c in clean}
        for dup in Resident.objects.filter(id_number_bidx__in=list(bidx)).values_list(
            "id_number_bidx", flat=True
        ):
            errors.append((bidx[dup], _("A resident with this ID number is already registered.")))
    if errors:
        raise RosterImportError(sorted(errors))
    created = {"residents": 0, "households": 0, "buildings": 0}
    with transaction.atomic():
        buildings = {b.name: b for b in Building.objects.filter(community=community)}
        households = {
            (h.building_id, h.room): h for h in Household.objects.filter(community=community)
        }
        new_residents = []
        for _n, name, phone, idn, grid, bname, room, kind, party in clean:
            b = buildings.get(bname)
            if b is None:
                b = Building.objects.create(grid=grid, community=community, name=bname)
                buildings[bname] = b
                created["buildings"] += 1
            h = households.get((b.pk, room))
            if h is None:
                h = Household.objects.create(
                    building=b, grid=b.grid, community=community, room=room
                )
                households[(b.pk, room)] = h
                created["households"] += 1
            new_residents.append(
                build_resident(
                    household=h,
                    community=community,
                    grid=h.grid,
                    name=name,
                    phone=phone,
                    id_number=idn,
                    kind=kind,
                    is_party_member=party,
                    real_name_verified=True,
                )
            )
        Resident.objects.bulk_create(new_residents, batch_size=1000)
        created["residents"] = len(new_residents)
        record_event(
            actor,
            "resident.import_roster",
            community,
            community_id=community.pk,
            filename=filename[:100],
            **created,
        )
    return created
