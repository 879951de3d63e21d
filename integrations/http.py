"""One small HTTP POST client for the outbound adapters, mapping failures onto DeliveryError.

The standard library is enough for a JSON POST with a timeout; 5xx, 429, timeouts and connection
errors may pass on a later try, any other 4xx will not (the request itself is wrong).
"""

from __future__ import annotations

import urllib.error
import urllib.request

from core.delivery import DeliveryError

TIMEOUT_SECONDS = 10
USER_AGENT = "offboarding-webhooks/1"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as an error: urllib would turn the POST into a body-less GET, and a
    webhook receiver that moved should be reconfigured, not followed blindly."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def is_retryable_status(status: int) -> bool:
    return status >= 500 or status in (408, 429)


def post(*, url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> int:
    """POST the body; return the 2xx status, or raise DeliveryError(retryable=...)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"User-Agent": USER_AGENT, **headers})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        # The URL may hold a secret token (Slack's do): name the host only.
        raise DeliveryError(
            f"{_host(url)} answered HTTP {exc.code}.", retryable=is_retryable_status(exc.code)
        ) from None
    except TimeoutError:
        raise DeliveryError(f"{_host(url)} did not answer within {timeout:g} s.", retryable=True) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise DeliveryError(f"{_host(url)} did not answer within {timeout:g} s.", retryable=True) from None
        if isinstance(reason, str) and "unknown url type" in reason:
            raise DeliveryError(f"Not an HTTP URL: {_host(url)}.", retryable=False) from None
        raise DeliveryError(f"{_host(url)} could not be reached: {reason}.", retryable=True) from None
    except ValueError as exc:  # a malformed URL
        raise DeliveryError(f"Not a usable URL: {exc}", retryable=False) from None


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or "the endpoint"
