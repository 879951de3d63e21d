"""Fixtures for the edges: signed HRIS requests, a real HTTP receiver on loopback, a fixed clock."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.conf import settings

from tests.helpers import NOW, signed_headers

# Before the notice dates used here, so every scheduled action lies in the future.


@pytest.fixture(autouse=True)
def default_templates(db):
    """The shipped checklists (a data migration installs them; a transactional test's flush removes them)."""
    from workflows.services import templates_install_defaults

    templates_install_defaults()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hris_post(api, frozen):
    """hris_post(source, payload, *, secret=None, timestamp=None, headers=None) -> response, signed
    with the source's test secret at the frozen time unless told otherwise."""

    def post(source, payload, *, secret=None, timestamp=None, headers=None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        if headers is None:
            secret = settings.HRIS_SECRETS.get(source, "x") if secret is None else secret
            headers = signed_headers(secret=secret, body=body, timestamp=timestamp)
        return api().post(
            f"/api/v1/integrations/hris/{source}/events/", data=body, content_type="application/json", **headers
        )

    return post


class Receiver:
    """What the loopback server heard; `statuses` is the queue of answers to give (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.url = ""
        self.lock = threading.Lock()

    def json(self, index: int = -1) -> dict:
        return json.loads(self.requests[index]["body"])


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 (free port) in a thread, recording each POST."""
    recorder = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with recorder.lock:
                recorder.requests.append({"path": self.path, "headers": self.headers, "body": body})
                status = recorder.statuses.pop(0) if recorder.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def outbound_settings(settings, receiver):
    """Outbound webhooks pointed at the loopback receiver."""
    settings.OUTBOUND_WEBHOOK_URLS = [f"{receiver.url}/it/hooks"]
    settings.OUTBOUND_WEBHOOK_SECRET = "outbound-test-secret"
    return settings
