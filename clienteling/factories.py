"""factory-boy factories for associates, appointments, tasks and notes."""

import datetime

import factory
from django.utils import timezone

from clienteling.models import Appointment, Associate, Note, Task
from customers.factories import CustomerFactory
from omni.factories import ServiceFactory, StoreFactory, UserFactory


class AssociateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Associate

    user = factory.SubFactory(UserFactory)
    store = factory.SubFactory(StoreFactory)
    role = Associate.Role.ASSOCIATE


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    customer = factory.SubFactory(CustomerFactory)
    associate = factory.SubFactory(AssociateFactory)
    store = factory.SelfAttribute("associate.store")
    service = factory.SubFactory(ServiceFactory)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=1)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(
        lambda appointment: (
            appointment.starts_at + datetime.timedelta(minutes=appointment.service.duration_minutes)
        )
    )
    booked_via = "web"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    assignee = factory.SubFactory(AssociateFactory)
    store = factory.SelfAttribute("assignee.store")
    customer = factory.SubFactory(CustomerFactory)
    title = "Call back about the trench coat"
    due_on = factory.LazyFunction(timezone.localdate)


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    customer = factory.SubFactory(CustomerFactory)
    author = factory.SubFactory(UserFactory)
    body = "Prefers a slim fit; looking for a gift for her sister."
