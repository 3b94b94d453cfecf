"""Which of a customer's recorded sizes fits a product.

Preferences keep sizes by garment family, e.g. {"tops": "S", "trousers": "36", "coats": "36"};
the keys come from the e-shop, the tills and the associates, so several names mean one family
("trousers" or "bottoms"). A product names its family in `attributes["size_group"]` (the
catalogue's own word) or, failing that, through its category ("Trench coats" → coats).
"""

from collections.abc import Mapping

from omni.models import Product

# The names a preference may use for each family, the family's own name first.
SIZE_FAMILIES: dict[str, tuple[str, ...]] = {
    "coats": ("coats", "coat", "outerwear", "jackets"),
    "tops": ("tops", "top", "knitwear", "shirts"),
    "bottoms": ("bottoms", "trousers", "pants", "skirts"),
    "dresses": ("dresses", "dress", "bottoms", "trousers"),
    "shoes": ("shoes", "shoe"),
    "belts": ("belts", "belt"),
}

# Product categories (lower case) and the family whose size applies.
CATEGORY_FAMILIES: dict[str, str] = {
    "coats": "coats",
    "trench coats": "coats",
    "jackets": "coats",
    "outerwear": "coats",
    "knitwear": "tops",
    "shirts": "tops",
    "tops": "tops",
    "t-shirts": "tops",
    "trousers": "bottoms",
    "skirts": "bottoms",
    "jeans": "bottoms",
    "dresses": "dresses",
    "shoes": "shoes",
    "belts": "belts",
}


def size_keys(product: Product) -> tuple[str, ...]:
    """The preference keys that may hold the customer's size for `product`, best first;
    empty for products sold without sizes (bags, make-up...)."""
    family = str((product.attributes or {}).get("size_group") or "").strip().lower()
    if not family:
        family = CATEGORY_FAMILIES.get(product.category.strip().lower(), "")
    if not family:
        return ()
    return SIZE_FAMILIES.get(family, (family,))


def recorded_size(sizes: Mapping[str, object] | None, product: Product) -> str:
    """Her recorded size for `product`'s family ("" if none is recorded)."""
    by_key = {str(key).strip().lower(): str(value).strip() for key, value in (sizes or {}).items()}
    for key in size_keys(product):
        if by_key.get(key):
            return by_key[key]
    return ""


def product_sizes(product: Product) -> list[str]:
    """The sizes the product is made in, as the catalogue lists them."""
    sizes = (product.attributes or {}).get("sizes") or []
    return [str(size) for size in sizes] if isinstance(sizes, list | tuple) else []


def preselected_size(sizes: Mapping[str, object] | None, product: Product) -> str:
    """Her size for `product`, spelled as one of the product's sizes; "" when she has none
    recorded for its family or the product is not made in it."""
    size = recorded_size(sizes, product)
    offered = product_sizes(product)
    if not size or not offered:
        return size if not offered else ""
    return next((option for option in offered if option.lower() == size.lower()), "")
