"""Encryption at rest for confidential free text: AES-256-GCM over a versioned key ring.

A stored value reads `k<version>:<base64(nonce || ciphertext+tag)>`. The associated data binds
the ciphertext to its table, its row's stable uuid and its field, so a value copied to another row
or column fails to decrypt. Keys come from settings.CONFIDENTIAL_KEYS ("1:<b64>,2:<b64>"); the
highest version encrypts, every listed version decrypts. They are never derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from core import errors

NONCE_BYTES = 12
_STORED = re.compile(r"^k(\d+):([A-Za-z0-9+/=]+)$")


class ConfidentialDataError(RuntimeError):
    """Stored confidential data could not be decrypted: tampered, moved, or its key is gone.

    Deliberately not an ApplicationError: it must surface as a server error and be looked at,
    never be mapped to a polite client answer or be swallowed."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[int, bytes]

    @property
    def current_version(self) -> int:
        return max(self.keys)

    def prefix(self) -> str:
        return f"k{self.current_version}:"


_cache: dict[str, KeyRing] = {}


def parse_key_ring(spec: str) -> KeyRing:
    """Parse "version:base64key,..."; every key must be 32 bytes and every version unique."""
    keys: dict[int, bytes] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        version_text, sep, encoded = item.partition(":")
        if not sep or not version_text.strip().isdigit():
            raise errors.ConfigurationError("CONFIDENTIAL_KEYS entries must read 'version:base64key'.")
        version = int(version_text)
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise errors.ConfigurationError(f"CONFIDENTIAL_KEYS version {version} is not valid base64.") from None
        if len(key) != 32:
            raise errors.ConfigurationError(f"CONFIDENTIAL_KEYS version {version} must be 32 bytes (AES-256).")
        if version in keys:
            raise errors.ConfigurationError(f"CONFIDENTIAL_KEYS lists version {version} twice.")
        keys[version] = key
    if not keys:
        raise errors.ConfigurationError("CONFIDENTIAL_KEYS is empty: confidential answers cannot be stored or read.")
    return KeyRing(keys=keys)


def key_ring() -> KeyRing:
    spec = settings.CONFIDENTIAL_KEYS
    ring = _cache.get(spec)
    if ring is None:
        ring = parse_key_ring(spec)
        _cache.clear()
        _cache[spec] = ring
    return ring


def _associated_data(*, table: str, row: str, field: str) -> bytes:
    return f"offboarding.feedback|{table}|{row}|{field}".encode()


def encrypt(plaintext: str, *, table: str, row: str, field: str) -> str:
    """Encrypt with the newest key; the empty string stays empty (nothing to hide)."""
    if plaintext == "":
        return ""
    ring = key_ring()
    version = ring.current_version
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[version]).encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(table=table, row=str(row), field=field)
    )
    return f"k{version}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(stored: str, *, table: str, row: str, field: str) -> str:
    """Decrypt a stored value; any failure raises ConfidentialDataError (never a fallback to the raw value)."""
    if stored == "":
        return ""
    version, blob = _split(stored, table=table, field=field)
    ring = key_ring()
    key = ring.keys.get(version)
    if key is None:
        raise ConfidentialDataError(
            f"{table}.{field}: encrypted with key version {version}, which CONFIDENTIAL_KEYS no longer lists."
        )
    try:
        plain = AESGCM(key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(table=table, row=str(row), field=field)
        )
    except InvalidTag:
        raise ConfidentialDataError(
            f"{table}.{field}: authentication failed (tampered, moved to another row or field, or wrong key)."
        ) from None
    return plain.decode("utf-8")


def _split(stored: str, *, table: str, field: str) -> tuple[int, bytes]:
    match = _STORED.match(stored)
    if not match:
        raise ConfidentialDataError(f"{table}.{field}: the stored value is not in the encrypted format.")
    try:
        blob = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise ConfidentialDataError(f"{table}.{field}: the stored value is not valid base64.") from None
    if len(blob) <= NONCE_BYTES + 16:
        raise ConfidentialDataError(f"{table}.{field}: the stored value is truncated.")
    return int(match.group(1)), blob


# --- sealing: a model field's ciphertext bound to its table, its row's uuid and the field name


def seal(instance, field: str, plaintext: str) -> str:
    """The value to store in `instance.<field>` for `plaintext`."""
    return encrypt(plaintext, table=instance._meta.db_table, row=str(instance.uuid), field=field)


def unseal(instance, field: str) -> str:
    """The plaintext of `instance.<field>`; raises ConfidentialDataError when it does not decrypt."""
    return decrypt(getattr(instance, field), table=instance._meta.db_table, row=str(instance.uuid), field=field)
