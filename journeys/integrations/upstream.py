"""Applying what a shop reports: orders, refunds, customers, deletions, pickups ready.

Platform-neutral: shopify.py and woocommerce.py turn payloads into the inputs below, and the
webhook inbox and the reconciliation pull both call these functions, so a record is applied the
same way whichever path brought it. Each function is idempotent and returns its outcome.
"""

import dataclasses
import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.identity import InboundCustomer, customer_resolve
from customers.models import Customer, CustomerMerge, DuplicateSuggestion, ExternalIdentity
from journeys.ingest import ACTIVE_PICKUP_STATUSES, OrderInput, orders_write
from journeys.integrations.models import ShopIntegration
from journeys.integrations.values import CENT, ZERO
from journeys.lifecycle.services import lifecycle_refresh_queue
from journeys.models import Fulfilment, Order, OrderLine, Pickup, Return, ReturnLine
from journeys.services import (
    order_set_status,
    order_tax_is_added,
    orders_mark_changed,
    pickup_cancel,
    pickup_create,
    pickup_mark_ready,
    pickup_start_preparing,
)
from omni.errors import DomainError
from omni.models import Channel
from privacy.erasure import customer_erase
from privacy.models import Door

Outcome = Literal["created", "updated", "unchanged", "stale", "ignored"]
# Rows that describe the profile itself, or who looked at it, rather than a relationship
# with the retailer (labels, so that journeys does not import the apps above it).
NOT_A_RELATIONSHIP = (
    "customers.Address",
    "customers.Preference",
    "customers.Consent",
    "clienteling.ProfileAccess",
    # Derived from her activity by the lifecycle computation, not a relationship of its own.
    "journeys.CustomerMetrics",
    "journeys.LifecycleStageChange",
    "segments.SegmentFacts",
    # The DPO's records: a subject access export is not a relationship with the retailer.
    "privacy.SubjectExport",
    "privacy.Erasure",
    "privacy.DataRequest",
)


class UpstreamRecordMissing(Exception):  # noqa: N818 - a state, not a bug: retried later
    """The event is about a record Omni has not received yet (e.g. a refund before its order)."""


@dataclasses.dataclass(frozen=True)
class RefundLineInput:
    sku: str
    quantity: int
    amount: Decimal
    # Counted in the refund when the shop adds tax to prices (see RefundInput).
    tax: Decimal = ZERO


@dataclasses.dataclass(frozen=True)
class RefundInput:
    """A refund as a shop reports it, in `currency` (the order's when empty).

    Lines, shipping and tax are positive; `adjustment` is what the shop declares beyond them
    (positive: more given back; negative: a refund discrepancy, less given back). `amount` is
    what the shop says it paid back (its refund transactions), when it says so: it is the
    authority on money, and what lines, shipping and adjustment do not explain becomes the
    adjustment. `prices_include_tax` None: as the order was recorded.
    """

    external_reference: str
    order_reference: str
    refunded_at: datetime.datetime
    amount: Decimal | None = None
    currency: str = ""
    reason: str = ""
    lines: tuple[RefundLineInput, ...] = ()
    shipping: Decimal = ZERO
    shipping_tax: Decimal = ZERO
    adjustment: Decimal = ZERO
    adjustment_reason: str = ""
    prices_include_tax: bool | None = None


@dataclasses.dataclass(frozen=True)
class RefundParts:
    """A refund as Omni records it: `amount` = lines + shipping + adjustment."""

    amount: Decimal
    lines: list[tuple[OrderLine, int, Decimal]]
    shipping: Decimal
    adjustment: Decimal
    adjustment_reason: str


@dataclasses.dataclass
class Applied:
    outcome: Outcome
    message: str


def upstream_order_save(
    *, integration: ShopIntegration, data: OrderInput, refunds: Sequence[RefundInput] = ()
) -> Applied:
    """Upsert the order, then the refunds it lists; raises a DomainError if it is refused."""
    applied = upstream_orders_save(integration=integration, items=[(data, refunds)])[0]
    if isinstance(applied, DomainError):
        raise applied
    return applied


def upstream_orders_save(
    *,
    integration: ShopIntegration,
    items: Sequence[tuple[OrderInput, Sequence[RefundInput]]],
) -> list[Applied | DomainError]:
    """Upsert orders together (`orders_write`: a webhook's one, a pulled page's many), then the
    refunds each lists that are not recorded yet. An order refused, or whose refunds are,
    comes back as its DomainError; the others are written."""
    inputs = _keep_click_and_collect([data for data, _refunds in items])
    results = orders_write(inputs)
    recorded = upstream_refunds_recorded(
        integration=integration,
        references=[refund.external_reference for _data, refunds in items for refund in refunds],
    )
    applied: list[Applied | DomainError] = []
    for (data, refunds), result in zip(items, results, strict=True):
        if result.failed:
            message = next(iter((result.errors or {}).values()), [_("Refused.")])[0]
            applied.append(DomainError(message, code=result.code))
            continue
        try:
            created = _refunds_save(
                integration,
                [refund for refund in refunds if refund.external_reference not in recorded],
            )
        except DomainError as error:
            applied.append(error)
            continue
        applied.append(_order_applied(data, result.status, created))
    return applied


