"""The one place where access is scoped by the organisation tree.

A staff role is granted on an org unit (RoleGrant) and covers that unit's subtree. Each role
carries a set of capabilities (ROLE_CAPABILITIES). For a user and a capability the scope is the
set of org-unit ids covered by the user's grants that carry it (``None`` = the whole district).

Scoped models use ``ScopedQuerySet`` as their default manager and declare
``scope_fields`` — the org-unit foreign keys (or ``"pk"`` for OrgUnit itself) that place a row in
the tree. ``Model.objects.restrict(user, "view")`` filters on them; ``access(Model, user, pk)``
fetches *and* authorizes, answering "not found" for missing and forbidden alike, so nothing
leaks whether an object of another community exists. Residents (no staff role) see rows through
the model's optional ``resident_scope_q(user)`` hook (their own records, their groups).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.http import Http404

from gongzhi.core.prepared import ByKey

# Roles (角色). A grant is always on an org unit; the unit kind each role is granted on is a
# convention checked by people.actions.grant_role.
DISTRICT_ADMIN = "district_admin"
STREET_STAFF = "street_staff"
COMMUNITY_STAFF = "community_staff"
PARTY_SECRETARY = "party_secretary"
GRID_WORKER = "grid_worker"
DEPARTMENT_STAFF = "department_staff"

VIEW, CHANGE, UNMASK, IMPORT, AUDIT, MANAGE_GROUPS = (
    "view",
    "change",
    "unmask",
    "import",
    "audit",
    "manage_groups",
)

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    DISTRICT_ADMIN: frozenset({VIEW, CHANGE, UNMASK, IMPORT, AUDIT, MANAGE_GROUPS}),
    STREET_STAFF: frozenset({VIEW, CHANGE, MANAGE_GROUPS}),
    COMMUNITY_STAFF: frozenset({VIEW, CHANGE, UNMASK, IMPORT, MANAGE_GROUPS}),
    PARTY_SECRETARY: frozenset({VIEW, CHANGE, UNMASK, MANAGE_GROUPS}),
    GRID_WORKER: frozenset({VIEW, CHANGE, UNMASK}),
    # Departments see their served area read-only here; their work arrives as work orders.
    DEPARTMENT_STAFF: frozenset({VIEW}),
}

ROLE_UNIT_KINDS: dict[str, tuple[str, ...]] = {
    DISTRICT_ADMIN: ("district",),
    STREET_STAFF: ("street",),
    COMMUNITY_STAFF: ("community",),
    PARTY_SECRETARY: ("community",),
    GRID_WORKER: ("grid",),
    DEPARTMENT_STAFF: ("district", "street"),
}

_NOTHING = frozenset()


def _grants(user) -> list[tuple[str, int, str, int | None]]:
    """(role, unit_id, unit_path, organisation_id) of the user's grants, cached on the user."""
    cached = getattr(user, "_gongzhi_grants", None)
    if cached is None:
        cached = user._gongzhi_grants = _GRANTS.rows(user.pk)
    return cached


def _grant_rows(user_id):
    from gongzhi.people.models import RoleGrant

    return RoleGrant.objects.filter(user_id=user_id).values_list(
        "role", "unit_id", "unit__path", "organisation_id"
    )


_GRANTS = ByKey(_grant_rows)  # read on every staff request: compiled once (core/prepared.py)


def roles_of(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return {g[0] for g in _grants(user)}


def is_staff_user(user) -> bool:
    return bool(roles_of(user))


def has_capability(user, capability: str) -> bool:
    return any(capability in ROLE_CAPABILITIES.get(r, ()) for r in roles_of(user))


def unit_scope(user, capability: str = VIEW) -> frozenset[int] | None:
    """Org-unit ids where ``user`` holds ``capability``; ``None`` means the whole tree."""
    if not getattr(user, "is_authenticated", False):
        return _NOTHING
    cache = user.__dict__.setdefault("_gongzhi_scope", {})
    if capability in cache:
        return cache[capability]
    paths = [g[2] for g in _grants(user) if capability in ROLE_CAPABILITIES.get(g[0], ())]
    from gongzhi.org.models import OrgUnit

    if not paths:
        result: frozenset[int] | None = _NOTHING
    elif any(path.count("/") == 2 for path in paths):  # a grant on the root ("/<id>/")
        result = None
    else:
        q = Q()
        for path in paths:
            q |= Q(path__startswith=path)
        result = frozenset(OrgUnit.objects.filter(q).values_list("id", flat=True))
    cache[capability] = result
    return result


def organisation_scope(user, capability: str = VIEW) -> frozenset[int]:
    """Organisations (departments, property companies …) the user acts for with ``capability``."""
    if not getattr(user, "is_authenticated", False):
        return _NOTHING
    return frozenset(
        g[3]
        for g in _grants(user)
        if g[3] is not None and capability in ROLE_CAPABILITIES.get(g[0], ())
    )


def forget_scope(user) -> None:
    """Drop what is cached on ``user`` (grants, scopes, own resident ids), so the next check
    reads the database again — for objects that outlive a request, such as a WebSocket's."""
    for key in ("_gongzhi_scope", "_gongzhi_grants", "_gongzhi_resident_ids"):
        user.__dict__.pop(key, None)


def scope_q(model, user, capability: str = VIEW) -> Q:
    """The filter that limits ``model`` rows to what ``user`` may ``capability``."""
    ids = unit_scope(user, capability)
    if ids is None:
        return Q()
    q = Q(pk__in=[])
    if ids and hasattr(model, "unit_scope_q"):
        q |= model.unit_scope_q(ids)
    elif ids:
        for field in model.scope_fields:
            lookup = "pk__in" if field == "pk" else f"{field}_id__in"
            q |= Q(**{lookup: ids})
    if hasattr(model, "organisation_scope_q"):
        orgs = organisation_scope(user, capability)
        if orgs:
            q |= model.organisation_scope_q(orgs)
    if capability == VIEW and hasattr(model, "resident_scope_q") and user.is_authenticated:
        q |= model.resident_scope_q(user)
    return q


def covers(user, obj, capability: str = VIEW) -> bool:
    """Whether the org-tree part of ``scope_q`` admits the loaded ``obj``: the same rule,
    evaluated without a query (for checks repeated on hot paths, such as a chat send).
    Residents' own rows (``resident_scope_q``) are not included; models with their own
    ``unit_scope_q`` or organisation scopes must use ``restrict``."""
    model = type(obj)
    if hasattr(model, "unit_scope_q") or hasattr(model, "organisation_scope_q"):
        raise TypeError(f"{model.__name__} needs restrict(), not covers()")
    ids = unit_scope(user, capability)
    if ids is None:
        return True
    for field in model.scope_fields:
        value = obj.pk if field == "pk" else getattr(obj, f"{field}_id")
        if value is not None and value in ids:
            return True
    return False


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, capability: str = VIEW):
        return self.filter(scope_q(self.model, user, capability))


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def access(model_or_qs, user, pk, capability: str = VIEW):
    """Fetch one object the user may ``capability``; Http404 if missing *or* forbidden."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs.objects.all()
    try:
        return qs.restrict(user, capability).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc
