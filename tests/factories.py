"""factory_boy factories for the whole suite."""

import factory
from django.contrib.auth.models import Group, User

from offboarding.models import Departure, DepartureKind, Employee
from tests.helpers import FIXED_LAST_WORKING_DAY, FIXED_NOTICE_DATE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or ():
            group, _ = Group.objects.get_or_create(name=name)
            self.groups.add(group)


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    external_id = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda e: f"{e.external_id.lower()}@example.com")
    personal_email = factory.LazyAttribute(lambda e: f"{e.external_id.lower()}@home.example.org")
    department = "Engineering"
    country = "SE"
    time_zone = "Europe/Stockholm"
    language = "en"


class DepartureFactory(factory.django.DjangoModelFactory):
    """A bare departure row; use offboarding.services.departure_start for the full flow."""

    class Meta:
        model = Departure

    employee = factory.SubFactory(EmployeeFactory)
    kind = DepartureKind.RESIGNATION
    notice_date = FIXED_NOTICE_DATE
    last_working_day = FIXED_LAST_WORKING_DAY
    reason = "career"
