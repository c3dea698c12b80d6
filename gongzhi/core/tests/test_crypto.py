import base64
import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from gongzhi.core import crypto
from gongzhi.people.models import Resident
from gongzhi.people.queries import residents_for


def test_round_trip_and_column_binding():
    token = crypto.encrypt("13812345678", "people.resident.phone")
    assert "13812345678" not in token
    assert crypto.decrypt(token, "people.resident.phone") == "13812345678"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, "people.resident.id_number")


def test_tampered_ciphertext_is_rejected():
    token = crypto.encrypt("secret", "x")
    prefix, kid, b64 = token.split("$")
    raw = bytearray(base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)))
    raw[-1] ^= 1
    bad = f"{prefix}${kid}${base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bad, "x")


def test_same_plaintext_encrypts_differently_but_indexes_equal():
    assert crypto.encrypt("a", "x") != crypto.encrypt("a", "x")
    assert crypto.blind_index("a", "phone") == crypto.blind_index("a", "phone")
    assert crypto.blind_index("a", "phone") != crypto.blind_index("a", "id_number")


def test_database_holds_no_clear_personal_data(district):
    with connection.cursor() as cur:
        cur.execute("SELECT name, phone, id_number, phone_bidx FROM people_resident")
        rows = cur.fetchall()
    flat = " ".join(str(v) for row in rows for v in row)
    for clear in ("张三丰", "13812345678", "320113198001011237", "王五"):
        assert clear not in flat
    assert Resident.objects.get(pk=district.resident_a.pk).phone == "13812345678"


def test_key_rotation_reencrypts_and_keeps_lookup(district):
    old_ring = crypto.keyring()
    new_kid, new_key = crypto.new_key_entry()
    new_ring = crypto.Keyring(((new_kid, new_key), *old_ring.keys))
    call_command("rotate_data_key", new_ring=new_ring.serialise().replace("\n", ","))
    with override_settings(DATA_KEY=new_ring.serialise().replace("\n", ",")):
        crypto.reset_keyring_cache()
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT phone FROM people_resident")
                kids = {crypto.key_id_of(row[0]) for row in cur.fetchall()}
            assert kids == {new_kid}
            ada = district.users["ada"]
            found = list(residents_for(ada, phone="13812345678"))
            assert [r.pk for r in found] == [district.resident_a.pk]
            assert found[0].name == "张三丰"
        finally:
            crypto.reset_keyring_cache()


def test_logs_never_carry_clear_numbers(caplog):
    from gongzhi.core.logging import MaskPIIFilter

    logger = logging.getLogger("gongzhi.test")
    logger.addFilter(MaskPIIFilter())
    with caplog.at_level(logging.INFO, logger="gongzhi.test"):
        logger.info("resident %s called from %s", "320113198001011237", "13812345678")
    assert "320113198001011237" not in caplog.text and "13812345678" not in caplog.text
    assert "3201**********1237" in caplog.text
