"""What the wishlist triggers last saw of each wished-for product, and what changed since.

Products carry no price or stock history, so each wishlist trigger keeps its own snapshot
(`WatchedProduct`) of the products on active wishlists and compares it with the catalogue at
each run. A product seen for the first time only sets the reference: nothing fires.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from clienteling.models import Trigger, WatchedProduct
from journeys.models import WishlistItem
from omni.models import Product, StockLevel

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ProductChange:
    product: Product
    back_in_stock: bool
    previous_price: Decimal
    price_dropped: bool


def active_wishlist_items() -> QuerySet[WishlistItem]:
    """Items still wished for by a customer who is neither erased nor merged."""
    return WishlistItem.objects.filter(
        removed_at__isnull=True,
        wishlist__customer__erased_at__isnull=True,
        wishlist__customer__merged_into__isnull=True,
    )


def _wished_products() -> QuerySet[Product]:
    in_stock = StockLevel.objects.filter(
        product=OuterRef("pk"), quantity__gt=0, store__is_active=True
    )
    wished = active_wishlist_items().values("product_id")
    return Product.objects.filter(pk__in=wished).annotate(in_stock=Exists(in_stock))


def _compare(trigger: Trigger, product: Product, seen: WatchedProduct) -> ProductChange:
    drop = HUNDRED - trigger.minimum_price_drop_percent
    dropped = product.price * HUNDRED <= seen.price * drop
    change = ProductChange(
        product=product,
        back_in_stock=product.in_stock and not seen.in_stock,
        previous_price=seen.price,
        price_dropped=dropped,
    )
    # The reference follows rises and announced drops: small drops add up.
    if dropped or product.price > seen.price:
        seen.price = product.price
    seen.in_stock = product.in_stock
    return change


def wished_product_changes(trigger: Trigger, now: datetime.datetime) -> list[ProductChange]:
    """Compare the wished-for products with the trigger's snapshot, then update it."""
    seen = {row.product_id: row for row in WatchedProduct.objects.filter(trigger=trigger)}
    changes, new_rows, moved = [], [], []
    for product in _wished_products():
        previous = seen.pop(product.pk, None)
        if previous is None:
            new_rows.append(
                WatchedProduct(
                    trigger=trigger,
                    product=product,
                    price=product.price,
                    in_stock=product.in_stock,
                    seen_at=now,
                )
            )
            continue
        before = (previous.price, previous.in_stock)
        changes.append(_compare(trigger, product, previous))
        if (previous.price, previous.in_stock) != before:
            previous.seen_at = now
            moved.append(previous)
    WatchedProduct.objects.bulk_create(new_rows, ignore_conflicts=True)
    WatchedProduct.objects.bulk_update(moved, ["price", "in_stock", "seen_at"], batch_size=500)
    # No longer wished for: forget it, so that a later wish starts from a fresh reference.
    if seen:
        wished = active_wishlist_items().values("product_id")
        WatchedProduct.objects.filter(trigger=trigger).exclude(product_id__in=wished).delete()
    return [change for change in changes if change.back_in_stock or change.price_dropped]
