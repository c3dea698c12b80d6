import pytest
from django.core.exceptions import ValidationError

from gongzhi.core.identity import (
    id_check_digit,
    mask_id_number,
    mask_name,
    mask_phone,
    scrub_text,
    validate_id_number,
    validate_phone,
)


def test_check_digit_follows_gb11643():
    # Worked example from GB 11643-1999 Annex: 11010519491231002X.
    assert id_check_digit("11010519491231002") == "X"
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "value, code",
    [
        ("110105194912310021", "id_checksum"),
        ("11010519491231002", "id_format"),
        ("1101051949123100XX", "id_format"),
        ("110105194902300027", "id_birth"),
        ("abc", "id_format"),
    ],
)
def test_bad_id_numbers_are_rejected_with_a_reason(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.code == code


def test_phone_validation_normalises_and_rejects():
    assert validate_phone("+86 138-1234-5678") == "13812345678"
    for bad in ("12812345678", "1381234567", "138123456789", "phone"):
        with pytest.raises(ValidationError):
            validate_phone(bad)


def test_masks_keep_only_the_allowed_parts():
    assert mask_id_number("32011319800101123X") == "3201**********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("李四") == "李*"
    assert mask_name("") == ""


def test_scrub_text_masks_numbers_inside_free_text():
    text = "居民 13812345678 身份证 32011319800101123X 订单号 1234567890123456789012"
    out = scrub_text(text)
    assert "13812345678" not in out and "138****5678" in out
    assert "32011319800101123X" not in out and "3201**********123X" in out
    assert "1234567890123456789012" in out  # long digit runs are not phone numbers
