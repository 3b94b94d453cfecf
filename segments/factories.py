"""factory-boy factories for segments and customer tags (used by tests and the demo)."""

import factory

from customers.models import Tag
from segments.models import Segment, SegmentRule


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda number: f"tag-{number}")

    @factory.post_generation
    def customers(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.customers.add(*extracted)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda number: f"Segment {number}")
    purpose = "marketing"
    contact_channel = "email"


class SegmentRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SegmentRule

    segment = factory.SubFactory(SegmentFactory)
    group = 1
    field = "lifecycle_stage"
    operator = "in"
    value = "loyalty"
