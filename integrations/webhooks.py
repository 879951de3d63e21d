"""Signed outbound webhooks for IT systems: "revoke this person's access now", "departure completed".

An OutboundRequest is what an outbox renderer returns for the webhook channel. It is signed at
send time (so a retry carries a fresh timestamp) with settings.OUTBOUND_WEBHOOK_SECRET, in the
same scheme as inbound HRIS events (integrations.signing). Endpoints are
settings.OUTBOUND_WEBHOOK_URLS: a deploy-time list, since adding an endpoint that receives work
emails and leaving dates is an operations decision, not an HR setting.

Body: {"id", "type", "occurred_at", "departure": {"id", "employee_external_id", "work_email",
"last_working_day", "access_ends_at"}}: never reasons or anything from the exit interview.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from django.conf import settings

from core.delivery import DeliveryError
from integrations import http, signing

ACCESS_REVOKE = "access.revoke"
DEPARTURE_COMPLETED = "departure.completed"
# What the IT system posts back once access is gone (POST /api/v1/integrations/webhooks/receipts/).
ACCESS_REVOKED_RECEIPT = "access.revoked"
RECEIPT_SOURCE = "it-receipt"


@dataclasses.dataclass
class OutboundRequest:
    """One signed JSON POST to one endpoint."""

    url: str
    payload: dict
    event_id: str

    def body(self) -> bytes:
        return json.dumps(self.payload, sort_keys=True, separators=(",", ":")).encode()

    def send(self) -> int:
        secret = settings.OUTBOUND_WEBHOOK_SECRET
        if not secret:
            raise DeliveryError("OUTBOUND_WEBHOOK_SECRET is not set; refusing to send unsigned.", retryable=True)
        body = self.body()
        headers = {
            "Content-Type": "application/json",
            "X-Offboarding-Event-Id": self.event_id,
            **signing.signature_headers(secret=secret, body=body),
        }
        return http.post(url=self.url, body=body, headers=headers)


def webhook_urls() -> list[str]:
    return [url for url in settings.OUTBOUND_WEBHOOK_URLS if url]


def url_digest(url: str) -> str:
    """A short stable name for an endpoint, used in idempotency keys (the URL may hold a token)."""
    return hashlib.sha256(url.encode()).hexdigest()[:12]
