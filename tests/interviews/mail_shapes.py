"""Calendar replies as real clients mail them to the organizer, written from RFC 5546/6047 and what Outlook,
Google Calendar and Apple Calendar are documented to send: the subject prefixes, the MIME layout, the
PRODID, time zones and the client's own extension properties. Each builder returns raw RFC 5322 bytes."""

from __future__ import annotations

import base64
import datetime
import quopri
import uuid

UTC = datetime.UTC


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(moment: datetime.datetime, zone: str) -> str:
    import zoneinfo

    return moment.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y%m%dT%H%M%S")


def _b64(text: str) -> str:
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def _message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


OUTLOOK_TIMEZONE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""

OUTLOOK_PREFIX = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}


def outlook(
    *, method: str, uid: str, sequence: int, attendee: str, name: str, organizer: str,
    start: datetime.datetime, end: datetime.datetime, partstat: str = "ACCEPTED", comment: str = "",
    original: tuple[datetime.datetime, datetime.datetime] | None = None,
) -> bytes:  # fmt: skip
    """Outlook / Exchange: "Accepted:", "Declined:", "Tentative:" or "New Time Proposed:" subject, a
    multipart/alternative with a base64 text/calendar part (method=REPLY or COUNTER) whose times use the
    Windows zone name with its VTIMEZONE; a COUNTER lists every attendee and carries the original times."""
    prefix = "New Time Proposed" if method == "COUNTER" else OUTLOOK_PREFIX[partstat]
    comment_line = f"COMMENT;LANGUAGE=en-US:{comment}\n" if comment else ""
    others = (
        f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{organizer}\n"
        if method == "COUNTER"
        else ""
    )
    originals = ""
    if original:
        originals = (
            f'X-MS-OLK-ORIGINALSTART;TZID="W. Europe Standard Time":{_local(original[0], "Europe/Stockholm")}\n'
            f'X-MS-OLK-ORIGINALEND;TZID="W. Europe Standard Time":{_local(original[1], "Europe/Stockholm")}\n'
        )
    calendar = f"""BEGIN:VCALENDAR
METHOD:{method}
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
{OUTLOOK_TIMEZONE}BEGIN:VEVENT
ORGANIZER:mailto:{organizer}
ATTENDEE;PARTSTAT={partstat};CN={name}:mailto:{attendee}
{others}{comment_line}SUMMARY;LANGUAGE=en-US:{prefix}: Exit interview
DTSTART;TZID=W. Europe Standard Time:{_local(start, "Europe/Stockholm")}
DTEND;TZID=W. Europe Standard Time:{_local(end, "Europe/Stockholm")}
{originals}UID:{uid}
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:{_stamp(datetime.datetime.now(UTC))}
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:{sequence}
LOCATION;LANGUAGE=en-US:
X-MICROSOFT-CDO-APPT-SEQUENCE:{sequence}
X-MICROSOFT-CDO-OWNERAPPTID:-1
X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY
END:VEVENT
END:VCALENDAR
"""
    note = comment or ""
    return _crlf(f"""From: {name} <{attendee}>
To: Offboarding <{organizer}>
Subject: {prefix}: Exit interview
Thread-Topic: Exit interview
Thread-Index: AQHbZ2x1c2VkIGhlcmU=
Date: Tue, 1 Dec 2026 08:15:00 +0000
Message-ID: {_message_id("EXCH01.corp.example.com")}
Accept-Language: en-US
Content-Language: en-US
Content-class: urn:content-classes:calendarmessage
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="_000_OUTLOOK_BOUNDARY_"

--_000_OUTLOOK_BOUNDARY_
Content-Type: text/plain; charset="us-ascii"

{note}

--_000_OUTLOOK_BOUNDARY_
Content-Type: text/html; charset="us-ascii"

<html><body><p>{note}</p></body></html>

--_000_OUTLOOK_BOUNDARY_
Content-Type: text/calendar; charset="utf-8"; method={method}
Content-Transfer-Encoding: base64

{_b64(_crlf(calendar).decode())}

--_000_OUTLOOK_BOUNDARY_--
""")


GOOGLE_WORD = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentatively accepted"}


