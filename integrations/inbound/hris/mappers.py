"""Map each source's webhook payload onto HrisEvent, the one shape the processor understands.

`generic` is our own format (docs/integrations.md). `bamboohr` and `personio` take payloads
shaped like those products' webhooks, relayed to us with our signature headers added:

BambooHR (field-based "employee_with_fields" webhook): ``{"employees": [{"id", "action",
"timestamp", "changedFields": [...], "fields": {...}}]}``; field names are BambooHR's English
labels or their API aliases, matched ignoring case, spaces and punctuation.
  - external id: ``Employee #`` / ``employeeNumber``, else the BambooHR ``id``
  - name: ``First Name`` + ``Last Name`` (or ``Display Name``); email: ``Work Email`` / ``workEmail``
  - manager: ``Supervisor Employee #`` / ``supervisorEmployeeNumber`` / ``Supervisor EID``
  - department, country, time zone: ``Department``, ``Country`` (ISO code), ``Time Zone``
  - last working day: ``Termination Date`` / ``terminationDate``; the kind from
    ``Termination Type`` (resign/voluntary → resignation, retire → retirement, contract → end of
    contract, else termination); the notice date is the event's timestamp date
  - a termination date present → a departure starts, or its last day moves when one is open;
    ``Termination Date`` among the changed fields but empty → the open departure is withdrawn;
    ``Deleted`` actions and changes without termination data are ignored
  - event id: ``<id>:<timestamp>`` per employee entry (one request may carry several)

Personio (v2 webhooks): ``{"company_id", "event_name", "occurred_at", "payload", "meta"}`` with
``event_name`` ``employment.created``/``employment.updated``/``employment.terminated`` and the
employment in ``payload``:
  - external id, name, email: ``payload.person.{id, first_name, last_name, email}``
  - manager: ``payload.supervisor.id``; department: ``payload.department.name``
  - ``payload.termination.{type, termination_date, last_working_date, terminated_at}``: the
    last working day is ``last_working_date`` (else ``termination_date``); the notice date is
    ``terminated_at`` (else ``occurred_at``); ``type`` QUIT/RESIGNATION → resignation,
    RETIREMENT → retirement, END_OF_CONTRACT/CONTRACT_EXPIRED → end of contract, else termination
  - ``termination`` null or without dates → the open departure (if any) is withdrawn
  - event id: ``meta.event_id`` (or ``meta.id``), else ``<event_name>:<payload.id>:<occurred_at>``
  - other event names (person.*, absences...) are ignored
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable

from core import errors

# What a mapped event asks for. The snapshot kinds (bamboohr, personio) say what the HR system
# holds now; the processor compares that with the open departure to decide start / move / cancel.
RESIGNED = "resigned"
TERMINATED = "terminated"
LAST_DAY_CHANGED = "last_day_changed"
WITHDRAWN = "withdrawn"
TERMINATION_SET = "termination_set"
TERMINATION_CLEARED = "termination_cleared"
IGNORED = "ignored"

EMPLOYEE_FIELDS = (
    "external_id", "name", "email", "manager_external_id", "department", "country", "time_zone", "language",
    "personal_email",
)  # fmt: skip


@dataclasses.dataclass
class HrisEvent:
    event_id: str
    action: str
    source_type: str
    employee: dict
    kind: str = ""
    notice_date: datetime.date | None = None
    last_working_day: datetime.date | None = None
    reason: str = ""


def _event_id(value, field: str) -> str:
    """An event id is a string or a number (never a bool, a list or an object), and not too long to store."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise errors.InvalidInput(fields={field: ["An event id must be a string or a number."]})
    text = str(value)
    if not text or len(text) > 200:
        raise errors.InvalidInput(fields={field: ["An event id has 1 to 200 characters."]})
    return text


