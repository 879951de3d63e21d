"""Logins: the client's real address (the connection's peer or, behind a configured proxy, the address
that proxy saw; a client can put anything in X-Forwarded-For, so it counts only from TRUSTED_PROXIES),
and the answer to a locked-out address. Used by django-axes on every login path."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXIES)


def client_ip(request) -> str:
    """REMOTE_ADDR, unless it is a trusted proxy: then the right-most X-Forwarded-For entry that is not
    itself a trusted proxy (entries further left were written by the client and prove nothing)."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    if not _is_trusted(peer):
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _is_trusted(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return peer  # a malformed hop: fall back to the proxy itself, never to client-chosen text
    return peer


def login_lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out address: the API's error shape on API paths, plain text
    elsewhere (the admin's login form). 429 either way."""
    message = "Too many failed logins from this address; try again later."
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "throttled", "detail": message}, status=429)
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
