"""Shopify's `customers/data_request`: a customer asked the shop for her data. It becomes a
task for the DPO (privacy.DataRequest), shown in the admin, who produces the export there: the
retailer answers her with everything Omni holds, whichever channel she asked through.

Payload: {"shop_id", "shop_domain", "orders_requested": [...], "customer": {"id", "email",
"phone"}, "data_request": {"id"}}.
"""

from typing import Any

from django.utils.translation import gettext as _

from journeys.integrations.models import ShopIntegration
from journeys.integrations.redaction import customer_named
from journeys.integrations.upstream import Applied
from journeys.integrations.values import external_id
from privacy.data_requests import data_request_receive


def _identifier(value: Any) -> str:
    return external_id(value) if isinstance(value, int | str) and value != "" else ""


def _identifiers(values: Any) -> list[str]:
    identifiers = [_identifier(value) for value in values] if isinstance(values, list) else []
    return [identifier for identifier in identifiers if identifier]


def upstream_customer_data_request(
    *, integration: ShopIntegration, payload: dict[str, Any]
) -> Applied:
    person = payload.get("customer")
    if not isinstance(person, dict):
        raise ValueError("customers/data_request carries no customer object.")
    request = payload.get("data_request")
    email = person.get("email")
    data_request, created = data_request_receive(
        integration=integration,
        shop_request_id=_identifier(request.get("id")) if isinstance(request, dict) else "",
        shop_customer_id=_identifier(person.get("id")),
        email=email if isinstance(email, str) else "",
        orders_requested=_identifiers(payload.get("orders_requested")),
        customer=customer_named(integration, person),
    )
    if not created:
        return Applied("unchanged", _("Data request already received (task #%s)") % data_request.pk)
    if data_request.customer_id is None:
        return Applied(
            "created",
            _("Data request task #%s for the DPO: customer unknown to Omni") % data_request.pk,
        )
    return Applied(
        "created",
        _("Data request task #%(task)s for the DPO: profile #%(customer)s")
        % {"task": data_request.pk, "customer": data_request.customer_id},
    )
