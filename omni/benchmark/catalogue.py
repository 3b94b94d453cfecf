"""The benchmark's product catalogue: a department store's fashion, accessories and beauty.

Products are built in Python, deterministically, and written in one `INSERT … SELECT FROM
unnest(…)`. Their ids are 1..PRODUCT_COUNT, grouped by category in alphabetical order of the
category code, so that SQL can draw "a product of category c" from two integer arrays
(`category_starts`, `category_sizes`) and order categories by number as it would by name.
"""

import hashlib
import json
from dataclasses import dataclass

PRODUCT_COUNT = 2000

NO_SIZE, LETTER_SIZES, SHOE_SIZES = 0, 1, 2
# Customers' sizes, with their shares (permille): what order lines and wishlists carry.
SIZE_CHARTS = {
    LETTER_SIZES: (("XS", 80), ("S", 270), ("M", 350), ("L", 200), ("XL", 100)),
    SHOE_SIZES: (("36", 50), ("37", 150), ("38", 250), ("39", 270), ("40", 180), ("41", 100)),
}

FASHION_BRANDS = ("Maison Omni", "Atelier Nord", "Rive Douce", "Sable", "Les Essentiels")
ACCESSORY_BRANDS = ("Maison Omni", "Atelier Nord", "Céleste", "Maroquinerie Duval")
BEAUTY_BRANDS = ("Lumière", "Verdure", "Clair de Peau", "Fleur d'Oranger")
COLOURS = ("noir", "bleu marine", "écru", "camel", "rouge", "vert sauge", "gris chiné", "bordeaux")


@dataclass(frozen=True)
class Category:
    code: str
    department: str
    share: int  # permille of the catalogue
    prices: tuple[int, int]  # euros, lowest and highest
    size_chart: int
    brands: tuple[str, ...]
    kinds: tuple[str, ...]
    variants: tuple[str, ...]  # materials, finishes or volumes
    coloured: bool = True


