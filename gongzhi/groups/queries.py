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


def coverage_counts(ids: list[int]) -> dict[int, dict]:
    """Per community id (no scoping: callers scope): households, households with a member in
    any of its groups, members, real-name verified members, open groups."""
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
    return {
        cid: {
            "households": households.get(cid, 0),
            "covered_households": covered.get(cid, 0),
            "members": people.get(cid, 0),
            "real_name_members": verified.get(cid, 0),
            "groups": groups.get(cid, 0),
        }
        for cid in ids
    }


def coverage(user, community_ids=None) -> list[dict]:
    """Per community: households, households with ≥1 member in any of its groups, members,
    real-name verified members, groups. Only communities in the user's scope."""
    communities = OrgUnit.objects.restrict(user).filter(kind="community")
    if community_ids:
        communities = communities.filter(pk__in=community_ids)
    communities = list(communities.order_by("path"))
    counts = coverage_counts([c.pk for c in communities])
    out = []
    for c in communities:
        n = counts[c.pk]
        h, m = n["households"], n["members"]
        out.append(
            {
                "community_id": c.pk,
                "community": c.name,
                "community_type": c.community_type,
                "households": h,
                "covered_households": n["covered_households"],
                "coverage": round(n["covered_households"] / h, 4) if h else 0.0,
                "members": m,
                "real_name_members": n["real_name_members"],
                "real_name_ratio": round(n["real_name_members"] / m, 4) if m else 0.0,
                "groups": n["groups"],
            }
        )
    return out


def my_groups(user):
    return (
        CommunityGroup.objects.filter(memberships__resident__user_id=user.pk, archived=False)
        .annotate(member_count=Count("memberships"))
        .select_related("community")
    )
