"""The products an associate may add to a customer's wishlist, with her size for each and the
stock of the associate's store."""

from dataclasses import dataclass

from django.db.models import Count

from clienteling.selectors.search import product_search
from clienteling.sizes import preselected_size, product_sizes, recorded_size
from customers.models import Customer
from omni.models import Product, StockLevel, Store


@dataclass(frozen=True)
class ProductOption:
    product: Product
    sizes: list[str]
    # Her size, as one of `sizes` (or free text when the product lists none); "" if unknown.
    her_size: str
    # Her recorded size for the product's family when the product is not made in it.
    size_not_offered: str
    # Units in the associate's store; None when the store keeps no stock figure for it.
    in_store: int | None
    # How many other stores have some, when hers has none (to order it from one of them).
    other_stores: int = 0


def _sizes_of(customer: Customer) -> dict:
    preference = getattr(customer, "preference", None)
    return dict(preference.sizes or {}) if preference is not None else {}


def store_stock(store: Store, products: list[Product]) -> dict[int, int]:
    """Units of each product in `store` (one query); products it keeps no figure for are absent."""
    return dict(
        StockLevel.objects.filter(store=store, product__in=products).values_list(
            "product_id", "quantity"
        )
    )


def stores_with_stock(store: Store, products: list[Product]) -> dict[int, int]:
    """How many stores other than `store` have each product in stock (one query)."""
    return dict(
        StockLevel.objects.filter(product__in=products, quantity__gt=0)
        .exclude(store=store)
        .values("product_id")
        .annotate(stores=Count("store_id"))
        .order_by()
        .values_list("product_id", "stores")
    )


def wishlist_product_options(
    query: str, *, customer: Customer, store: Store
) -> list[ProductOption]:
    """The products matching `query` (three queries), each with her size preselected."""
    products = product_search(query)
    stock = store_stock(store, products) if products else {}
    elsewhere = stores_with_stock(store, products) if products else {}
    sizes = _sizes_of(customer)
    options = []
    for product in products:
        her_size = preselected_size(sizes, product)
        recorded = recorded_size(sizes, product)
        options.append(
            ProductOption(
                product=product,
                sizes=product_sizes(product),
                her_size=her_size,
                size_not_offered=recorded if recorded and not her_size else "",
                in_store=stock.get(product.pk),
                other_stores=elsewhere.get(product.pk, 0) if not stock.get(product.pk) else 0,
            )
        )
    return options
