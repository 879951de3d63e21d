"""The shipped default checklist templates, one per departure kind, as plain data.

Installed idempotently by workflows.services.templates_install_defaults (also run by the data
migration and the `install_default_templates` command). Offsets are business days of the
employee's country; negative offsets fall before the anchor. The manager's approval step does not
remind by itself: the departure's approval request and its reminders and escalation cover it.
"""

from __future__ import annotations

NOTICE = "notice_date"
LAST_DAY = "last_working_day"


def _step(key, title, role, anchor, offset, *, description="", kind="task", depends_on=(), required=True, **extra):
    return {
        "key": key,
        "title": title,
        "description": description,
        "assignee_role": role,
        "kind": kind,
        "anchor": anchor,
        "offset_days": offset,
        "depends_on": list(depends_on),
        "required": required,
        **extra,
    }


APPROVAL = _step(
    "manager_approval",
    "Approve the departure plan and last working day",
    "manager",
    NOTICE,
    2,
    kind="approval",
    description="Check the last working day, the notice period and the handover; approve, or reject with a reason.",
    remind=False,
    approves_subject=True,
)
ANNOUNCE = _step(
    "announce_departure",
    "Tell the team and key contacts about the departure",
    "manager",
    NOTICE,
    4,
    description="Agree the message and its timing with the employee before telling the team, customers and partners.",
    depends_on=["manager_approval"],
    required=False,
)
HANDOVER_PLAN = _step(
    "handover_plan",
    "Write the handover plan",
    "manager",
    NOTICE,
    5,
    description="List responsibilities, open work, documents and contacts, and who takes over each.",
    depends_on=["manager_approval"],
)
KNOWLEDGE_TRANSFER = _step(
    "knowledge_transfer",
    "Hold the knowledge-transfer meeting",
    "manager",
    LAST_DAY,
    -5,
    kind="meeting",
    description="Walk through the handover plan with the people taking over; record where documentation lives.",
    depends_on=["handover_plan"],
)
EXIT_INTERVIEW = _step(
    "exit_interview",
    "Hold the exit interview",
    "hr",
    LAST_DAY,
    -3,
    kind="interview",
    description="Offer a confidential exit interview; it is voluntary, so a declined interview closes this step.",
    depends_on=["manager_approval"],
)
EQUIPMENT_RETURN = _step(
    "equipment_return",
    "Return your equipment",
    "employee",
    LAST_DAY,
    0,
    description="Hand in your laptop, phone, badge, keys and any other company property on your last day.",
    depends_on=["manager_approval"],
)
BADGE_AND_KEYS = _step(
    "badge_and_keys",
    "Collect badge and keys; free the desk and locker",
    "facilities",
    LAST_DAY,
    0,
    depends_on=["manager_approval"],
)
ACCESS_REVOCATION = _step(
    "access_revocation",
    "Revoke access at the end of the last working day",
    "it",
    LAST_DAY,
    0,
    description=(
        "Disable accounts, VPN, SSO and building access when the last working day ends; "
        "set up mail forwarding or an auto-reply."
    ),
    depends_on=["manager_approval"],
)
FINAL_PAY = _step(
    "final_pay",
    "Prepare the final pay and benefits information",
    "payroll",
    LAST_DAY,
    -5,
    description=(
        "Final salary, accrued holiday pay, expenses, pension and insurance; "
        "send the employee the information they need."
    ),
    depends_on=["manager_approval"],
)
REFERENCE = _step(
    "reference",
    "Offer and write a reference",
    "manager",
    LAST_DAY,
    -2,
    description="Optional: offer a written reference or to be a reference contact.",
    depends_on=["manager_approval"],
    required=False,
)
FAREWELL = _step(
    "farewell",
    "Arrange a farewell",
    "manager",
    LAST_DAY,
    -1,
    description="A thank-you and goodbye with the team, in the way the employee is comfortable with.",
    depends_on=["manager_approval"],
    required=False,
)
FINAL_PAYSLIP = _step(
    "final_payslip_check",
    "Confirm the final payslip was paid",
    "payroll",
    LAST_DAY,
    15,
    depends_on=["final_pay"],
)
FOLLOW_UP = _step(
    "follow_up",
    "Follow up with the former employee",
    "hr",
    LAST_DAY,
    22,
    description=(
        "About a month after the last day: check that pay, certificates and references arrived; ask how it went."
    ),
    depends_on=["exit_interview"],
    required=False,
)
CLOSE_FILE = _step(
    "close_file",
    "Archive the personnel file and close the offboarding",
    "hr",
    LAST_DAY,
    5,
    description="Employment certificate sent, documents archived, retention periods set.",
    depends_on=["access_revocation", "equipment_return", "final_pay"],
)

COMMON = [
    APPROVAL,
    ANNOUNCE,
    HANDOVER_PLAN,
    KNOWLEDGE_TRANSFER,
    EXIT_INTERVIEW,
    EQUIPMENT_RETURN,
    BADGE_AND_KEYS,
    ACCESS_REVOCATION,
    FINAL_PAY,
    REFERENCE,
    FAREWELL,
    FINAL_PAYSLIP,
    FOLLOW_UP,
    CLOSE_FILE,
]


def _with(steps, *extra, without=()):
    return [s for s in steps if s["key"] not in without] + list(extra)


DEFAULT_TEMPLATES = [
    {
        "slug": "default-resignation",
        "name": "Resignation (default)",
        "kind": "resignation",
        "steps": COMMON,
    },
    {
        "slug": "default-termination",
        "name": "Termination (default)",
        "kind": "termination",
        "steps": _with(
            COMMON,
            _step(
                "termination_documents",
                "Prepare the termination documents",
                "hr",
                NOTICE,
                1,
                description="Notice letter, legal and union consultation where required, final settlement terms.",
            ),
            without=("farewell", "announce_departure"),
        ),
    },
    {
        "slug": "default-retirement",
        "name": "Retirement (default)",
        "kind": "retirement",
        "steps": _with(
            COMMON,
            _step(
                "pension_information",
                "Send pension and retirement benefits information",
                "payroll",
                LAST_DAY,
                -20,
                description="Occupational pension, start dates, health insurance after retirement.",
                depends_on=["manager_approval"],
            ),
            _step(
                "alumni_invitation",
                "Invite to the alumni network",
                "hr",
                LAST_DAY,
                5,
                depends_on=["manager_approval"],
                required=False,
            ),
        ),
    },
    {
        "slug": "default-end-of-contract",
        "name": "End of contract (default)",
        "kind": "end_of_contract",
        "steps": _with(
            COMMON,
            _step(
                "contract_extension_review",
                "Confirm the contract is not extended",
                "hr",
                NOTICE,
                2,
                description="Check for extension or conversion to a permanent role before the offboarding proceeds.",
            ),
        ),
    },
]
