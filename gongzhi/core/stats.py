"""Counts for `gongzhi stats --json`. Each app may add keys with a ``stats()`` function in its
own ``stats`` module; this module provides the foundation's."""

from django.db.models import Count, Q

from gongzhi.org.models import Household, OrgUnit


def stats() -> dict:
    by = {
        (r["kind"], r["community_type"]): r["n"]
        for r in OrgUnit.objects.values("kind", "community_type").annotate(n=Count("id"))
    }

    def kind(k):
        return sum(n for (kk, _), n in by.items() if kk == k)

    return {
        "streets": kind("street"),
        "communities": kind("community"),
        "urban": by.get(("community", "urban"), 0),
        "village": by.get(("community", "village"), 0),
        "grids": kind("grid"),
        "households": Household.objects.count(),
        **_people(),
    }


def _people() -> dict:
    from gongzhi.groups.models import CommunityGroup, Membership
    from gongzhi.people.models import Resident

    return {
        "residents": Resident.objects.filter(~Q(household=None)).count(),
        "groups": CommunityGroup.objects.filter(archived=False).count(),
        "group_members": Membership.objects.values("resident_id").distinct().count(),
    }
