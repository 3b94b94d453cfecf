"""What each kind of shop payload does in Omni: the table shared by the webhook inbox and the
reconciliation pull, so that a record is applied the same way whichever path brought it."""

from collections.abc import Callable
from types import ModuleType
from typing import Any

from django.utils.translation import gettext as _

from journeys.integrations import shopify, woocommerce
from journeys.integrations.data_requests import upstream_customer_data_request
from journeys.integrations.models import Platform, ShopIntegration
from journeys.integrations.redaction import upstream_customer_redact, upstream_shop_redact
from journeys.integrations.upstream import (
    Applied,
    upstream_customer_deleted,
    upstream_customer_save,
    upstream_order_deleted,
    upstream_order_fulfilled,
    upstream_order_save,
    upstream_pickup_ready,
    upstream_refund_save,
)
from journeys.integrations.values import external_id

PLATFORMS: dict[str, ModuleType] = {
    Platform.SHOPIFY: shopify,
    Platform.WOOCOMMERCE: woocommerce,
}
Payload = dict[str, Any]


def _order(integration: ShopIntegration, platform: ModuleType, payload: Payload) -> Applied:
    return upstream_order_save(
        integration=integration,
        data=platform.order_input(payload, integration),
        refunds=platform.order_refunds(payload, integration),
    )


def _order_deleted(integration: ShopIntegration, platform: ModuleType, payload: Payload) -> Applied:
    return upstream_order_deleted(integration=integration, reference=platform.record_id(payload))


def _refund(integration: ShopIntegration, platform: ModuleType, payload: Payload) -> Applied:
    return upstream_refund_save(integration=integration, refund=platform.refund_input(payload))


def _customer(integration: ShopIntegration, platform: ModuleType, payload: Payload) -> Applied:
    return upstream_customer_save(
        integration=integration, inbound=platform.customer_input(payload, integration)
    )


def _customer_deleted(
    integration: ShopIntegration, platform: ModuleType, payload: Payload
) -> Applied:
    return upstream_customer_deleted(
        integration=integration, external_id=platform.record_id(payload)
    )


def _customer_redact(
    integration: ShopIntegration, platform: ModuleType, payload: Payload
) -> Applied:
    return upstream_customer_redact(integration=integration, payload=payload)


def _shop_redact(integration: ShopIntegration, platform: ModuleType, payload: Payload) -> Applied:
    return upstream_shop_redact(integration=integration, payload=payload)


def _customer_data_request(
    integration: ShopIntegration, platform: ModuleType, payload: Payload
) -> Applied:
    return upstream_customer_data_request(integration=integration, payload=payload)


def _fulfilment(integration: ShopIntegration, platform: ModuleType, payload: Payload) -> Applied:
    if payload.get("status") != "success":
        return Applied("ignored", _("Fulfilment %s is not a success") % payload.get("status"))
    return upstream_order_fulfilled(
        integration=integration, reference=external_id(payload.get("order_id"))
    )


def _pickup_ready(integration: ShopIntegration, platform: ModuleType, payload: Payload) -> Applied:
    fulfilment_order_id, order_id, pickup = shopify.fulfilment_order_reference(payload)
    if not pickup:
        return Applied("ignored", _("Fulfilment order %s is not a pickup") % fulfilment_order_id)
    if order_id is None:
        # The webhook names only the fulfilment order: ask the shop which order it belongs to.
        with shopify.ShopifyClient(integration) as client:
            order_id = external_id(client.fulfilment_order(fulfilment_order_id)["order_id"])
    return upstream_pickup_ready(integration=integration, reference=order_id)


ACTIONS: dict[str, Callable[[ShopIntegration, ModuleType, Payload], Applied]] = {
    "order": _order,
    "order_deleted": _order_deleted,
    "refund": _refund,
    "customer": _customer,
    "customer_deleted": _customer_deleted,
    "customer_redact": _customer_redact,
    "shop_redact": _shop_redact,
    "customer_data_request": _customer_data_request,
    "fulfillment": _fulfilment,
    "pickup_ready": _pickup_ready,
}


def payload_apply(*, integration: ShopIntegration, action: str, payload: Payload) -> Applied:
    if not isinstance(payload, dict):
        raise ValueError("The payload is not a JSON object.")
    return ACTIONS[action](integration, PLATFORMS[integration.platform], payload)