def _refunds_save(integration: ShopIntegration, refunds: list[RefundInput]) -> list[RefundInput]:
    """Record the refunds, all or none; returns those this call recorded."""
    if not refunds:
        return []
    with transaction.atomic():
        return [
            refund
            for refund in refunds
            if upstream_refund_save(integration=integration, refund=refund).outcome == "created"
        ]


def _order_applied(data: OrderInput, outcome: str, new_refunds: list[RefundInput]) -> Applied:
    if new_refunds and outcome == "unchanged":
        outcome = "updated"
    message = _("Order %(reference)s %(outcome)s") % {
        "reference": data.external_reference,
        "outcome": outcome,
    }
    if new_refunds:
        message += _(", %(count)s refund(s) recorded") % {"count": len(new_refunds)}
    return Applied(outcome, message)  # type: ignore[arg-type] - an order's outcome


def _keep_click_and_collect(orders: list[OrderInput]) -> list[OrderInput]:
    """A pickup opened from a fulfilment event stays: later order payloads may not mention it."""
    elsewhere = [data for data in orders if data.fulfilment != Fulfilment.CLICK_AND_COLLECT]
    if not elsewhere:
        return orders
    collected = {
        (source, reference): store_code
        for source, reference, store_code in Order.objects.filter(
            source__in={data.source for data in elsewhere},
            external_reference__in={data.external_reference for data in elsewhere},
            pickup__isnull=False,
            store__isnull=False,
        ).values_list("source", "external_reference", "store__code")
    }

    def kept(data: OrderInput) -> OrderInput:
        store_code = collected.get((data.source, data.external_reference))
        if store_code is None or data.fulfilment == Fulfilment.CLICK_AND_COLLECT:
            return data
        return dataclasses.replace(
            data, fulfilment=Fulfilment.CLICK_AND_COLLECT, store_code=store_code
        )

    return [kept(data) for data in orders]


def _order_for(integration: ShopIntegration, reference: str) -> Order:
    order = Order.objects.filter(source=integration.source, external_reference=reference).first()
    if order is None:
        raise UpstreamRecordMissing(
            _("Order %(reference)s has not been received from %(shop)s yet.")
            % {"reference": reference, "shop": integration}
        )
    return order


def upstream_refunds_recorded(*, integration: ShopIntegration, references: list[str]) -> set[str]:
    """Which of these refunds of the shop are recorded already (refunds are recorded once)."""
    return set(
        Return.objects.filter(
            source=integration.source, external_reference__in=references
        ).values_list("external_reference", flat=True)
    )


def upstream_refund_save(*, integration: ShopIntegration, refund: RefundInput) -> Applied:
    """Record a refund as a Return, once: refunds are immutable upstream."""
    order = _order_for(integration, refund.order_reference)
    already = _("Refund %s already recorded") % refund.external_reference
    if upstream_refunds_recorded(integration=integration, references=[refund.external_reference]):
        return Applied("unchanged", already)
    parts = refund_parts(order, refund)
    try:
        with transaction.atomic():
            parent = Return.objects.create(
                order=order,
                customer_id=order.customer_id,
                source=integration.source,
                external_reference=refund.external_reference,
                channel=Channel.WEB,
                status=Return.Status.REFUNDED,
                returned_at=refund.refunded_at,
                reason=refund.reason[:200],
                refund_amount=parts.amount,
                shipping_refund=parts.shipping,
                adjustment=parts.adjustment,
                adjustment_reason=parts.adjustment_reason[:200],
                currency=refund.currency or order.currency,
                source_updated_at=refund.refunded_at,
            )
            ReturnLine.objects.bulk_create(
                ReturnLine(parent=parent, order_line=line, quantity=quantity, refund_amount=amount)
                for line, quantity, amount in parts.lines
            )
            orders_mark_changed(order_ids=[order.pk])
            lifecycle_refresh_queue(customer_ids=[order.customer_id])
    except IntegrityError:
        # A concurrent delivery of the same refund recorded it first.
        return Applied("unchanged", already)
    return Applied("created", _("Refund %s recorded") % refund.external_reference)


