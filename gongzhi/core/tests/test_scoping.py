import pytest

from gongzhi.core import scoping
from gongzhi.groups.models import CommunityGroup
from gongzhi.org.models import Household, Organisation, OrgUnit
from gongzhi.people.models import Resident


def ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_community_staff_sees_own_subtree_only(district):
    alice = district.users["alice"]
    assert ids(OrgUnit.objects.restrict(alice)) == {
        district.a.pk,
        district.grid_a.pk,
        district.grid_a2.pk,
    }
    assert ids(Resident.objects.restrict(alice)) == {
        district.resident_a.pk,
        district.resident_a2.pk,
    }
    assert ids(Household.objects.restrict(alice)) == {
        district.household_a.pk,
        district.household_a2.pk,
    }


def test_street_staff_covers_every_community_of_the_street(district):
    stella = district.users["stella"]
    assert district.resident_b.pk not in ids(Resident.objects.restrict(stella))
    assert district.resident_a.pk in ids(Resident.objects.restrict(stella))
    # street staff may view but not unmask
    assert ids(Resident.objects.restrict(stella, scoping.UNMASK)) == set()


def test_grid_worker_sees_only_the_grid(district):
    grace = district.users["grace"]
    assert ids(Resident.objects.restrict(grace)) == {
        district.resident_a.pk,
        district.resident_a2.pk,
    }
    assert ids(CommunityGroup.objects.restrict(grace)) == {district.group_a.pk}
    assert ids(OrgUnit.objects.restrict(grace)) == {district.grid_a.pk}


def test_several_grants_add_up(district):
    walt = district.users["walt"]
    got = ids(OrgUnit.objects.restrict(walt))
    assert got == {district.grid_a2.pk, district.b.pk, district.grid_b.pk}
    assert scoping.roles_of(walt) == {scoping.GRID_WORKER, scoping.COMMUNITY_STAFF}


def test_admin_sees_everything_and_outsider_nothing(district):
    assert scoping.unit_scope(district.users["ada"]) is None
    olga = district.users["olga"]
    assert not ids(Resident.objects.restrict(olga))
    assert not ids(OrgUnit.objects.restrict(olga))
    assert not ids(CommunityGroup.objects.restrict(olga))


def test_resident_sees_own_record_and_own_groups(district):
    rita = district.users["rita"]
    assert ids(Resident.objects.restrict(rita)) == {district.resident_a.pk}
    assert ids(CommunityGroup.objects.restrict(rita)) == {district.group_a.pk}
    assert ids(Resident.objects.restrict(rita, scoping.CHANGE)) == set()


def test_organisations_follow_the_communities_they_serve(district):
    alice = district.users["alice"]
    assert ids(Organisation.objects.restrict(alice)) == {district.property_a.pk}


def test_covers_agrees_with_restrict_for_every_user_and_group(district):
    groups = list(CommunityGroup.objects.all())
    for name, user in district.users.items():
        for cap in (scoping.MANAGE_GROUPS, scoping.CHANGE):
            allowed = ids(CommunityGroup.objects.restrict(user, cap))
            for g in groups:
                assert scoping.covers(user, g, cap) == (g.pk in allowed), (name, cap, g.name)


def test_covers_refuses_models_with_their_own_scope_rules(district):
    from gongzhi.workorders.models import WorkOrder

    with pytest.raises(TypeError):
        scoping.covers(district.users["alice"], WorkOrder(community=district.a), scoping.VIEW)