def _date(value, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise errors.InvalidInput(fields={field: [f"Not an ISO date (YYYY-MM-DD): {value!r}."]})


def _timestamp_date(value) -> datetime.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _employee(data: dict) -> dict:
    return {name: str(data[name]).strip() for name in EMPLOYEE_FIELDS if data.get(name) not in (None, "")}


# --- generic

GENERIC_TYPES = {
    "employee.resigned": RESIGNED,
    "employee.terminated": TERMINATED,
    "departure.last_day_changed": LAST_DAY_CHANGED,
    "departure.withdrawn": WITHDRAWN,
}
TERMINATION_KINDS = ("termination", "retirement", "end_of_contract")


def map_generic(payload) -> list[HrisEvent]:
    if not isinstance(payload, dict):
        raise errors.InvalidInput(fields={"body": ["Expected a JSON object."]})
    missing = [name for name in ("id", "type", "employee") if not payload.get(name)]
    if missing:
        raise errors.InvalidInput(fields={name: ["This field is required."] for name in missing})
    event_type = payload["type"]
    if event_type not in GENERIC_TYPES:
        raise errors.InvalidInput(fields={"type": [f"One of: {', '.join(GENERIC_TYPES)}."]})
    if not isinstance(payload["employee"], dict) or not payload["employee"].get("external_id"):
        raise errors.InvalidInput(fields={"employee.external_id": ["This field is required."]})
    action = GENERIC_TYPES[event_type]
    event = HrisEvent(
        event_id=_event_id(payload["id"], "id"),
        action=action,
        source_type=event_type,
        employee=_employee(payload["employee"]),
        notice_date=_date(payload.get("notice_date"), "notice_date"),
        last_working_day=_date(payload.get("last_working_day"), "last_working_day"),
        reason=str(payload.get("reason") or ""),
    )
    if action == RESIGNED:
        event.kind = "resignation"
    elif action == TERMINATED:
        kind = payload.get("kind") or "termination"
        if kind not in TERMINATION_KINDS:
            raise errors.InvalidInput(fields={"kind": [f"One of: {', '.join(TERMINATION_KINDS)}."]})
        event.kind = kind
    if action in (RESIGNED, TERMINATED, LAST_DAY_CHANGED) and event.last_working_day is None:
        raise errors.InvalidInput(fields={"last_working_day": ["This field is required for this event type."]})
    if event.notice_date and event.last_working_day and event.last_working_day < event.notice_date:
        raise errors.InvalidInput(
            fields={"last_working_day": ["The last working day cannot be before the notice date."]}
        )
    return [event]


# --- BambooHR


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9#]", "", name.lower())


BAMBOO_ALIASES = {
    "external_id": ("employee#", "employeenumber"),
    "first_name": ("firstname",),
    "last_name": ("lastname",),
    "display_name": ("displayname", "fullname"),
    "email": ("workemail",),
    "personal_email": ("homeemail",),
    "manager_external_id": ("supervisoremployee#", "supervisoremployeenumber", "supervisoreid", "manager_external_id"),
    "department": ("department",),
    "country": ("country",),
    "time_zone": ("timezone",),
    "termination_date": ("terminationdate",),
    "termination_type": ("terminationtype",),
    "employment_status": ("employmentstatus", "employmenthistorystatus", "status"),
}


def _bamboo_kind(termination_type: str, status: str) -> str:
    text = f"{termination_type} {status}".lower()
    if "involuntary" in text:
        return "termination"
    if "resign" in text or "voluntary" in text:
        return "resignation"
    if "retire" in text:
        return "retirement"
    if "contract" in text:
        return "end_of_contract"
    return "termination"


def map_bamboohr(payload) -> list[HrisEvent]:
    if not isinstance(payload, dict) or not isinstance(payload.get("employees"), list) or not payload["employees"]:
        raise errors.InvalidInput(fields={"employees": ["Expected a non-empty list of employee changes."]})
    events = []
    for index, entry in enumerate(payload["employees"]):
        if not isinstance(entry, dict) or not entry.get("id"):
            raise errors.InvalidInput(fields={f"employees[{index}].id": ["This field is required."]})
        raw_fields = entry.get("fields") or {}
        by_norm = {_norm(k): v for k, v in raw_fields.items()} if isinstance(raw_fields, dict) else {}

        def field(name: str, by_norm=by_norm) -> str:
            for alias in BAMBOO_ALIASES[name]:
                value = by_norm.get(_norm(alias))
                if value not in (None, ""):
                    return str(value).strip()
            return ""

        name = " ".join(p for p in (field("first_name"), field("last_name")) if p) or field("display_name")
        employee = _employee(
            {
                "external_id": field("external_id") or str(entry["id"]),
                "name": name,
                "email": field("email"),
                "personal_email": field("personal_email"),
                "manager_external_id": field("manager_external_id"),
                "department": field("department"),
                "country": field("country").upper(),
                "time_zone": field("time_zone"),
            }
        )
        timestamp = str(entry.get("timestamp") or "")
        event = HrisEvent(
            event_id=f"{_event_id(entry['id'], 'id')}:{timestamp}",
            action=IGNORED,
            source_type=f"employee.{str(entry.get('action') or 'updated').lower()}",
            employee=employee,
            notice_date=_timestamp_date(timestamp),
        )
        changed = {_norm(f) for f in entry.get("changedFields") or [] if isinstance(f, str)}
        last_day = _date(field("termination_date"), f"employees[{index}].fields.terminationDate")
        if str(entry.get("action") or "").lower() == "deleted":
            event.action = IGNORED
        elif last_day is not None:
            event.action = TERMINATION_SET
            event.last_working_day = last_day
            event.kind = _bamboo_kind(field("termination_type"), field("employment_status"))
        elif changed & {_norm(a) for a in BAMBOO_ALIASES["termination_date"]}:
            event.action = TERMINATION_CLEARED
        events.append(event)
    return events


# --- Personio

PERSONIO_EMPLOYMENT_EVENTS = ("employment.created", "employment.updated", "employment.terminated")
PERSONIO_KINDS = {
    "quit": "resignation",
    "resignation": "resignation",
    "retirement": "retirement",
    "end_of_contract": "end_of_contract",
    "contract_expired": "end_of_contract",
}


def map_personio(payload) -> list[HrisEvent]:
    if not isinstance(payload, dict):
        raise errors.InvalidInput(fields={"body": ["Expected a JSON object."]})
    missing = [name for name in ("event_name", "occurred_at", "payload") if not payload.get(name)]
    if missing:
        raise errors.InvalidInput(fields={name: ["This field is required."] for name in missing})
    event_name = str(payload["event_name"])
    body = payload["payload"] if isinstance(payload["payload"], dict) else {}
    meta = payload.get("meta") if isinstance(payload.get("meta"), dict) else {}
    given = meta.get("event_id") or meta.get("id")
    if given:
        event_id = _event_id(given, "meta.event_id")
    else:
        event_id = _event_id(f"{event_name}:{body.get('id', '')}:{payload['occurred_at']}", "meta.event_id")
    if event_name not in PERSONIO_EMPLOYMENT_EVENTS:
        return [HrisEvent(event_id=event_id, action=IGNORED, source_type=event_name, employee={})]
    person = body.get("person") if isinstance(body.get("person"), dict) else {}
    if not person.get("id"):
        raise errors.InvalidInput(fields={"payload.person.id": ["This field is required."]})
    supervisor = body.get("supervisor") if isinstance(body.get("supervisor"), dict) else {}
    department = body.get("department") if isinstance(body.get("department"), dict) else {}
    name = " ".join(str(p).strip() for p in (person.get("first_name"), person.get("last_name")) if p)
    employee = _employee(
        {
            "external_id": person.get("id"),
            "name": name or person.get("preferred_name"),
            "email": person.get("email"),
            "manager_external_id": supervisor.get("id"),
            "department": department.get("name"),
        }
    )
    termination = body.get("termination") if isinstance(body.get("termination"), dict) else {}
    last_day = _date(
        termination.get("last_working_date") or termination.get("termination_date"),
        "payload.termination.last_working_date",
    )
    event = HrisEvent(event_id=event_id, action=TERMINATION_CLEARED, source_type=event_name, employee=employee)
    if last_day is not None:
        event.action = TERMINATION_SET
        event.last_working_day = last_day
        event.notice_date = _timestamp_date(termination.get("terminated_at")) or _timestamp_date(payload["occurred_at"])
        event.kind = PERSONIO_KINDS.get(str(termination.get("type") or "").lower(), "termination")
    return [event]


MAPPERS: dict[str, Callable[[object], list[HrisEvent]]] = {
    "generic": map_generic,
    "bamboohr": map_bamboohr,
    "personio": map_personio,
}
