"""Shopify's mandatory data protection webhooks that erase: `customers/redact` (a customer asked
the shop to erase her) and `shop/redact` (48 hours after the shop uninstalled the app).

customers/redact erases the person everywhere in Omni (privacy.erasure): the retailer is one
controller, whichever channel the request came through. shop/redact forgets what Omni holds
*from that shop* about its customers: the raw webhook bodies, the shop identities, the sync
errors, the outbound payloads to its endpoints, and the shop's credentials; the orders stay, as
the retailer's accounting records (pseudonymised when a person is erased).
"""

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from customers.models import Customer, ExternalIdentity
from customers.normalization import normalize_email
from journeys.integrations.models import OutboundDelivery, ShopIntegration, SyncRun, WebhookDelivery
from journeys.integrations.upstream import Applied
from journeys.integrations.values import external_id
from privacy.erasure import customer_erase
from privacy.models import DataRequest, Door


def upstream_customer_redact(*, integration: ShopIntegration, payload: dict[str, Any]) -> Applied:
    person = payload.get("customer")
    if not isinstance(person, dict):
        raise ValueError("customers/redact carries no customer object.")
    customer = customer_named(integration, person)
    if customer is None:
        return Applied("ignored", _("Customer unknown to Omni: nothing to erase"))
    outcome = customer_erase(customer=customer, door=Door.SHOP)
    if outcome.already_erased:
        return Applied("unchanged", _("Profile #%s was already erased") % customer.pk)
    return Applied("updated", _("Profile #%s erased, orders kept") % customer.pk)


def customer_named(integration: ShopIntegration, person: dict[str, Any]) -> Customer | None:
    """Her profile by the shop's id, else by her email when exactly one profile has it; a
    profile merged into another leads to the one it was merged into."""
    shop_id = external_id(person.get("id")) if person.get("id") is not None else ""
    identity = (
        ExternalIdentity.objects.select_related("customer")
        .filter(source=integration.source, external_id=shop_id)
        .first()
        if shop_id
        else None
    )
    customer = identity.customer if identity is not None else None
    email = normalize_email(person.get("email")) if isinstance(person.get("email"), str) else None
    if customer is None and email:
        matches = list(Customer.objects.filter(email=email, merged_into=None)[:2])
        customer = matches[0] if len(matches) == 1 else None
    while customer is not None and customer.merged_into_id is not None:
        customer = customer.merged_into
    return customer


def upstream_shop_redact(*, integration: ShopIntegration, payload: dict[str, Any]) -> Applied:
    WebhookDelivery.objects.filter(integration=integration).exclude(body=b"").update(
        body=b"", headers={}, error=""
    )
    identities, _by_model = ExternalIdentity.objects.filter(source=integration.source).delete()
    SyncRun.objects.filter(integration=integration).exclude(errors=[]).update(errors=[])
    OutboundDelivery.objects.filter(Q(endpoint__integration=integration), ~Q(body="")).update(
        body="", last_error=""
    )
    # The DPO's tasks from this shop keep their profile link and status, not what the shop
    # said of the person.
    DataRequest.objects.filter(integration=integration).update(
        email="", shop_customer_id="", orders_requested=[]
    )
    ShopIntegration.objects.filter(pk=integration.pk).update(
        is_active=False, api_key="", api_secret="", webhook_secret="", previous_webhook_secret=""
    )
    return Applied(
        "updated",
        _(
            "Shop data forgotten: stored bodies emptied, %(count)s shop identities removed, "
            "integration deactivated"
        )
        % {"count": identities},
    )
