"""Validation and masking of real-name data: 居民身份证号 (GB 11643-1999), mobile numbers, names."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_id_number(value: str) -> str:
    """Return the normalised ID number or raise ValidationError with a clear message."""
    v = normalise_id_number(value)
    if not _ID_RE.match(v):
        raise ValidationError(
            _("ID number must be 18 characters: 17 digits and a digit or X."), code="id_format"
        )
    try:
        born = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError as exc:
        raise ValidationError(
            _("ID number contains an invalid birth date."), code="id_birth"
        ) from exc
    if born.year < 1900 or born > dt.date.today():
        raise ValidationError(_("ID number contains an invalid birth date."), code="id_birth")
    if id_check_digit(v[:17]) != v[17]:
        raise ValidationError(
            _("ID number check digit is wrong (GB 11643); please check the number."),
            code="id_checksum",
        )
    return v


def id_birth_date(v: str) -> dt.date:
    return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def id_gender(v: str) -> str:
    return "M" if int(v[16]) % 2 else "F"


def normalise_phone(value: str) -> str:
    v = re.sub(r"[\s-]", "", value or "")
    if v.startswith("+86"):
        v = v[3:]
    return v


def validate_phone(value: str) -> str:
    v = normalise_phone(value)
    if not _PHONE_RE.match(v):
        raise ValidationError(
            _("Mobile number must be 11 digits starting with 13-19."), code="phone_format"
        )
    return v


def mask_id_number(v: str | None) -> str:
    if not v:
        return ""
    return v[:4] + "*" * (len(v) - 8) + v[-4:] if len(v) > 8 else "*" * len(v)


def mask_phone(v: str | None) -> str:
    if not v:
        return ""
    return v[:3] + "****" + v[-4:] if len(v) >= 11 else "*" * len(v)


def mask_name(v: str | None) -> str:
    if not v:
        return ""
    if len(v) == 1:
        return "*"
    if len(v) == 2:
        return v[0] + "*"
    return v[0] + "*" * (len(v) - 2) + v[-1]


# Patterns used to scrub log lines and free text: an 18-character ID number or an 11-digit
# mobile number not embedded in a longer run of digits.
ID_IN_TEXT = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")
PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def scrub_text(text: str) -> str:
    text = ID_IN_TEXT.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(3)[-4:], text)
    return PHONE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(3), text)
