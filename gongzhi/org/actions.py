"""State changes on the organisation tree. Each checks permission, runs in a transaction and
writes history."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError, PermissionDenied, RowsInvalid
from gongzhi.core.models import record_event
from gongzhi.core.tabular import read_table

from .models import OrgUnit

TREE_COLUMNS = {
    "街道": "street",
    "street": "street",
    "社区": "community",
    "community": "community",
    "社区类型": "community_type",
    "community_type": "community_type",
    "网格": "grid",
    "grid": "grid",
    "办公地址": "office_address",
    "office_address": "office_address",
    "值班电话": "duty_phone",
    "duty_phone": "duty_phone",
}
TYPE_WORDS = {
    "社区": "urban",
    "urban": "urban",
    "村": "village",
    "村委会": "village",
    "village": "village",
}


TreeImportError = RowsInvalid  # kept as a name for callers


def _root() -> OrgUnit:
    root = OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT, parent=None).first()
    if root is None:
        raise ActionError(_("The district has not been set up yet."), code="no_district")
    return root


def do_import_tree(actor, data: bytes, filename: str) -> dict:
    """Create missing streets, communities and grids from a sheet; update addresses/phones.

    Every row is validated first; one bad row means nothing is written.
    """
    if scoping.unit_scope(actor, scoping.IMPORT) is not None:
        raise PermissionDenied(_("Only district admins can import the organisation tree."))
    rows = read_table(data, filename, TREE_COLUMNS)
    root = _root()
    errors: list[tuple[int, str]] = []
    for n, row in enumerate(rows, start=2):
        if not row.get("street") or not row.get("community"):
            errors.append((n, _("Street and community are required.")))
        ctype = row.get("community_type", "").strip()
        if ctype and ctype not in TYPE_WORDS:
            errors.append((n, _("Community type must be 社区 or 村委会.")))
    if errors:
        raise TreeImportError(errors)
    created = {"street": 0, "community": 0, "grid": 0}
    with transaction.atomic():
        existing = {(u.parent_id, u.kind, u.name): u for u in OrgUnit.objects.all()}

        def get_or_create(parent, kind, name, **extra):
            unit = existing.get((parent.pk, kind, name))
            if unit is None:
                code = f"{parent.code}-{OrgUnit.objects.filter(parent=parent).count() + 1:03d}"
                while OrgUnit.objects.filter(code=code).exists():
                    code += "x"
                unit = OrgUnit.objects.create(
                    parent=parent, kind=kind, name=name, code=code, **extra
                )
                existing[(parent.pk, kind, name)] = unit
                created[kind] += 1
            return unit

        for row in rows:
            street = get_or_create(root, "street", row["street"])
            ctype = TYPE_WORDS.get(row.get("community_type", "").strip(), "urban")
            community = get_or_create(street, "community", row["community"], community_type=ctype)
            changed = []
            for f in ("office_address", "duty_phone"):
                if row.get(f) and getattr(community, f) != row[f]:
                    setattr(community, f, row[f])
                    changed.append(f)
            if changed:
                community.save(update_fields=changed)
            if row.get("grid"):
                get_or_create(community, "grid", row["grid"])
        record_event(actor, "org.import_tree", root, rows=len(rows), **created)
    return {"rows": len(rows), "created": created}