def refund_parts(order: Order, refund: RefundInput) -> RefundParts:
    """What the refund is made of, adding up to what was paid back (see RefundInput)."""
    tax_included = (
        refund.prices_include_tax
        if refund.prices_include_tax is not None
        else not order_tax_is_added(order)
    )

    def with_tax(amount: Decimal, tax: Decimal) -> Decimal:
        return (abs(amount) if tax_included else abs(amount) + abs(tax)).quantize(CENT)

    matched, unmatched = _match_refund_lines(order, refund.lines)
    lines = [(line, item.quantity, with_tax(item.amount, item.tax)) for line, item in matched]
    lines_amount = sum((amount for _line, _quantity, amount in lines), ZERO)
    shipping = with_tax(refund.shipping, refund.shipping_tax)
    unmatched_amount = sum((with_tax(item.amount, item.tax) for item in unmatched), ZERO)
    declared = lines_amount + shipping + unmatched_amount + refund.adjustment.quantize(CENT)
    paid = declared if refund.amount is None else abs(refund.amount).quantize(CENT)
    if paid < 0:
        raise DomainError(_("A refund cannot be negative."), code="invalid")
    reasons = []
    if refund.adjustment:
        reasons.append(refund.adjustment_reason.strip() or _("adjustment made in the shop"))
    reasons += _unmatched_reasons(unmatched)
    if paid != declared:
        reasons.append(
            _("refund discrepancy: %(paid)s paid back for %(declared)s of lines and shipping")
            % {"paid": paid, "declared": declared}
        )
    adjustment = paid - lines_amount - shipping
    return RefundParts(
        amount=paid,
        lines=lines,
        shipping=shipping,
        adjustment=adjustment,
        adjustment_reason="; ".join(reasons) if adjustment else "",
    )


def _unmatched_reasons(unmatched: list[RefundLineInput]) -> list[str]:
    not_in_order = [item.sku or "?" for item in unmatched if item.quantity > 0]
    amount_only = [item.sku or "?" for item in unmatched if item.quantity <= 0]
    reasons = []
    if not_in_order:
        reasons.append(_("lines not in the order: %s") % ", ".join(not_in_order))
    if amount_only:
        reasons.append(_("refunded on lines kept by the customer: %s") % ", ".join(amount_only))
    return reasons


def _match_refund_lines(
    order: Order, items: Sequence[RefundLineInput]
) -> tuple[list[tuple[OrderLine, RefundLineInput]], list[RefundLineInput]]:
    """Each refunded item with the order line it refunds: the first line of its SKU with that
    many items still to return. Items matching no line stay apart (their amount is kept)."""
    order_lines = list(order.lines.order_by("line_number"))
    returned = dict(
        ReturnLine.objects.filter(order_line__order=order)
        .exclude(parent__status=Return.Status.REJECTED)
        .values_list("order_line")
        .annotate(total=Sum("quantity"))
    )
    left = {line.pk: line.quantity - returned.get(line.pk, 0) for line in order_lines}
    matched, unmatched = [], []
    for item in items:
        line = next(
            (
                line
                for line in order_lines
                if line.sku == item.sku and item.quantity > 0 and left[line.pk] >= item.quantity
            ),
            None,
        )
        if line is None:
            unmatched.append(item)
            continue
        left[line.pk] -= item.quantity
        matched.append((line, item))
    return matched, unmatched


def upstream_order_deleted(*, integration: ShopIntegration, reference: str) -> Applied:
    """Keep the order for the customer's history; cancel it if it was still open."""
    order = Order.objects.filter(source=integration.source, external_reference=reference).first()
    if order is None:
        return Applied("ignored", _("Order %s is unknown; nothing to delete") % reference)
    note = _("Deleted in %s") % integration
    changed = False
    if order.status in (Order.Status.PENDING, Order.Status.CONFIRMED):
        order = order_set_status(order=order, status=Order.Status.CANCELLED, actor=None, note=note)
        changed = True
    pickup = Pickup.objects.filter(order=order, status__in=ACTIVE_PICKUP_STATUSES).first()
    if pickup is not None:
        pickup_cancel(pickup=pickup, actor=None, reason=note)
        changed = True
    return Applied(
        "updated" if changed else "unchanged",
        _("Order %(reference)s deleted upstream; kept as %(status)s for the history")
        % {"reference": reference, "status": order.status},
    )


def upstream_order_fulfilled(*, integration: ShopIntegration, reference: str) -> Applied:
    order = _order_for(integration, reference)
    if order.status != Order.Status.CONFIRMED:
        return Applied(
            "unchanged",
            _("Order %(reference)s is %(status)s")
            % {"reference": reference, "status": order.status},
        )
    order_set_status(
        order=order,
        status=Order.Status.FULFILLED,
        actor=None,
        note=_("Fulfilled in %s") % integration,
    )
    return Applied("updated", _("Order %s fulfilled") % reference)


