"""Renderers: a named function per kind of message, turning a ScheduledAction into what to send.

Domain apps register their renderers in AppConfig.ready(); the outbox never imports them. A
renderer returns a Django EmailMessage, an integrations.webhooks.OutboundRequest, an
integrations.chat.ChatMessage, or None when the message no longer applies (then the action is
marked cancelled, not sent).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Renderer = Callable[[Any], Any]
_renderers: dict[str, Renderer] = {}


def renderer(name: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        _renderers[name] = fn
        return fn

    return register


def get_renderer(name: str) -> Renderer:
    try:
        return _renderers[name]
    except KeyError:
        raise LookupError(f"No outbox renderer is registered as {name!r}.") from None