CATEGORIES = (
    Category(
        "bags", "accessories", 90, (120, 1200), NO_SIZE, ACCESSORY_BRANDS,
        ("Sac cabas", "Sac seau", "Pochette", "Sac bandoulière", "Sac à dos", "Portefeuille"),
        ("en cuir grainé", "en cuir lisse", "en toile", "matelassé", "en daim"),
    ),
    Category(
        "coats", "fashion", 90, (190, 890), LETTER_SIZES, FASHION_BRANDS,
        ("Manteau droit", "Trench", "Caban", "Manteau long", "Doudoune", "Parka"),
        ("en laine", "en cachemire", "en coton", "en laine bouillie", "déperlant"),
    ),
    Category(
        "dresses", "fashion", 130, (79, 390), LETTER_SIZES, FASHION_BRANDS,
        ("Robe portefeuille", "Robe chemise", "Robe longue", "Robe midi plissée", "Robe droite"),
        ("en soie", "en crêpe", "en lin", "en coton", "en viscose", "en maille"),
    ),
    Category(
        "fragrance", "beauty", 70, (45, 220), NO_SIZE, BEAUTY_BRANDS,
        ("Eau de parfum", "Eau de toilette", "Brume parfumée", "Extrait de parfum"),
        ("Fleur de Nuit 50 ml", "Bois d'Ambre 100 ml", "Néroli 30 ml", "Iris Poudré 50 ml"),
        coloured=False,
    ),
    Category(
        "jewellery", "accessories", 80, (45, 690), NO_SIZE, ACCESSORY_BRANDS,
        ("Boucles d'oreilles créoles", "Collier", "Bracelet jonc", "Bague", "Pendentif"),
        ("en or", "en argent", "dorés", "en perles"),
        coloured=False,
    ),
    Category(
        "knitwear", "fashion", 100, (79, 390), LETTER_SIZES, FASHION_BRANDS,
        ("Pull col rond", "Pull col roulé", "Cardigan", "Gilet", "Pull col V"),
        ("en cachemire", "en laine mérinos", "en mohair", "en coton"),
    ),
    Category(
        "makeup", "beauty", 90, (15, 65), NO_SIZE, BEAUTY_BRANDS,
        ("Rouge à lèvres mat", "Mascara volume", "Fond de teint", "Blush", "Crayon sourcils"),
        ("teinte 01", "teinte 02", "teinte 03", "teinte 04", "teinte 05"),
        coloured=False,
    ),
    Category(
        "shirts", "fashion", 100, (39, 190), LETTER_SIZES, FASHION_BRANDS,
        ("Chemise", "Blouse", "Chemisier", "Top", "Tee-shirt"),
        ("en coton", "en popeline", "en soie", "en lin", "oversize"),
    ),
    Category(
        "shoes", "fashion", 90, (95, 590), SHOE_SIZES, FASHION_BRANDS,
        ("Escarpins", "Bottines", "Baskets", "Mocassins", "Sandales", "Ballerines"),
        ("en cuir", "en daim", "vernis", "en toile"),
    ),
    Category(
        "skincare", "beauty", 90, (19, 140), NO_SIZE, BEAUTY_BRANDS,
        ("Sérum hydratant", "Crème de jour", "Crème de nuit", "Huile démaquillante", "Masque"),
        ("30 ml", "50 ml", "75 ml", "200 ml"),
        coloured=False,
    ),
    Category(
        "trousers", "fashion", 70, (69, 260), LETTER_SIZES, FASHION_BRANDS,
        ("Pantalon large", "Pantalon cigarette", "Jean droit", "Jean slim", "Pantalon à pinces"),
        ("en laine", "en coton", "en lin", "en denim brut"),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Product:
    id: int
    category: Category
    sku: str
    name: str
    brand: str
    price: str  # euros with two decimals
    attributes: dict[str, object]


def _fraction(key: str) -> float:
    """A stable number in [0, 1) for `key`."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:6], "big") / 2**48


def _counts() -> list[int]:
    """Products per category, adding up to PRODUCT_COUNT exactly."""
    counts = [PRODUCT_COUNT * category.share // 1000 for category in CATEGORIES]
    counts[CATEGORIES.index(max(CATEGORIES, key=lambda c: c.share))] += PRODUCT_COUNT - sum(counts)
    return counts


def _price(category: Category, number: int) -> str:
    """Retail prices: cheap items common; beauty ends in .90, the rest in whole euros."""
    low, high = category.prices
    euros = round(low + (high - low) * _fraction(f"{category.code}:{number}:price") ** 2)
    cents = 90 if category.department == "beauty" else 0
    return f"{euros}.{cents:02d}"


def _product(product_id: int, category: Category, number: int) -> Product:
    kind = category.kinds[number % len(category.kinds)]
    variant = category.variants[(number // len(category.kinds)) % len(category.variants)]
    colour = COLOURS[(number * 7 + len(category.code)) % len(COLOURS)]
    name = f"{kind} {variant}" + (f", {colour}" if category.coloured else "")
    attributes: dict[str, object] = {"colour": colour} if category.coloured else {}
    if category.size_chart != NO_SIZE:
        attributes["sizes"] = [size for size, _ in SIZE_CHARTS[category.size_chart]]
    return Product(
        id=product_id,
        category=category,
        sku=f"{category.code[:3].upper()}-{product_id:05d}",
        name=name,
        brand=category.brands[int(_fraction(f"{category.code}:{number}") * len(category.brands))],
        price=_price(category, number),
        attributes=attributes,
    )


def products() -> list[Product]:
    built: list[Product] = []
    for category, count in zip(CATEGORIES, _counts(), strict=True):
        built.extend(_product(len(built) + 1, category, number) for number in range(count))
    return built


def catalogue_parameters() -> dict[str, list]:
    """The catalogue as arrays: columns for `unnest`, and lookups indexed by product id or
    category number (1-based, alphabetical)."""
    rows = products()
    counts = _counts()
    return {
        "product_skus": [product.sku for product in rows],
        "product_names": [product.name for product in rows],
        "product_brands": [product.brand for product in rows],
        "product_departments": [product.category.department for product in rows],
        "product_categories": [product.category.code for product in rows],
        "product_prices": [product.price for product in rows],
        "product_attributes": [json.dumps(product.attributes) for product in rows],
        "product_price_cents": [round(float(product.price) * 100) for product in rows],
        "product_size_charts": [product.category.size_chart for product in rows],
        "product_category_numbers": [CATEGORIES.index(product.category) + 1 for product in rows],
        "category_codes": [category.code for category in CATEGORIES],
        "category_starts": [1 + sum(counts[:index]) for index in range(len(CATEGORIES))],
        "category_sizes": counts,
    }