def upstream_pickup_ready(*, integration: ShopIntegration, reference: str) -> Applied:
    """The shop says the parcel is ready: open the pickup if needed and move it to ready.

    Not for a cancelled order, whose parcel is not to be collected: the event is ignored
    (and kept, with why, in the delivery's outcome).
    """
    order = _order_for(integration, reference)
    cancelled = Applied(
        "ignored", _("Order %s is cancelled: its pickup is not made ready") % reference
    )
    if order.status == Order.Status.CANCELLED:
        return cancelled
    try:
        with transaction.atomic():
            return _pickup_make_ready(integration, order, reference)
    except DomainError as error:
        # Cancelled meanwhile: the services read the order's status under its lock.
        if error.code != "order_cancelled":
            raise
        return cancelled


def _pickup_make_ready(integration: ShopIntegration, order: Order, reference: str) -> Applied:
    pickup = Pickup.objects.filter(order=order).first() or _open_pickup(integration, order)
    if pickup.status == Pickup.Status.PLACED:
        pickup = pickup_start_preparing(pickup=pickup, actor=None)
    if pickup.status == Pickup.Status.PREPARING:
        pickup_mark_ready(pickup=pickup, actor=None)
        return Applied("updated", _("Pickup of order %s ready") % reference)
    return Applied(
        "unchanged",
        _("Pickup of order %(reference)s is %(status)s")
        % {"reference": reference, "status": pickup.status},
    )


def _open_pickup(integration: ShopIntegration, order: Order) -> Pickup:
    store = integration.pickup_store
    if store is None:
        raise DomainError(
            _("%s has no store for click & collect; set one on the integration.") % integration,
            code="unknown_store",
        )
    Order.objects.filter(pk=order.pk).update(
        fulfilment=Fulfilment.CLICK_AND_COLLECT, store=store, updated_at=timezone.now()
    )
    return pickup_create(order=order, store=store)


def upstream_customer_save(*, integration: ShopIntegration, inbound: InboundCustomer) -> Applied:
    resolution = customer_resolve(inbound)
    if resolution.created:
        outcome: Outcome = "created"
    elif resolution.matched_on != "external_id":
        outcome = "updated"  # An existing profile was linked to this shop's customer.
    else:
        outcome = "unchanged"
    return Applied(
        outcome,
        _("Customer %(id)s → profile #%(pk)s (%(key)s)")
        % {"id": inbound.external_id, "pk": resolution.customer.pk, "key": resolution.matched_on},
    )


@transaction.atomic
def upstream_customer_deleted(*, integration: ShopIntegration, external_id: str) -> Applied:
    """GDPR, not a hard delete: unlink the shop's identity; erase the profile if nothing else
    ties the customer to the retailer. Orders and returns stay, attached to the profile."""
    identity = (
        ExternalIdentity.objects.select_for_update()
        .select_related("customer")
        .filter(source=integration.source, external_id=external_id)
        .first()
    )
    if identity is None:
        return Applied("ignored", _("Customer %s is unknown; nothing to delete") % external_id)
    customer = identity.customer
    unlinked = _("Identity %(source)s:%(id)s unlinked from profile #%(pk)s") % {
        "source": integration.source,
        "id": external_id,
        "pk": customer.pk,
    }
    if _has_other_relationship(customer, integration, identity):
        identity.delete()
        return Applied("updated", unlinked + _("; profile kept (other identities or activity)"))
    # The erasure deletes the identity itself, after reading her shop id to redact it.
    customer_erase(customer=customer, door=Door.SHOP)
    return Applied("updated", unlinked + _("; profile pseudonymised, orders kept"))


def _has_other_relationship(
    customer: Customer, integration: ShopIntegration, identity: ExternalIdentity
) -> bool:
    """Anything beyond this shop's orders and the profile's own data: another identity, a
    store order, a ticket, an appointment, a note... (every app's tables, found by relation)."""
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if model in (Customer, DuplicateSuggestion, CustomerMerge):
            continue
        if model._meta.label in NOT_A_RELATIONSHIP:
            continue
        rows = model._default_manager.filter(**{relation.field.name: customer})
        if model is ExternalIdentity:
            rows = rows.exclude(pk=identity.pk)
        elif model is Order:
            rows = rows.filter(~Q(source=integration.source))
        elif model in (Pickup, Return):  # they carry the customer of this shop's orders
            rows = rows.filter(~Q(order__source=integration.source))
        if rows.exists():
            return True
    return False
