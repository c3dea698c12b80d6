from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status

from gongzhi.core import scoping

from . import actions, queries

router = Router(tags=["people"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    resident_id: int | None
    community_id: int | None


@router.get("/me", response=MeOut, url_name="me")
def me(request):
    u = request.user
    r = getattr(u, "resident", None) if hasattr(u, "resident") else None
    return {
        "id": u.pk,
        "username": u.username,
        "display_name": u.display_name,
        "roles": sorted(scoping.roles_of(u)),
        "resident_id": r.pk if r else None,
        "community_id": r.community_id if r else None,
    }


class ResidentOut(Schema):
    """Personal data is always masked here; use the unmask endpoint (audited) to see it."""

    id: int
    community_id: int
    grid_id: int | None
    household_id: int | None
    name: str
    phone: str
    id_number: str
    kind: str
    gender: str
    birth_year: int | None
    real_name_verified: bool
    is_party_member: bool

    @staticmethod
    def resolve_name(obj):
        return obj.masked_name

    @staticmethod
    def resolve_phone(obj):
        return obj.masked_phone

    @staticmethod
    def resolve_id_number(obj):
        return obj.masked_id_number


class ResidentIn(Schema):
    household_id: int
    name: str
    phone: str = ""
    id_number: str = ""
    kind: str = "registered"
    is_party_member: bool = False


class UnmaskIn(Schema):
    fields: list[str]
    reason: str


@router.get("/residents", response=list[ResidentOut], url_name="residents")
@paginate(LimitOffsetPagination)
def list_residents(
    request,
    community: int | None = None,
    grid: int | None = None,
    phone: str | None = None,
    id_number: str | None = None,
    kind: str | None = None,
):
    return queries.residents_for(
        request.user,
        community_id=community,
        grid_id=grid,
        phone=phone,
        id_number=id_number,
        kind=kind,
    )


@router.post("/residents", response={201: ResidentOut}, url_name="residents_create")
def create_resident(request, payload: ResidentIn):
    return Status(201, actions.do_create_resident(request.user, **payload.dict()))


@router.get("/residents/{resident_id}", response=ResidentOut, url_name="resident")
def get_resident(request, resident_id: int):
    return queries.resident_for(request.user, resident_id)


@router.post("/residents/{resident_id}/unmask", response=dict[str, str], url_name="resident_unmask")
def unmask_resident(request, resident_id: int, payload: UnmaskIn):
    return actions.do_unmask_resident(
        request.user,
        resident_id,
        payload.fields,
        payload.reason,
        ip=request.META.get("REMOTE_ADDR"),
        channel="api",
    )


class AccessLogOut(Schema):
    id: int
    actor_id: int
    resident_id: int
    community_id: int
    fields: str
    reason: str
    channel: str
    created_at: str

    @staticmethod
    def resolve_created_at(obj):
        return obj.created_at.isoformat()


@router.get("/audit/access-log", response=list[AccessLogOut], url_name="access_log")
@paginate(LimitOffsetPagination)
def access_log(request):
    return queries.access_log_for(request.user)
