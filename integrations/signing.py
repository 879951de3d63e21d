"""The signature scheme shared by inbound HRIS events, outbound webhooks and IT receipts.

`X-Offboarding-Timestamp` carries Unix seconds; `X-Offboarding-Signature` carries
`sha256=<hex>`, the HMAC-SHA256 with the shared secret of `<timestamp>.` followed by the raw body.
Binding the timestamp into the MAC lets a receiver reject replays older than the tolerance.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Offboarding-Timestamp"
SIGNATURE_HEADER = "X-Offboarding-Signature"
# Requests older (or further in the future, for skewed clocks) than this are refused.
TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The request is not signed, signed wrongly, or outside the time window."""


def signature_compute(*, secret: str, timestamp: str | int, body: bytes) -> str:
    """The header value `sha256=<hex>` for this timestamp and raw body."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_headers(*, secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """Both headers for a request signed now."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature_compute(secret=secret, timestamp=timestamp, body=body),
    }


def signature_verify(
    *, secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float | None = None
) -> None:
    """Raise SignatureError unless the signature matches and the timestamp is within the tolerance."""
    if not secret:
        raise SignatureError("No shared secret is configured.")
    if not timestamp or not signature:
        raise SignatureError("The request is not signed.")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("The timestamp is not Unix seconds.") from None
    current = time.time() if now is None else now
    if abs(current - sent_at) > TOLERANCE_SECONDS:
        raise SignatureError("The timestamp is outside the accepted window.")
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    # Constant time, so the comparison leaks nothing about how many leading characters matched.
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("The signature does not match.")
