import datetime as dt
import json

import pytest
from django.utils import timezone

from gongzhi.core.errors import ActionError
from gongzhi.groups import actions
from gongzhi.groups.models import CommunityGroup, Invitation, Membership
from gongzhi.people.models import Resident


def post_json(c, url, data=None):
    return c.post(url, json.dumps(data or {}), content_type="application/json")


def test_staff_creates_group_and_invitation_and_resident_joins(district, client_for):
    alice = client_for("alice")
    resp = post_json(
        alice,
        "/api/v1/groups",
        {
            "community_id": district.a.pk,
            "name": "甲社区2栋群",
            "kind": "building",
            "grid_id": district.grid_a.pk,
        },
    )
    assert resp.status_code == 201
    gid = resp.json()["id"]
    inv = post_json(alice, f"/api/v1/groups/{gid}/invitations", {"days": 3, "max_uses": 1}).json()
    assert inv["uses"] == 0
    joined = post_json(client_for("rita"), "/api/v1/groups/join", {"code": inv["code"]})
    assert joined.status_code == 201 and joined.json()["group_id"] == gid
    assert Membership.objects.filter(group_id=gid, resident=district.resident_a).exists()
    assert Invitation.objects.get(code=inv["code"]).uses == 1
    # single-use invitation is now spent
    Resident.objects.filter(pk=district.resident_a2.pk).update(user=district.users["olga"])
    again = post_json(client_for("olga"), "/api/v1/groups/join", {"code": inv["code"]})
    assert again.status_code == 400 and again.json()["code"] == "invitation"


def _invite(d, group, **kw):
    defaults = {"expires_at": timezone.now() + dt.timedelta(days=1)}
    defaults.update(kw)
    return Invitation.objects.create(
        group=group, community=group.community, created_by=d.users["alice"], **defaults
    )


@pytest.mark.parametrize(
    "setup, code",
    [
        (
            lambda d: _invite(d, d.group_a, expires_at=timezone.now() - dt.timedelta(seconds=1)),
            "invitation",
        ),
        (lambda d: _invite(d, d.group_a, revoked=True), "invitation"),
        (lambda d: _invite(d, d.group_b), "residence"),
    ],
)
def test_join_is_refused_with_a_reason(district, setup, code):
    inv = setup(district)
    Membership.objects.filter(resident=district.resident_a).delete()
    before = Membership.objects.count()
    with pytest.raises(ActionError) as exc:
        actions.do_join_by_invitation(district.users["rita"], inv.code)
    assert exc.value.code == code
    assert Membership.objects.count() == before


def test_unverified_resident_cannot_join(district):
    inv = _invite(district, district.group_a)
    Membership.objects.filter(resident=district.resident_a).delete()
    Resident.objects.filter(pk=district.resident_a.pk).update(real_name_verified=False)
    with pytest.raises(ActionError) as exc:
        actions.do_join_by_invitation(district.users["rita"], inv.code)
    assert exc.value.code == "real_name"


def test_already_member_and_outsider_without_registration(district):
    inv = _invite(district, district.group_a)
    with pytest.raises(ActionError) as exc:
        actions.do_join_by_invitation(district.users["rita"], inv.code)
    assert exc.value.code == "member"
    with pytest.raises(ActionError) as exc:
        actions.do_join_by_invitation(district.users["olga"], inv.code)
    assert exc.value.code == "not_resident"
    assert Invitation.objects.get(pk=inv.pk).uses == 0


def test_roles_transfer_ownership_and_owner_cannot_be_removed(district, client_for):
    alice = client_for("alice")
    m = district.membership_a
    assert (
        post_json(alice, f"/api/v1/groups/memberships/{m.pk}/role", {"role": "owner"}).json()[
            "role"
        ]
        == "owner"
    )
    other = Membership.objects.get(group=district.group_a, resident=district.resident_a2)
    post_json(alice, f"/api/v1/groups/memberships/{other.pk}/role", {"role": "owner"})
    m.refresh_from_db()
    assert m.role == "admin"  # the previous owner steps down to admin
    resp = alice.delete(f"/api/v1/groups/memberships/{other.pk}")
    assert resp.status_code == 400 and resp.json()["code"] == "owner"
    assert alice.delete(f"/api/v1/groups/memberships/{m.pk}").status_code == 204
    assert not Membership.objects.filter(pk=m.pk).exists()


def test_members_are_masked_and_visible_to_fellow_members(district, client_for):
    items = client_for("rita").get(f"/api/v1/groups/{district.group_a.pk}/members").json()["items"]
    names = sorted(i["name"] for i in items)
    assert names == ["张*丰", "李*"]
    assert client_for("rob").get(f"/api/v1/groups/{district.group_a.pk}/members").status_code == 404


def test_archive_stops_invitations(district, client_for):
    alice = client_for("alice")
    assert post_json(alice, f"/api/v1/groups/{district.group_a.pk}/archive").json()["archived"]
    resp = post_json(alice, f"/api/v1/groups/{district.group_a.pk}/invitations", {})
    assert resp.status_code == 400
    assert post_json(alice, f"/api/v1/groups/{district.group_a.pk}/archive").status_code == 400


def test_bad_group_input_is_refused(district, client_for):
    alice = client_for("alice")
    before = CommunityGroup.objects.count()
    for body in (
        {"community_id": district.a.pk, "name": "", "kind": "residents"},
        {"community_id": district.a.pk, "name": "x", "kind": "party-ish"},
        {
            "community_id": district.a.pk,
            "name": "x",
            "kind": "residents",
            "grid_id": district.grid_b.pk,
        },
    ):
        assert post_json(alice, "/api/v1/groups", body).status_code == 400
    assert post_json(alice, "/api/v1/groups", {"community_id": district.a.pk}).status_code == 422
    assert CommunityGroup.objects.count() == before


def test_coverage_counts_households_members_and_real_names(district, client_for):
    rows = client_for("ada").get("/api/v1/groups/coverage").json()
    a = next(r for r in rows if r["community_id"] == district.a.pk)
    # A: 2 households, both have a group member; 2 members, both verified
    assert (a["households"], a["covered_households"], a["members"], a["real_name_members"]) == (
        2,
        2,
        2,
        2,
    )
    assert a["coverage"] == 1.0
    Resident.objects.filter(pk=district.resident_a2.pk).update(real_name_verified=False)
    a = next(
        r
        for r in client_for("ada").get("/api/v1/groups/coverage").json()
        if r["community_id"] == district.a.pk
    )
    assert a["real_name_ratio"] == 0.5


def test_join_page_for_residents(district, client_for):
    inv = _invite(district, district.group_a)
    Membership.objects.filter(resident=district.resident_a).delete()
    resp = client_for("rita").post(f"/join/{inv.code}/")
    assert resp.status_code == 302
    assert Membership.objects.filter(group=district.group_a, resident=district.resident_a).exists()
