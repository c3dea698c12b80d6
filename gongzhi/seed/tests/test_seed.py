import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from gongzhi.core.identity import validate_id_number, validate_phone
from gongzhi.groups.models import MAX_GROUP_MEMBERS, CommunityGroup
from gongzhi.people.models import Resident
from gongzhi.seed.builder import DEMO_LOGINS, DEMO_PASSWORD, _apportion


def stats() -> dict:
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def small(db):
    call_command("seed", "--scale", "small", "--no-progress", stdout=io.StringIO())


def test_small_seed_counts_and_idempotence(small):
    s = stats()
    assert (s["streets"], s["communities"], s["urban"], s["village"]) == (2, 4, 3, 1)
    assert s["groups"] == 16 and s["group_members"] == 400 and s["households"] == 480
    assert s["residents"] > s["households"]
    out = io.StringIO()
    call_command("seed", "--scale", "small", stdout=out)
    assert "already seeded" in out.getvalue()
    assert stats() == s


def test_seeded_people_are_valid_and_groups_within_limits(small):
    for r in Resident.objects.all()[:300]:
        validate_id_number(r.id_number)
        if r.phone:
            validate_phone(r.phone)
        assert 2 <= len(r.name) <= 3
    for g in CommunityGroup.objects.all():
        assert g.memberships.count() <= MAX_GROUP_MEMBERS
        assert g.memberships.filter(role="owner").count() == 1


@pytest.mark.parametrize("username, role, label", DEMO_LOGINS)
def test_every_demo_login_reaches_its_home_page(small, username, role, label):
    c = Client()
    resp = c.post(
        "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True
    )
    assert resp.status_code == 200
    final = resp.redirect_chain[-1][0]
    expected = "/me/" if role == "resident" else "/console/"
    assert final == expected
    if role == "resident":
        assert "我的群" in resp.content.decode() or "My groups" in resp.content.decode()


def test_apportion_is_exact_and_respects_minimums():
    out = _apportion(1160, [3.0, 1.0, 0.5, 2.2], [5, 5, 5, 5])
    assert sum(out) == 1160 and min(out) >= 5
    assert out[0] > out[3] > out[1] > out[2]


def test_database_file_has_no_clear_numbers(tmp_path):
    """Seed a real SQLite file in a subprocess and grep its bytes for every ID and mobile."""
    if connection.vendor != "sqlite":
        pytest.skip("file scan is for the embedded database; the SQL check covers PostgreSQL")
    env = {**os.environ, "GONGZHI_DATA_DIR": str(tmp_path)}
    env.pop("GONGZHI_DATABASE_URL", None)
    gz = [sys.executable, "-m", "gongzhi.cli"]
    subprocess.run([*gz, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [*gz, "seed", "--scale", "small", "--no-progress"], env=env, check=True, capture_output=True
    )
    dump = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import django,os,json;os.environ['DJANGO_SETTINGS_MODULE']='gongzhi.settings';"
                "django.setup();from gongzhi.people.models import Resident as R;"
                "print(json.dumps([[r.id_number,r.phone,r.name] for r in R.objects.all()]))"
            ),
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    people = json.loads(dump.stdout)
    assert len(people) > 1000
    blob = b"".join(p.read_bytes() for p in Path(tmp_path).glob("gongzhi.sqlite3*"))
    for idn, phone, name in people:
        assert idn.encode() not in blob
        if phone:
            assert phone.encode() not in blob
        if len(name) == 3:  # two-character names may occur inside place names by chance
            assert name.encode() not in blob
