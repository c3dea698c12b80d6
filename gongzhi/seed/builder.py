"""Builds the demo district: org tree, organisations, households, residents, staff, groups.

Deterministic for a given random seed. Rows are written with bulk inserts in batches so the
seed's full scale (126 communities, ~540,000 residents, 220,000 group members) fits in a few
minutes and well under 2 GiB; personal data is encrypted on the way in like any other write.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from gongzhi.core import scoping
from gongzhi.groups.models import MAX_GROUP_MEMBERS, CommunityGroup, Membership
from gongzhi.org.models import Building, Household, Organisation, OrgUnit
from gongzhi.people.actions import build_resident
from gongzhi.people.models import Resident, RoleGrant, User

from . import district as D
from .names import OTHER_REGIONS, QIXIA, PersonFactory

DEMO_PASSWORD = "gongzhi-demo"


@dataclass(frozen=True)
class Scale:
    name: str
    streets: list
    households: int  # total households in the district
    group_members: int  # distinct residents in at least one group
    groups: int
    grids: int


SCALES = {
    "small": Scale(
        "small", D.STREETS_SMALL, households=480, group_members=400, groups=16, grids=12
    ),
    "seed": Scale(
        "seed", D.STREETS_SEED, households=236_000, group_members=220_000, groups=1160, grids=1200
    ),
}

DEMO_LOGINS = [
    # (username, role, display name)
    ("resident", "resident", "居民 演示"),
    ("grid", scoping.GRID_WORKER, "网格员 演示"),
    ("worker", scoping.COMMUNITY_STAFF, "社区工作者 演示"),
    ("secretary", scoping.PARTY_SECRETARY, "社区书记 演示"),
    ("street", scoping.STREET_STAFF, "街道 演示"),
    ("dept", scoping.DEPARTMENT_STAFF, "区城管局 演示"),
    ("admin", scoping.DISTRICT_ADMIN, "区指挥中心 演示"),
    ("outsider", "resident", "外社区居民 演示"),
]


def _apportion(total: int, weights: list[float], minimum: list[int] | None = None) -> list[int]:
    """Integers proportional to ``weights`` summing exactly to ``total`` (largest remainder),
    each at least ``minimum[i]``."""
    minimum = minimum or [0] * len(weights)
    rest = total - sum(minimum)
    if rest < 0:
        raise ValueError("minimums exceed total")
    s = sum(weights)
    raw = [rest * w / s for w in weights]
    out = [m + int(r) for m, r in zip(minimum, raw, strict=True)]
    order = sorted(range(len(weights)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


class Builder:
    def __init__(self, scale: Scale, random_seed: int = 2016, progress: bool = True, out=None):
        self.scale = scale
        self.rng = random.Random(random_seed)
        self.people = PersonFactory(self.rng)
        self.progress = progress
        self.out = out
        self.today = timezone.localdate()
        self.password = make_password(DEMO_PASSWORD)

    def log(self, msg: str) -> None:
        if self.out is not None:
            self.out.write(msg + "\n")

    # --- org tree -----------------------------------------------------------------------
    def build_tree(self):
        name, code = D.DISTRICT
        self.district = OrgUnit.objects.create(kind="district", name=name, code=code)
        used = set()
        self.streets, self.communities = [], []
        for si, (sname, n_urban, n_village) in enumerate(self.scale.streets, start=1):
            street = OrgUnit.objects.create(
                kind="street", name=sname, code=f"{code}-{si:02d}", parent=self.district
            )
            self.streets.append(street)
            known = list(D.KNOWN.get(sname, []))
            for ci in range(n_urban + n_village):
                ctype = "urban" if ci < n_urban else "village"
                base = None
                while base is None or base in used:
                    if known:
                        base = known.pop(0)
                    else:
                        base = self.rng.choice(D.SYLLABLES) + self.rng.choice(D.SYLLABLES)
                used.add(base)
                suffix = D.URBAN_SUFFIX if ctype == "urban" else D.VILLAGE_SUFFIX
                if base.endswith("村") and ctype == "urban":
                    cname = base + "社区"
                else:
                    cname = base + suffix if not base.endswith(suffix) else base
                community = OrgUnit(
                    kind="community",
                    name=cname,
                    code=f"{street.code}-{ci + 1:03d}",
                    parent=street,
                    community_type=ctype,
                    office_address=f"{sname.removesuffix('街道')}{base}路{self.rng.randrange(1, 200)}号"
                    f"{cname}党群服务中心",
                    duty_phone=f"025-8{self.rng.randrange(0, 10**6):06d}"[:12],
                )
                # Qixia lies around 32.05–32.25 N, 118.80–119.10 E; streets west to east
                community.lat = 32.08 + self.rng.random() * 0.14
                community.lon = 118.80 + (si - 1 + self.rng.random()) * 0.3 / len(
                    self.scale.streets
                )
                community.save()
                self.communities.append(community)
        n = len(self.communities)
        # Community sizes vary (lognormal), villages smaller.
        self.size_weights = [
            self.rng.lognormvariate(0, 0.45) * (0.6 if c.community_type == "village" else 1.0)
            for c in self.communities
        ]
        self.households_per = _apportion(self.scale.households, self.size_weights, [20] * n)
        self.grids_per = _apportion(self.scale.grids, self.size_weights, [2] * n)
        self.grids = {}
        for c, g in zip(self.communities, self.grids_per, strict=True):
            units = []
            for gi in range(g):
                u = OrgUnit(
                    kind="grid",
                    name=f"第{gi + 1}网格",
                    code=f"{c.code}-G{gi + 1:02d}",
                    parent=c,
                    lat=c.lat + self.rng.uniform(-0.004, 0.004),
                    lon=c.lon + self.rng.uniform(-0.004, 0.004),
                )
                units.append(u)
            self.grids[c.pk] = units
        all_grids = [u for units in self.grids.values() for u in units]
        OrgUnit.objects.bulk_create(all_grids, batch_size=1000)
        # Paths need the ids; bulk_create returns them on SQLite and PostgreSQL.
        for u in all_grids:
            u.path = f"{u.parent.path}{u.pk}/"
        OrgUnit.objects.bulk_update(all_grids, ["path"], batch_size=1000)

    def build_organisations(self):
        orgs = []
        for name in D.DEPARTMENTS:
            orgs.append(Organisation(kind="department", name=name, home_unit=self.district))
        for name in D.UTILITIES:
            orgs.append(Organisation(kind="utility", name=name, home_unit=self.district))
        for name in D.SOCIAL_ORGS:
            orgs.append(Organisation(kind="social", name=name, home_unit=self.district))
        for i, name in enumerate(D.RESIDENT_UNITS):
            street = self.streets[i % len(self.streets)]
            orgs.append(Organisation(kind="resident_unit", name=name, home_unit=street))
        n_property = max(3, len(self.communities) // 4)
        for i in range(n_property):
            word = D.PROPERTY_WORDS[i % len(D.PROPERTY_WORDS)]
            suffix = "" if i < len(D.PROPERTY_WORDS) else f"{i // len(D.PROPERTY_WORDS) + 1}分公司"
            orgs.append(
                Organisation(
                    kind="property",
                    name=f"南京{word}服务有限公司{suffix}",
                    home_unit=self.streets[i % len(self.streets)],
                )
            )
        Organisation.objects.bulk_create(orgs)
        self.departments = [o for o in orgs if o.kind == "department"]
        through = Organisation.served_communities.through
        links = []
        props = [o for o in orgs if o.kind == "property"]
        for i, c in enumerate(self.communities):
            if c.community_type == "urban":
                links.append(through(organisation_id=props[i % len(props)].pk, orgunit_id=c.pk))
            for o in orgs:
                if o.kind in ("department", "utility", "social"):
                    links.append(through(organisation_id=o.pk, orgunit_id=c.pk))
                elif o.kind == "resident_unit" and o.home_unit_id == c.parent_id:
                    links.append(through(organisation_id=o.pk, orgunit_id=c.pk))
        through.objects.bulk_create(links, batch_size=5000)

    # --- households and residents ---------------------------------------------------------
    def _household_sizes(self, n: int) -> list[int]:
        return self.rng.choices([1, 2, 3, 4, 5], weights=[14, 30, 30, 18, 8], k=n)

    def build_people(self, community, bar) -> list[tuple[int, int, int]]:
        """Buildings, households and residents of one community. Returns, per household,
        (household_id, first adult resident id, grid id) for group assignment."""
        rng, people = self.rng, self.people
        grids = self.grids[community.pk]
        n_house = self.households_per[self.communities.index(community)]
        per_grid = _apportion(n_house, [rng.uniform(0.7, 1.3) for _ in grids], [1] * len(grids))
        village = community.community_type == "village"
        buildings, plan = [], []
        for grid, hh in zip(grids, per_grid, strict=True):
            per_building = 16 if village else rng.choice([18, 24, 32, 48, 64])
            nb = max(1, math.ceil(hh / per_building))
            for bi in range(nb):
                bname = f"{grid.name[1:-2]}组{bi + 1}" if village else f"{len(buildings) + 1}栋"
                b = Building(grid=grid, community=community, name=bname)
                buildings.append(b)
                take = min(per_building, hh - bi * per_building)
                plan.append((b, grid, take))
        Building.objects.bulk_create(buildings, batch_size=2000)
        households = []
        for b, grid, take in plan:
            for k in range(take):
                room = (
                    f"{k + 1}号" if village else f"{k // 8 + 1}单元{(k % 8) // 2 + 1}0{k % 2 + 1}"
                )
                households.append(Household(building=b, grid=grid, community=community, room=room))
        Household.objects.bulk_create(households, batch_size=5000)
        sizes = self._household_sizes(len(households))
        floating_share = 0.12 if village else rng.uniform(0.15, 0.45)
        verified_ratio = rng.uniform(0.62, 0.97)
        party_ratio = rng.uniform(0.04, 0.09)
        residents, heads = [], []
        for h, size in zip(households, sizes, strict=True):
            floating = rng.random() < floating_share
            student_house = floating and not village and rng.random() < 0.1
            for i in range(size):
                if i == 0:
                    born = people.birth_date(22, 88, self.today)
                elif i == 1:
                    born = people.birth_date(20, 85, self.today)
                else:
                    born = people.birth_date(1, 60, self.today)
                gender = "M" if rng.random() < 0.5 else "F"
                region = rng.choice(OTHER_REGIONS) if floating else QIXIA
                age = (self.today - born).days // 365
                kind = (
                    "student"
                    if student_house and 17 <= age <= 26
                    else ("floating" if floating else "registered")
                )
                residents.append(
                    build_resident(
                        household=h,
                        community=community,
                        grid=h.grid,
                        name=people.name(gender),
                        phone=people.mobile() if age >= 14 else "",
                        id_number=people.id_number(region, born, gender),
                        kind=kind,
                        is_party_member=age >= 20 and rng.random() < party_ratio,
                        real_name_verified=rng.random() < verified_ratio,
                    )
                )
            heads.append(len(residents) - size)
        Resident.objects.bulk_create(residents, batch_size=2000)
        bar.update(len(households))
        return [
            (h.pk, residents[i].pk, h.grid_id, residents[i].is_party_member)
            for h, i in zip(households, heads, strict=True)
        ]

    # --- groups --------------------------------------------------------------------------
    def build_groups(self, community, heads, quota_members: int, quota_groups: int, created_at):
        rng = self.rng
        grids = self.grids[community.pk]
        n_res_groups = quota_groups - 2
        chosen = rng.sample(heads, quota_members)
        by_grid: dict[int, list] = {}
        for h in chosen:
            by_grid.setdefault(h[2], []).append(h)
        # Resident / building groups: spread over grids by how many members each grid has.
        alloc = _apportion(
            n_res_groups, [len(by_grid.get(g.pk, [])) + 1 for g in grids], [0] * len(grids)
        )
        groups, members = [], []
        for grid, k in zip(grids, alloc, strict=True):
            pool = by_grid.get(grid.pk, [])
            if k == 0:
                continue
            gs = []
            for j in range(k):
                kind = "building" if (j > 0 and rng.random() < 0.5) else "residents"
                label = "楼栋群" if kind == "building" else "居民群"
                gs.append(
                    CommunityGroup(
                        community=community,
                        grid=grid,
                        kind=kind,
                        name=f"{community.name}{grid.name}{label}{j + 1}",
                        created_at=created_at,
                    )
                )
            groups.extend(gs)
            for i, h in enumerate(pool):
                members.append((gs[i % k], h))
        leftover = [h for g in grids if alloc[grids.index(g)] == 0 for h in by_grid.get(g.pk, [])]
        party = CommunityGroup(
            community=community, kind="party", name=f"{community.name}党员群", created_at=created_at
        )
        volunteer = CommunityGroup(
            community=community,
            kind="volunteer",
            name=f"{community.name}志愿者群",
            created_at=created_at,
        )
        groups += [party, volunteer]
        CommunityGroup.objects.bulk_create(groups)
        res_groups = [g for g in groups if g.kind in ("residents", "building")]
        for i, h in enumerate(leftover):
            members.append((res_groups[i % len(res_groups)], h))
        party_pool = [h for h in chosen if h[3]][: MAX_GROUP_MEMBERS - 1]
        vol_pool = rng.sample(chosen, min(len(chosen) // 12, MAX_GROUP_MEMBERS - 1))
        members += [(party, h) for h in party_pool] + [(volunteer, h) for h in vol_pool]
        span = max(1, (self.today - created_at.date()).days)
        rows = [
            Membership(
                group=g,
                resident_id=h[1],
                community=community,
                joined_at=created_at + dt.timedelta(days=rng.randrange(span)),
            )
            for g, h in members
        ]
        Membership.objects.bulk_create(rows, batch_size=5000)
        return groups, chosen

    # --- staff ---------------------------------------------------------------------------
    def _user(self, username, display):
        return User(username=username, display_name=display, password=self.password)

    def build_staff(self, community_members: dict[int, list]):
        users, grants = [], []

        def add(username, display, role, unit, organisation=None):
            u = self._user(username, display)
            users.append(u)
            grants.append((u, role, unit, organisation))
            return u

        add("admin", "区指挥中心 演示", scoping.DISTRICT_ADMIN, self.district)
        add("admin2", "区指挥中心值班员", scoping.DISTRICT_ADMIN, self.district)
        add("dept", "区城管局 演示", scoping.DEPARTMENT_STAFF, self.district, self.departments[0])
        for i, dept in enumerate(self.departments):
            add(
                f"dept{i + 1:02d}",
                f"{dept.name}工作人员",
                scoping.DEPARTMENT_STAFF,
                self.district,
                dept,
            )
        for si, s in enumerate(self.streets):
            add(
                "street" if si == 0 else f"street{si + 1:02d}",
                f"{s.name}工作人员",
                scoping.STREET_STAFF,
                s,
            )
        first = self.communities[0]
        owners = {}
        for ci, c in enumerate(self.communities):
            tag = c.code.replace("-", "")
            sec = add(
                "secretary" if ci == 0 else f"sec{tag}", f"{c.name}书记", scoping.PARTY_SECRETARY, c
            )
            w1 = add(
                "worker" if ci == 0 else f"cw{tag}a", f"{c.name}社工", scoping.COMMUNITY_STAFF, c
            )
            add(f"cw{tag}b", f"{c.name}社工", scoping.COMMUNITY_STAFF, c)
            owners[c.pk] = (sec, w1)
            for gi, g in enumerate(self.grids[c.pk]):
                add(
                    "grid" if (c is first and gi == 0) else f"gw{tag}{gi + 1:02d}",
                    f"{c.name}{g.name}网格员",
                    scoping.GRID_WORKER,
                    g,
                )
        User.objects.bulk_create(users, batch_size=2000)
        RoleGrant.objects.bulk_create(
            [RoleGrant(user=u, role=r, unit=unit, organisation=o) for u, r, unit, o in grants],
            batch_size=2000,
        )
        # Community staff live locally: link their accounts to residents of their community
        # who are group members, and make them owners/admins of the community's groups.
        owner_rows, linked = [], []
        for c in self.communities:
            sec, w1 = owners[c.pk]
            pool = community_members[c.pk]
            sec_res, w1_res = pool[0][1], pool[1][1]
            linked += [(sec, sec_res), (w1, w1_res)]
            owner_rows.append((c, sec_res, w1_res))
        for u, rid in linked:
            Resident.objects.filter(pk=rid).update(user=u, real_name_verified=True)
        for c, sec_res, w1_res in owner_rows:
            for g in CommunityGroup.objects.filter(community=c):
                for rid, role in ((sec_res, "owner"), (w1_res, "admin")):
                    updated = Membership.objects.filter(group=g, resident_id=rid).update(role=role)
                    if not updated:
                        Membership.objects.create(group=g, resident_id=rid, community=c, role=role)

    def build_demo_residents(self, community_members):
        """Resident logins: one in the first community, one 'outsider' in another street."""
        first, other = self.communities[0], self.communities[-1]
        for username, c in (("resident", first), ("outsider", other)):
            pool = community_members[c.pk]
            rid = pool[5 % len(pool)][1]
            u = self._user(username, "居民 演示" if username == "resident" else "外社区居民 演示")
            u.save()
            Resident.objects.filter(pk=rid).update(user=u, real_name_verified=True)

    # --- all -----------------------------------------------------------------------------
    def build(self, *, history: bool = True):
        """Build the district. ``history=False``: the foundation only (org tree, people,
        groups, staff), without the work-order and message history — for benchmarks that add
        their own at the size they measure."""
        t0 = time.monotonic()
        with transaction.atomic():
            self.build_tree()
            self.build_organisations()
        n = len(self.communities)
        member_quota = _apportion(self.scale.group_members, self.households_per, [5] * n)
        member_quota = [min(q, h) for q, h in zip(member_quota, self.households_per, strict=True)]
        if sum(member_quota) != self.scale.group_members:
            raise ValueError("not enough households for the group-member target")
        min_groups = [2 + max(1, math.ceil(q / (MAX_GROUP_MEMBERS - 20))) for q in member_quota]
        group_quota = _apportion(self.scale.groups, member_quota, min_groups)
        community_members: dict[int, list] = {}
        bar = tqdm(
            total=self.scale.households,
            desc="households",
            unit="hh",
            disable=not self.progress,
            mininterval=0.5,
        )
        start = dt.datetime(2016, 6, 1, tzinfo=dt.UTC)
        for c, q, gq in zip(self.communities, member_quota, group_quota, strict=True):
            with transaction.atomic():
                heads = self.build_people(c, bar)
                _groups, chosen = self.build_groups(c, heads, q, gq, start)
                community_members[c.pk] = chosen
        bar.close()
        with transaction.atomic():
            self.build_staff(community_members)
            self.build_demo_residents(community_members)
        self.log(f"foundation (org tree, people, groups, staff): {time.monotonic() - t0:.1f}s")
        if history:
            self.build_history(community_members)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
        return self

    def build_history(self, community_members: dict[int, list]) -> None:
        from gongzhi.workorders import seed as workorder_seed

        t1 = time.monotonic()
        workorder_seed.build(self, community_members)
        self.log(f"work orders: {time.monotonic() - t1:.1f}s")
        from gongzhi.chat import seed as chat_seed

        t1 = time.monotonic()
        chat_seed.build(self)
        self.log(f"group messages: {time.monotonic() - t1:.1f}s")


def district_exists() -> bool:
    return OrgUnit.objects.filter(kind="district").exists()
