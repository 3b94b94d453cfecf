"""The products an associate may add to a customer's wishlist, with her size for each and the
stock of the associate's store."""

from dataclasses import dataclass

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


def wishlist_product_options(
    query: str, *, customer: Customer, store: Store
) -> list[ProductOption]:
    """The products matching `query` (two queries), each with her size preselected."""
    products = product_search(query)
    stock = store_stock(store, products) if products else {}
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
            )
        )
    return options
