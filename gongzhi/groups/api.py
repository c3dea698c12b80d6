import datetime as dt

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status

from gongzhi.core.identity import mask_name

from . import actions, queries

router = Router(tags=["groups"])


class GroupOut(Schema):
    id: int
    community_id: int
    grid_id: int | None
    kind: str
    name: str
    tags: str
    archived: bool
    member_count: int = 0


class GroupIn(Schema):
    community_id: int
    name: str
    kind: str
    grid_id: int | None = None
    tags: str = ""


class MemberOut(Schema):
    id: int
    resident_id: int
    name: str
    role: str
    real_name_verified: bool
    joined_at: dt.datetime

    @staticmethod
    def resolve_name(obj):
        return mask_name(obj.resident.name)

    @staticmethod
    def resolve_real_name_verified(obj):
        return obj.resident.real_name_verified


class InvitationIn(Schema):
    days: int = 7
    max_uses: int = 100


class InvitationOut(Schema):
    id: int
    group_id: int
    code: str
    expires_at: dt.datetime
    max_uses: int
    uses: int


class JoinIn(Schema):
    code: str


class RoleIn(Schema):
    role: str


@router.get("", response=list[GroupOut], url_name="groups")
@paginate(LimitOffsetPagination)
def list_groups(
    request, community: int | None = None, kind: str | None = None, archived: bool = False
):
    return queries.groups_for(
        request.user, community_id=community, kind=kind, include_archived=archived
    )


@router.post("", response={201: GroupOut}, url_name="groups_create")
def create_group(request, payload: GroupIn):
    return Status(201, actions.do_create_group(request.user, **payload.dict()))


@router.get("/coverage", response=list[dict], url_name="groups_coverage")
def coverage(request, community: int | None = None):
    return queries.coverage(request.user, [community] if community else None)


@router.post("/join", response={201: dict}, url_name="groups_join")
def join(request, payload: JoinIn):
    m = actions.do_join_by_invitation(request.user, payload.code)
    return Status(201, {"group_id": m.group_id, "membership_id": m.pk})


@router.get("/{group_id}", response=GroupOut, url_name="group")
def get_group(request, group_id: int):
    return queries.group_for(request.user, group_id)


@router.post("/{group_id}/archive", response=GroupOut, url_name="group_archive")
def archive_group(request, group_id: int):
    return actions.do_archive_group(request.user, group_id)


@router.get("/{group_id}/members", response=list[MemberOut], url_name="group_members")
@paginate(LimitOffsetPagination)
def members(request, group_id: int):
    g = queries.group_for(request.user, group_id)
    return queries.members_of(request.user, g)


@router.post("/{group_id}/invitations", response={201: InvitationOut}, url_name="group_invite")
def invite(request, group_id: int, payload: InvitationIn):
    inv = actions.do_create_invitation(
        request.user, group_id, days=payload.days, max_uses=payload.max_uses
    )
    return Status(201, inv)


@router.post("/memberships/{membership_id}/role", response=dict, url_name="membership_role")
def set_role(request, membership_id: int, payload: RoleIn):
    m = actions.do_set_member_role(request.user, membership_id, payload.role)
    return {"id": m.pk, "role": m.role}


@router.delete("/memberships/{membership_id}", response={204: None}, url_name="membership_remove")
def remove_member(request, membership_id: int):
    actions.do_remove_member(request.user, membership_id)
    return Status(204, None)


class MuteIn(Schema):
    minutes: int


@router.post("/memberships/{membership_id}/mute", response=dict, url_name="membership_mute")
def mute(request, membership_id: int, payload: MuteIn):
    m = actions.do_mute(request.user, membership_id, payload.minutes)
    return {"id": m.pk, "muted_until": m.muted_until.isoformat() if m.muted_until else None}
