"""GDPR erasure: pseudonymise a profile while keeping the records the retailer must keep.

Orders, returns and after-sales tickets are accounting and warranty records: they stay, attached
to a profile that no longer says who the person was. The fields erased are those the models
classify as personal (`PERSONAL_FIELDS`), so adding a personal field there extends erasure.
"""

import logging
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Address, Customer, ExternalIdentity, Preference
from omni.errors import DomainError

logger = logging.getLogger(__name__)


def _blank_value(model: type[models.Model], field_name: str) -> Any:
    field = model._meta.get_field(field_name)
    return None if field.null else field.get_default()


def _blank_personal_fields(instance: models.Model) -> list[str]:
    for field_name in instance.PERSONAL_FIELDS:
        setattr(instance, field_name, _blank_value(type(instance), field_name))
    return list(instance.PERSONAL_FIELDS)


@transaction.atomic
def customer_erase(*, customer: Customer, actor: Any = None, reason: str = "") -> Customer:
    """Blank the personal fields, drop addresses and identities, set `erased_at`; keep orders.

    Idempotent: erasing an erased profile changes nothing.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_merged:
        raise DomainError(_("This profile was merged into another one; erase that one instead."))
    if customer.erased_at is not None:
        return customer
    customer.erased_at = timezone.now()
    changed = _blank_personal_fields(customer)
    customer.save(update_fields=[*changed, "erased_at", "updated_at"])
    Address.objects.filter(customer=customer).delete()
    ExternalIdentity.objects.filter(customer=customer).delete()
    customer.tags.clear()  # A tag (press, bridal...) says something about the person.
    preference = Preference.objects.filter(customer=customer).first()
    if preference is not None:
        preference.save(update_fields=[*_blank_personal_fields(preference), "updated_at"])
    logger.info("Customer #%s erased by %s. %s", customer.pk, actor or "the system", reason)
    return customer