def google(
    *, method: str, uid: str, sequence: int, attendee: str, name: str, organizer: str,
    start: datetime.datetime, end: datetime.datetime, partstat: str = "ACCEPTED", comment: str = "",
) -> bytes:  # fmt: skip
    """Google Calendar: "Declined: Exit interview @ <when> (<attendee>)", multipart/mixed holding
    multipart/alternative (text, html, text/calendar method=...) and the same calendar as invite.ics; UTC
    times; the attendee's note in the ATTENDEE's X-RESPONSE-COMMENT parameter."""
    word = "Proposed new time" if method == "COUNTER" else GOOGLE_WORD[partstat]
    response_comment = f';X-RESPONSE-COMMENT="{comment}"' if comment else ""
    calendar = f"""BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:{method}
BEGIN:VEVENT
DTSTART:{_stamp(start)}
DTEND:{_stamp(end)}
DTSTAMP:{_stamp(datetime.datetime.now(UTC))}
ORGANIZER;CN=Offboarding:mailto:{organizer}
UID:{uid}
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={name};X-NUM-GUESTS=0{response_comment}:mailto:{attendee}
CREATED:20261201T070000Z
LAST-MODIFIED:{_stamp(datetime.datetime.now(UTC))}
SEQUENCE:{sequence}
STATUS:CONFIRMED
SUMMARY:Exit interview
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR
"""
    when = start.strftime("%a %-d %b %Y %H:%M")
    return _crlf(f"""MIME-Version: 1.0
Date: Tue, 01 Dec 2026 08:20:00 +0000
Message-ID: {_message_id("calendar.google.com")}
Subject: {word}: Exit interview @ {when} - {end:%H:%M} (UTC) ({organizer})
From: {name} <{attendee}>
To: {organizer}
Content-Type: multipart/mixed; boundary="000000000000google_mixed"

--000000000000google_mixed
Content-Type: multipart/alternative; boundary="000000000000google_alt"

--000000000000google_alt
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes

{name} has {word.lower()} this invitation.

--000000000000google_alt
Content-Type: text/html; charset="UTF-8"

<p>{name} has {word.lower()} this invitation.</p>

--000000000000google_alt
Content-Type: text/calendar; charset="UTF-8"; method={method}
Content-Transfer-Encoding: 7bit

{calendar}
--000000000000google_alt--

--000000000000google_mixed
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{_b64(_crlf(calendar).decode())}
--000000000000google_mixed--
""")


APPLE_TIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Stockholm
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
DTSTART:19810329T020000
TZNAME:CEST
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
DTSTART:19961027T030000
TZNAME:CET
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
"""


def apple(
    *, method: str, uid: str, sequence: int, attendee: str, name: str, organizer: str,
    start: datetime.datetime, end: datetime.datetime, partstat: str = "ACCEPTED", comment: str = "",
) -> bytes:  # fmt: skip
    """Apple Calendar (macOS/iOS): a single-part text/calendar message (method=REPLY), quoted-printable,
    Olson TZID with its VTIMEZONE, the ATTENDEE with an EMAIL parameter, the note as COMMENT."""
    comment_line = f"COMMENT:{comment}\n" if comment else ""
    calendar = f"""BEGIN:VCALENDAR
METHOD:{method}
VERSION:2.0
PRODID:-//Apple Inc.//macOS 15.1//EN
CALSCALE:GREGORIAN
{APPLE_TIMEZONE}BEGIN:VEVENT
UID:{uid}
DTSTAMP:{_stamp(datetime.datetime.now(UTC))}
DTSTART;TZID=Europe/Stockholm:{_local(start, "Europe/Stockholm")}
DTEND;TZID=Europe/Stockholm:{_local(end, "Europe/Stockholm")}
SEQUENCE:{sequence}
SUMMARY:Exit interview
ORGANIZER;CN=Offboarding:mailto:{organizer}
ATTENDEE;CN="{name}";CUTYPE=INDIVIDUAL;EMAIL="{attendee}";PARTSTAT={partstat}:mailto:{attendee}
{comment_line}X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC
END:VEVENT
END:VCALENDAR
"""
    body = quopri.encodestring(_crlf(calendar)).decode("ascii")
    return _crlf(f"""From: {name} <{attendee}>
Content-Type: text/calendar; method={method}; charset=utf-8
Content-Transfer-Encoding: quoted-printable
Mime-Version: 1.0 (Mac OS X Mail 16.0)
Subject: Exit interview
Date: Tue, 1 Dec 2026 09:25:00 +0100
Message-Id: {_message_id("icloud.com")}
To: {organizer}

{body}""")


CLIENTS = {"outlook": outlook, "google": google, "apple": apple}


def plain_mail(*, sender: str, organizer: str, subject: str = "Question about my last day") -> bytes:
    return _crlf(f"""From: {sender}
To: {organizer}
Subject: {subject}
Date: Tue, 1 Dec 2026 08:30:00 +0000
Message-ID: {_message_id("example.com")}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Who do I give my laptop to?
""")
