"""State changes on groups: create, archive, invite, join, roles, removal."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError
from gongzhi.core.models import record_event
from gongzhi.org.models import OrgUnit
from gongzhi.people.models import Resident

from .models import MAX_GROUP_MEMBERS, CommunityGroup, Invitation, Membership


def do_create_group(
    actor, *, community_id: int, name: str, kind: str, grid_id: int | None = None, tags: str = ""
) -> CommunityGroup:
    community = scoping.access(
        OrgUnit.objects.filter(kind="community"), actor, community_id, scoping.MANAGE_GROUPS
    )
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ActionError(_("Group name is required (at most 80 characters)."), field="name")
    if kind not in CommunityGroup.Kind.values:
        raise ActionError(_("Unknown group type."), field="kind")
    grid = None
    if grid_id:
        grid = OrgUnit.objects.filter(pk=grid_id, parent=community, kind="grid").first()
        if grid is None:
            raise ActionError(_("The grid does not belong to this community."), field="grid")
    with transaction.atomic():
        g = CommunityGroup.objects.create(
            community=community, grid=grid, name=name, kind=kind, tags=tags[:200], created_by=actor
        )
        owner = Resident.objects.filter(user_id=actor.pk).first()
        if owner is not None:
            Membership.objects.create(
                group=g, resident=owner, community=community, role=Membership.Role.OWNER
            )
        record_event(actor, "group.create", g, community_id=community.pk, name=name, kind=kind)
    return g


def do_archive_group(actor, group_id: int) -> CommunityGroup:
    g = scoping.access(CommunityGroup, actor, group_id, scoping.MANAGE_GROUPS)
    if g.archived:
        raise ActionError(_("The group is already archived."), code="state")
    with transaction.atomic():
        g.archived = True
        g.save(update_fields=["archived"])
        record_event(actor, "group.archive", g, community_id=g.community_id)
    return g


def do_create_invitation(actor, group_id: int, *, days: int = 7, max_uses: int = 100) -> Invitation:
    g = scoping.access(CommunityGroup, actor, group_id, scoping.MANAGE_GROUPS)
    if g.archived:
        raise ActionError(_("Archived groups take no new members."), code="state")
    if not 1 <= days <= 90:
        raise ActionError(_("An invitation is valid for 1 to 90 days."), field="days")
    if not 1 <= max_uses <= MAX_GROUP_MEMBERS:
        raise ActionError(_("Max uses must be between 1 and 500."), field="max_uses")
    with transaction.atomic():
        inv = Invitation.objects.create(
            group=g,
            community_id=g.community_id,
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=days),
            max_uses=max_uses,
        )
        record_event(actor, "group.invite", g, community_id=g.community_id, invitation=inv.pk)
    return inv


def do_join_by_invitation(user, code: str) -> Membership:
    """A resident joins a group with an invitation code. The resident must be registered
    (real name on file) and, for community groups, live in the group's community."""
    resident = Resident.objects.filter(user_id=user.pk).first()
    if resident is None:
        raise ActionError(_("Only registered residents can join groups."), code="not_resident")
    with transaction.atomic():
        inv = (
            Invitation.objects.select_for_update()
            .select_related("group")
            .filter(code=(code or "").strip())
            .first()
        )
        if inv is None or not inv.is_usable():
            raise ActionError(_("This invitation is invalid or has expired."), code="invitation")
        g = inv.group
        if g.archived:
            raise ActionError(_("This group is archived."), code="state")
        if resident.community_id != g.community_id:
            raise ActionError(
                _("This group is for residents of another community."), code="residence"
            )
        if not resident.real_name_verified:
            raise ActionError(_("Please complete real-name verification first."), code="real_name")
        if Membership.objects.filter(group=g).count() >= MAX_GROUP_MEMBERS:
            raise ActionError(_("The group is full."), code="full")
        try:
            with transaction.atomic():
                m = Membership.objects.create(
                    group=g,
                    resident=resident,
                    community_id=g.community_id,
                    invited_by=inv.created_by,
                )
        except IntegrityError as exc:
            raise ActionError(_("You are already a member of this group."), code="member") from exc
        inv.uses += 1
        inv.save(update_fields=["uses"])
        record_event(user, "group.join", g, community_id=g.community_id, invitation=inv.pk)
    return m


def do_set_member_role(actor, membership_id: int, role: str) -> Membership:
    m = scoping.access(Membership, actor, membership_id, scoping.MANAGE_GROUPS)
    if role not in Membership.Role.values:
        raise ActionError(_("Unknown member role."), field="role")
    with transaction.atomic():
        if role == Membership.Role.OWNER:
            Membership.objects.filter(group_id=m.group_id, role=Membership.Role.OWNER).update(
                role=Membership.Role.ADMIN
            )
        m.role = role
        m.save(update_fields=["role"])
        record_event(
            actor,
            "group.set_role",
            m.group,
            community_id=m.community_id,
            membership=m.pk,
            role=role,
        )
    return m


def do_remove_member(actor, membership_id: int) -> None:
    m = scoping.access(Membership, actor, membership_id, scoping.MANAGE_GROUPS)
    if m.role == Membership.Role.OWNER:
        raise ActionError(_("Transfer ownership before removing the group owner."), code="owner")
    with transaction.atomic():
        group = m.group
        m.delete()
        record_event(
            actor,
            "group.remove_member",
            group,
            community_id=group.community_id,
            membership=membership_id,
        )


def do_mute(actor, membership_id: int, minutes: int) -> Membership:
    """Mute a member for ``minutes`` (0 lifts it); owners cannot be muted."""
    m = scoping.access(Membership, actor, membership_id, scoping.MANAGE_GROUPS)
    if not 0 <= minutes <= 60 * 24 * 30:
        raise ActionError(_("Mute for 0 to 43,200 minutes (30 days)."), field="minutes")
    if m.role == Membership.Role.OWNER:
        raise ActionError(_("The group owner cannot be muted."), code="owner")
    with transaction.atomic():
        m.muted_until = timezone.now() + dt.timedelta(minutes=minutes) if minutes else None
        m.save(update_fields=["muted_until"])
        record_event(
            actor,
            "group.mute",
            m.group,
            community_id=m.community_id,
            membership=m.pk,
            minutes=minutes,
        )
    return m
