"""Seed the demo organisation: users for every role, password `demo`. Refuses to run in production."""

import datetime

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import roles
from offboarding.actions.answers import interview_response_write
from offboarding.interviews.models import ExitInterview, InterviewState
from offboarding.models import Departure, DepartureHistory, DepartureState, Employee, InterviewOutcome
from workflows.business_time import add_business_days

DEMO_PASSWORD = "demo"

# username, name, group, department, manager username, country, time zone, language
PEOPLE = [
    ("ceo", "Cecilia Berg", None, "Management", None, "SE", "Europe/Stockholm", "sv"),
    ("hr", "Hanna Lind", roles.HR, "People", "ceo", "SE", "Europe/Stockholm", "sv"),
    ("manager", "Maja Ek", None, "Engineering", "ceo", "SE", "Europe/Stockholm", "sv"),
    ("manager2", "Mats Holm", None, "Sales", "ceo", "SE", "Europe/Stockholm", "en"),
    ("employee", "Erik Sund", None, "Engineering", "manager", "SE", "Europe/Stockholm", "sv"),
    ("interviewer", "Ingrid Wall", roles.INTERVIEWER, "People", "hr", "SE", "Europe/Stockholm", "en"),
    ("it", "Ivan Dahl", roles.IT, "IT", "ceo", "SE", "Europe/Stockholm", "en"),
    ("facilities", "Frida Nord", roles.FACILITIES, "Facilities", "ceo", "SE", "Europe/Stockholm", "en"),
    ("payroll", "Per Strand", roles.PAYROLL, "Finance", "ceo", "SE", "Europe/Stockholm", "en"),
]
# Colleagues without logins, so reports and checklists have a realistic organisation behind them.
COLLEAGUES = [
    ("Alva Nyström", "Engineering", "manager", "SE", "Europe/Stockholm"),
    ("Oskar Lund", "Engineering", "manager", "SE", "Europe/Stockholm"),
    ("Sofia Åberg", "Engineering", "manager", "SE", "Europe/Stockholm"),
    ("Liam Carter", "Sales", "manager2", "US", "America/New_York"),
    ("Emma Brooks", "Sales", "manager2", "US", "America/Chicago"),
    ("Noah Keller", "Sales", "manager2", "DE", "Europe/Berlin"),
]


# People who left earlier in the year, with their (structured, anonymous) exit-interview answers, so
# the reasons report has groups large enough to show: name, department, manager, kind, last day,
# primary and secondary reason, ratings of role/manager/culture, would return.
HISTORY = [
    ("Anna Ek", "Engineering", "manager", "resignation", "2026-03-13", "career", "compensation", (4, 3, 4), True),
    ("Björn Ås", "Engineering", "manager", "resignation", "2026-04-30", "compensation", "career", (3, 4, 3), True),
    ("Clara Lind", "Engineering", "manager", "resignation", "2026-05-29", "workload", "manager", (2, 2, 3), False),
    ("David Berg", "Engineering", "manager", "resignation", "2026-06-12", "career", "", (4, 4, 4), True),
    ("Elin Sjö", "Engineering", "manager", "resignation", "2026-08-28", "relocation", "", (5, 4, 4), True),
    ("Filip Nord", "Engineering", "manager", "end_of_contract", "2026-09-30", "contract_end", "", (4, 3, 3), True),
    ("Greta Holm", "Engineering", "manager", "resignation", "2026-10-16", "career", "work_life", (3, 3, 2), False),
    ("Hugo Strand", "Sales", "manager2", "resignation", "2026-02-27", "compensation", "", (3, 2, 3), False),
    ("Ines Dahl", "Sales", "manager2", "resignation", "2026-05-15", "workload", "work_life", (2, 3, 2), False),
    ("Jonas Wik", "Sales", "manager2", "termination", "2026-06-30", "restructuring", "", (3, 3, 3), False),
    ("Karin Lund", "Sales", "manager2", "resignation", "2026-09-11", "career", "compensation", (4, 3, 3), True),
    ("Lars Fors", "Sales", "manager2", "retirement", "2026-10-30", "retirement", "", (5, 4, 4), True),
]


