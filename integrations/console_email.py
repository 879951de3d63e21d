"""A development email backend: each message printed readably (decoded text, the invite's .ics
as text, attachments listed), not as the base64 MIME that Django's console backend writes."""

from __future__ import annotations

import email
import email.policy

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

# MIME plumbing, not something a reader of the log needs.
_SKIPPED_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}
_CALENDAR_TYPES = {"text/calendar", "application/ics"}


class EmailBackend(ConsoleEmailBackend):
    def write_message(self, message):
        # Reparse the real wire form, so what is printed is exactly what SMTP would have carried.
        parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
        lines = [f"{name}: {value}" for name, value in parsed.items() if name.lower() not in _SKIPPED_HEADERS]
        parts = [part for part in parsed.walk() if not part.is_multipart()]
        has_plain = any(_is_body(part) and part.get_content_type() == "text/plain" for part in parts)
        for part in parts:
            lines.extend(_describe(part, has_plain=has_plain))
        # One write, opening with a rule: Celery's worker logs each write as one record and puts its
        # log prefix on the first line, which is then the rule rather than a header.
        self.stream.write("\n".join([f"{' email ':-^79}", *lines, "-" * 79]) + "\n")


def _is_body(part) -> bool:
    return part.get_content_disposition() != "attachment" and not part.get_filename()


def _text(part) -> str:
    content = part.get_content()
    if isinstance(content, bytes):
        content = content.decode(part.get_content_charset() or "utf-8", errors="replace")
    return content.replace("\r\n", "\n").rstrip("\n")


def _describe(part, *, has_plain: bool) -> list[str]:
    kind = part.get_content_type()
    if not _is_body(part):
        name = part.get_filename() or "(unnamed)"
        header = ["", f"--- attachment: {name} ({kind}, {len(part.get_payload(decode=True) or b'')} bytes)"]
        if kind in _CALENDAR_TYPES or name.lower().endswith(".ics"):
            return [*header, _text(part)]
        return header
    if kind == "text/html" and has_plain:
        # The HTML alternative repeats the plain text; printing both only doubles the log.
        return ["", "--- text/html alternative (same content as text/plain, not shown)"]
    if kind == "text/calendar":
        method = part.get_param("method")
        return ["", f"--- text/calendar{f'; method={method}' if method else ''}", _text(part)]
    if part.get_content_maintype() == "text":
        return ["", f"--- {kind}", _text(part)]
    return ["", f"--- {kind} ({len(part.get_payload(decode=True) or b'')} bytes, not shown)"]
