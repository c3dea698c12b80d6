"""Scoped reads of groups, members and household coverage."""

from __future__ import annotations

from django.db.models import Count

from gongzhi.core import scoping
from gongzhi.org.models import Household, OrgUnit

from .models import CommunityGroup, Invitation, Membership


def groups_for(user, *, community_id=None, kind=None, include_archived=False):
    qs = CommunityGroup.objects.restrict(user).annotate(member_count=Count("memberships"))
    if community_id:
        qs = qs.filter(community_id=community_id)
    if kind:
        qs = qs.filter(kind=kind)
    if not include_archived:
        qs = qs.filter(archived=False)
    return qs.select_related("community", "grid").order_by("community_id", "id")


def group_for(user, pk: int) -> CommunityGroup:
    return scoping.access(CommunityGroup.objects.select_related("community", "grid"), user, pk)


def members_of(user, group: CommunityGroup):
    """Members of a group the user can see (staff in scope, or a fellow member)."""
    return (
        Membership.objects.filter(group=group)
        .select_related("resident")
        .order_by("-role", "joined_at", "id")
    )


def invitations_for(user, group: CommunityGroup):
    return Invitation.objects.restrict(user, scoping.MANAGE_GROUPS).filter(group=group)


def coverage(user, community_ids=None) -> list[dict]:
    """Per community: households, households with ≥1 member in any of its groups, members,
    real-name verified members, groups. Only communities in the user's scope."""
    communities = OrgUnit.objects.restrict(user).filter(kind="community")
    if community_ids:
        communities = communities.filter(pk__in=community_ids)
    communities = list(communities.order_by("path"))
    ids = [c.pk for c in communities]
    households = dict(
        Household.objects.filter(community_id__in=ids)
        .values("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    members = Membership.objects.filter(community_id__in=ids).values("community_id")
    covered = dict(
        members.annotate(n=Count("resident__household_id", distinct=True)).values_list(
            "community_id", "n"
        )
    )
    people = dict(
        members.annotate(n=Count("resident_id", distinct=True)).values_list("community_id", "n")
    )
    verified = dict(
        members.filter(resident__real_name_verified=True)
        .annotate(n=Count("resident_id", distinct=True))
        .values_list("community_id", "n")
    )
    groups = dict(
        CommunityGroup.objects.filter(community_id__in=ids, archived=False)
        .values("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    out = []
    for c in communities:
        h = households.get(c.pk, 0)
        m = people.get(c.pk, 0)
        out.append(
            {
                "community_id": c.pk,
                "community": c.name,
                "community_type": c.community_type,
                "households": h,
                "covered_households": covered.get(c.pk, 0),
                "coverage": round(covered.get(c.pk, 0) / h, 4) if h else 0.0,
                "members": m,
                "real_name_members": verified.get(c.pk, 0),
                "real_name_ratio": round(verified.get(c.pk, 0) / m, 4) if m else 0.0,
                "groups": groups.get(c.pk, 0),
            }
        )
    return out


def my_groups(user):
    return (
        CommunityGroup.objects.filter(memberships__resident__user_id=user.pk, archived=False)
        .annotate(member_count=Count("memberships"))
        .select_related("community")
    )