class Command(BaseCommand):
    help = "Create the demo organisation and its users (password 'demo'). Safe to run again."

    def handle(self, *args, **options):
        if not settings.DEBUG and not getattr(settings, "DEMO_ALLOWED", False):
            raise CommandError("The demo users exist only in the demo: run with the development settings.")
        with transaction.atomic():
            self._seed()
        self.stdout.write(self.style.SUCCESS("Demo organisation ready. Log in with any of these (password 'demo'):"))
        for username, name, group, department, *_ in PEOPLE:
            role = group or ("manager of employee" if username == "manager" else username)
            self.stdout.write(f"  {username:<12} {name:<14} {role} ({department})")
        self.stdout.write("HRIS webhook secret for the 'generic' source: demo-secret")

    def _seed(self) -> None:
        for name in roles.ALL_GROUPS:
            Group.objects.get_or_create(name=name)
        answers = Permission.objects.filter(
            content_type__app_label=roles.READ_ANSWERS_PERMISSION.split(".")[0],
            codename=roles.READ_ANSWERS_PERMISSION.split(".")[1],
        ).first()
        hr_group = Group.objects.get(name=roles.HR)
        if answers is not None:
            hr_group.permissions.add(answers)
        records: dict[str, Employee] = {}
        for index, (username, name, group, department, boss, country, tz, language) in enumerate(PEOPLE, start=1):
            user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.example"})
            user.first_name, user.last_name = name.split(" ", 1)
            user.email = f"{username}@demo.example"
            user.is_staff = group == roles.HR
            user.set_password(DEMO_PASSWORD)
            user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            if group == roles.HR:
                user.user_permissions.set(
                    Permission.objects.filter(
                        content_type__app_label__in=[
                            "offboarding",
                            "workflows",
                            "outbox",
                            "interviews",
                            "feedback",
                            "integrations",
                        ]
                    )
                )
            records[username], _ = Employee.objects.update_or_create(
                external_id=f"DEMO-{index:03d}",
                defaults={
                    "name": name,
                    "email": f"{username}@demo.example",
                    "personal_email": f"{username}.private@demo.example",
                    "department": department,
                    "manager": records.get(boss) if boss else None,
                    "country": country,
                    "time_zone": tz,
                    "language": language,
                    "user": user,
                },
            )
        for index, (name, department, boss, country, tz) in enumerate(COLLEAGUES, start=100):
            first = name.split(" ")[0].lower().replace("å", "a").replace("ö", "o")
            Employee.objects.update_or_create(
                external_id=f"DEMO-{index:03d}",
                defaults={
                    "name": name,
                    "email": f"{first}@demo.example",
                    "personal_email": f"{first}.private@demo.example",
                    "department": department,
                    "manager": records[boss],
                    "country": country,
                    "time_zone": tz,
                    "language": "en" if country != "SE" else "sv",
                },
            )
        self._seed_history(records)

    def _seed_history(self, records: dict[str, Employee]) -> None:
        """Completed departures with held interviews and structured answers (no free text)."""

        interviewer = records["interviewer"].user
        for index, (name, department, boss, kind, last_day, primary, secondary, scores, would_return) in enumerate(
            HISTORY, start=200
        ):
            employee, _ = Employee.objects.update_or_create(
                external_id=f"DEMO-{index:03d}",
                defaults={
                    "name": name,
                    "email": f"former{index}@demo.example",
                    "personal_email": f"former{index}.private@demo.example",
                    "department": department,
                    "manager": records[boss],
                    "country": "SE",
                    "time_zone": "Europe/Stockholm",
                    "language": "sv",
                },
            )
            if Departure.objects.filter(employee=employee).exists():
                continue
            # As the product would have done: business days, and the interview in working hours of the
            # employee's zone, a few business days before the last day.
            last = add_business_days(datetime.date.fromisoformat(last_day), 0, employee.country)
            notice = add_business_days(last - datetime.timedelta(days=42), 0, employee.country)
            interview_day = add_business_days(last, -3, employee.country)
            # Start 0-5 hours into the working day: varied, and the hour-long interview ends before it does.
            start_local = datetime.datetime.combine(interview_day, employee.work_starts) + datetime.timedelta(
                hours=index % 6
            )
            start = start_local.replace(tzinfo=employee.tzinfo).astimezone(datetime.UTC)
            completed = datetime.datetime.combine(last, employee.work_ends, tzinfo=employee.tzinfo)
            departure = Departure.objects.create(
                employee=employee,
                kind=kind,
                notice_date=notice,
                last_working_day=last,
                reason=primary,
                state=DepartureState.COMPLETED,
                interview_outcome=InterviewOutcome.HELD,
                completed_at=completed.astimezone(datetime.UTC),
            )
            for transition, to_state in (("start", "notice"), ("complete", "completed")):
                DepartureHistory.objects.create(
                    departure=departure, transition=transition, from_state="", to_state=to_state, actor_label="demo"
                )
            interview = ExitInterview.objects.create(
                departure=departure,
                interviewer=interviewer,
                state=InterviewState.HELD,
                start=start,
                end=start + datetime.timedelta(hours=1),
                held_at=start + datetime.timedelta(hours=1),
            )
            role, manager, culture = scores
            interview_response_write(
                interview=interview,
                actor=interviewer,
                reasons={"primary": primary, "secondary": secondary or None},
                ratings={"role": role, "manager": manager, "culture": culture},
                would_recommend=would_return,
                would_return=would_return,
                provided=frozenset({"reasons", "ratings", "would_recommend", "would_return"}),
            )
            ExitInterview.objects.filter(pk=interview.pk).update(state=InterviewState.CLOSED)
