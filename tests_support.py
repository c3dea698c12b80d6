"""A tiny two-street district with the test personas (see conftest.py)."""

from types import SimpleNamespace

from gongzhi.core import scoping
from gongzhi.groups.models import CommunityGroup, Membership
from gongzhi.org.models import Building, Household, Organisation, OrgUnit
from gongzhi.people.actions import build_resident
from gongzhi.people.models import Resident, RoleGrant, User

# Checksum-valid fictitious ID numbers (GB 11643) and mobiles used across tests.
ID_A1 = "320113198001011237"
ID_A2 = "320113198512120021"
ID_B1 = "320113199002020025"
PHONE_A1 = "13812345678"
PHONE_B1 = "13987654321"


def _id(first17: str) -> str:
    from gongzhi.core.identity import id_check_digit

    return first17 + id_check_digit(first17)


def build_district():
    d = OrgUnit.objects.create(kind="district", name="测试区", code="T")
    s1 = OrgUnit.objects.create(kind="street", name="一街道", code="T-1", parent=d)
    s2 = OrgUnit.objects.create(kind="street", name="二街道", code="T-2", parent=d)
    a = OrgUnit.objects.create(
        kind="community",
        name="甲社区",
        code="T-1-1",
        parent=s1,
        community_type="urban",
        office_address="甲路1号",
    )
    b = OrgUnit.objects.create(
        kind="community", name="乙村", code="T-2-1", parent=s2, community_type="village"
    )
    ga = OrgUnit.objects.create(kind="grid", name="第1网格", code="T-1-1-G1", parent=a)
    ga2 = OrgUnit.objects.create(kind="grid", name="第2网格", code="T-1-1-G2", parent=a)
    gb = OrgUnit.objects.create(kind="grid", name="第1网格", code="T-2-1-G1", parent=b)
    ba = Building.objects.create(grid=ga, community=a, name="1栋")
    bb = Building.objects.create(grid=gb, community=b, name="1组")
    ha = Household.objects.create(building=ba, grid=ga, community=a, room="101")
    ha2 = Household.objects.create(building=ba, grid=ga, community=a, room="102")
    hb = Household.objects.create(building=bb, grid=gb, community=b, room="1号")
    dept = Organisation.objects.create(kind="department", name="区城管局", home_unit=d)
    prop_a = Organisation.objects.create(kind="property", name="甲物业", home_unit=s1)
    prop_a.served_communities.add(a)
    prop_b = Organisation.objects.create(kind="property", name="乙物业", home_unit=s2)
    prop_b.served_communities.add(b)

    def resident(h, name, phone, idn, **kw):
        r = build_resident(
            household=h,
            community=h.community,
            grid=h.grid,
            name=name,
            phone=phone,
            id_number=idn,
            real_name_verified=True,
            **kw,
        )
        r.save()
        return r

    ra = resident(ha, "张三丰", PHONE_A1, ID_A1, is_party_member=True)
    ra2 = resident(ha2, "李四", "13700001111", ID_A2)
    rb = resident(hb, "王五", PHONE_B1, ID_B1)
    users = {}
    for name in (
        "alice",
        "bob",
        "grace",
        "sam",
        "stella",
        "dora",
        "ada",
        "rita",
        "rob",
        "olga",
        "walt",
    ):
        users[name] = User.objects.create_user(name, password="pw-" + name)
    grants = [
        ("alice", scoping.COMMUNITY_STAFF, a),
        ("bob", scoping.COMMUNITY_STAFF, b),
        ("grace", scoping.GRID_WORKER, ga),
        ("sam", scoping.PARTY_SECRETARY, a),
        ("stella", scoping.STREET_STAFF, s1),
        ("dora", scoping.DEPARTMENT_STAFF, d),
        ("ada", scoping.DISTRICT_ADMIN, d),
        # walt works in two places at once: grid 2 of A and community B.
        ("walt", scoping.GRID_WORKER, ga2),
        ("walt", scoping.COMMUNITY_STAFF, b),
    ]
    for uname, role, unit in grants:
        RoleGrant.objects.create(
            user=users[uname], role=role, unit=unit, organisation=dept if uname == "dora" else None
        )
    Resident.objects.filter(pk=ra.pk).update(user=users["rita"])
    Resident.objects.filter(pk=rb.pk).update(user=users["rob"])
    group_a = CommunityGroup.objects.create(
        community=a, grid=ga, kind="residents", name="甲社区居民群"
    )
    group_b = CommunityGroup.objects.create(
        community=b, grid=gb, kind="residents", name="乙村居民群"
    )
    m_a = Membership.objects.create(group=group_a, resident=ra, community=a, role="member")
    m_b = Membership.objects.create(group=group_b, resident=rb, community=b, role="member")
    Membership.objects.create(group=group_a, resident=ra2, community=a, role="admin")
    return SimpleNamespace(
        district=d,
        s1=s1,
        s2=s2,
        a=a,
        b=b,
        grid_a=ga,
        grid_a2=ga2,
        grid_b=gb,
        building_a=ba,
        building_b=bb,
        household_a=ha,
        household_a2=ha2,
        household_b=hb,
        dept=dept,
        property_a=prop_a,
        property_b=prop_b,
        resident_a=ra,
        resident_a2=ra2,
        resident_b=rb,
        group_a=group_a,
        group_b=group_b,
        membership_a=m_a,
        membership_b=m_b,
        users=users,
    )
