"""Subject access requests received from a shop (Shopify's `customers/data_request`): each
becomes a task for the DPO (privacy.DataRequest), who produces the export from the admin.

The shop names its customer (its id, her email); journeys finds the profile and calls
`data_request_receive`. A request the shop sends again (same request id) is the same task.
"""

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from customers.models import Customer
from omni.errors import DomainError
from privacy.export import ProducedExport, subject_export_produce
from privacy.models import DataRequest, Door, SubjectExport


def data_request_receive(
    *,
    integration: models.Model,
    shop_request_id: str,
    shop_customer_id: str,
    email: str,
    orders_requested: list[str],
    customer: Customer | None,
) -> tuple[DataRequest, bool]:
    """The DPO's task for this request (created, or the one already open for it)."""
    values = {
        "shop_customer_id": shop_customer_id[:64],
        "email": email[:254],
        "orders_requested": orders_requested,
        "customer": customer,
    }
    if not shop_request_id:
        return DataRequest.objects.create(integration=integration, **values), True
    return DataRequest.objects.get_or_create(
        integration=integration, shop_request_id=shop_request_id[:64], defaults=values
    )


def data_request_export(
    *, request: DataRequest, form: str, user: Any, language: str = ""
) -> ProducedExport:
    """Produce her export for the request (journaled, through the shop's door) and mark the
    task done; a request with no profile found is refused until the DPO sets one."""
    if request.customer_id is None:
        raise DomainError(
            _("No profile is linked to this request: set the customer first."), code="invalid"
        )
    with transaction.atomic():
        produced = subject_export_produce(
            customer=request.customer,
            door=Door.SHOP,
            form=form or SubjectExport.Form.JSON,
            language=language or request.customer.preferred_language,
            user=user,
        )
        DataRequest.objects.filter(pk=request.pk).update(
            status=DataRequest.Status.DONE, export=produced.record
        )
    return produced
