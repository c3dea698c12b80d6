"""Authenticated field encryption (AES-256-GCM) and blind indexes.

Stored form of an encrypted value: ``g1$<kid>$<urlsafe-b64(nonce || ciphertext+tag)>``. The
associated data binds each ciphertext to its column, so a value copied into another column (or
another table) fails to decrypt instead of leaking. Blind indexes are HMAC-SHA256 of the
normalised value under a key derived (HKDF) from the primary data key, truncated to 128 bits:
enough for exact lookup by phone or ID number without storing either in clear.

Keyring configuration: ``GONGZHI_DATA_KEY="kid:base64key[,kid:base64key…]"`` (first = primary)
or, if unset, the key file ``<data dir>/data.key`` with one ``kid:base64key`` per line, created on
first use. Old keys stay in the ring so values written under them still decrypt until
``gongzhi rotate_data_key`` has re-encrypted everything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "g1"


class DecryptionError(Exception):
    """Raised when a stored value cannot be authenticated with any key in the ring."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]  # (kid, key); first is primary

    @property
    def primary(self) -> tuple[str, bytes]:
        return self.keys[0]

    def key(self, kid: str) -> bytes | None:
        for k, v in self.keys:
            if k == kid:
                return v
        return None

    @classmethod
    def parse(cls, text: str) -> Keyring:
        keys = []
        for part in text.replace("\n", ",").split(","):
            part = part.strip()
            if not part or part.startswith("#"):
                continue
            kid, sep, b64 = part.partition(":")
            if not sep:
                raise ImproperlyConfigured("Data key entries must look like kid:base64key")
            raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
            if len(raw) != 32:
                raise ImproperlyConfigured(f"Data key {kid!r} must be 32 bytes")
            keys.append((kid, raw))
        if not keys:
            raise ImproperlyConfigured("The data keyring is empty")
        return cls(tuple(keys))

    def serialise(self) -> str:
        return "\n".join(
            f"{kid}:{base64.urlsafe_b64encode(k).decode().rstrip('=')}" for kid, k in self.keys
        )


def new_key_entry() -> tuple[str, bytes]:
    return (secrets.token_hex(4), AESGCM.generate_key(bit_length=256))


def key_file_path() -> Path:
    return Path(settings.DATA_KEY_FILE)


def _load_keyring() -> Keyring:
    if settings.DATA_KEY:
        return Keyring.parse(settings.DATA_KEY)
    path = key_file_path()
    if not path.exists():
        ring = Keyring((new_key_entry(),))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(ring.serialise() + "\n")
    return Keyring.parse(path.read_text())


_state = threading.local()
_cache: dict[str, object] = {}


def keyring() -> Keyring:
    ring = _cache.get("ring")
    if ring is None:
        ring = _load_keyring()
        _cache["ring"] = ring
        _cache["aead"] = {kid: AESGCM(k) for kid, k in ring.keys}
        _cache["index_key"] = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"gongzhi blind index v1"
        ).derive(ring.primary[1])
    return ring  # type: ignore[return-value]


def reset_keyring_cache() -> None:
    """Forget the loaded keyring (after rotation, or when tests switch keys)."""
    _cache.clear()


def encrypt(plaintext: str, aad: str) -> str:
    ring = keyring()
    kid = ring.primary[0]
    nonce = os.urandom(12)
    ct = _cache["aead"][kid].encrypt(nonce, plaintext.encode(), aad.encode())  # type: ignore[index]
    return f"{PREFIX}${kid}${base64.urlsafe_b64encode(nonce + ct).decode().rstrip('=')}"


def decrypt(token: str, aad: str) -> str:
    keyring()
    try:
        prefix, kid, b64 = token.split("$", 2)
    except ValueError as exc:
        raise DecryptionError("not an encrypted value") from exc
    aead = _cache["aead"].get(kid) if prefix == PREFIX else None  # type: ignore[union-attr]
    if aead is None:
        raise DecryptionError(f"unknown key id {kid!r}")
    raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
    try:
        return aead.decrypt(raw[:12], raw[12:], aad.encode()).decode()
    except Exception as exc:  # InvalidTag
        raise DecryptionError("authentication failed") from exc


def key_id_of(token: str) -> str:
    return token.split("$", 2)[1]


def blind_index(value: str, purpose: str) -> str:
    """Deterministic keyed digest for exact-match lookup; ``purpose`` separates columns."""
    keyring()
    msg = f"{purpose}\x00{value}".encode()
    return hmac.new(_cache["index_key"], msg, hashlib.sha256).hexdigest()[:32]  # type: ignore[arg-type]
