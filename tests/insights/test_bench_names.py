"""The benchmark dataset's plain data: name pools, phone ranges, email forms and catalogue.

No database: these are the Python inputs the SQL generator draws from (see
test_bench_dashboards.py for the generated rows).
"""

import itertools
from decimal import Decimal

import phonenumbers

from omni.benchmark import catalogue, names, people


def pools() -> dict[str, names.Pool]:
    return {pool.key: pool for pool in names.name_pools()}


def share(pool: names.Pool, name: str) -> float:
    return pool.weights[pool.names.index(name)] / sum(pool.weights)


def test_pools_are_deterministic_without_duplicates() -> None:
    assert names.name_pools() == names.name_pools()
    assert names.pool_parameters(names.name_pools()) == names.pool_parameters(names.name_pools())
    for pool in names.name_pools():
        assert len(set(pool.names)) == len(pool.names), pool.key


def test_locales_are_mostly_french() -> None:
    permilles = {locale.code: locale.permille for locale in names.LOCALES}
    assert sum(permilles.values()) == 1000
    assert permilles["fr_FR"] == 800


def test_common_surnames_are_common_but_not_overwhelming() -> None:
    french = pools()["fr_FR:last"]
    french_share = 0.8
    assert french.names[0] == "Martin"
    assert 0.005 <= share(french, "Martin") * french_share <= 0.01
    top_ten = sorted(french.weights, reverse=True)[:10]
    assert sum(top_ten) / sum(french.weights) * french_share < 0.08
    # The long tail: thousands of rare surnames, none of them a listed one twice.
    assert len(french.names) > 10_000
    assert len(set(french.names)) == len(french.names)
    assert min(french.weights) >= 1


def test_french_pools_hold_compound_accented_and_particle_names() -> None:
    every = pools()
    female, male, last = every["fr_FR:female"], every["fr_FR:male"], every["fr_FR:last"]
    assert female.names[0] == "Marie"
    assert {"Marie-Claire", "Anne-Sophie", "Hélène"} <= set(female.names)
    assert {"Jean-Pierre", "François"} <= set(male.names)
    assert {"Lefèvre", "N'Diaye", "de la Fontaine", "Le Gall"} <= set(last.names)
    assert "O'Brien" in every["en_GB:last"].names
    assert "Müller" in every["de_DE:last"].names
    compound = sum(share(female, name) for name in names.COMPOUND_FIRST_NAMES["female"])
    assert 0.07 <= compound <= 0.09


def test_no_pool_holds_abbreviations() -> None:
    for pool in names.name_pools():
        if not pool.key.startswith("domain:"):
            assert all(names._is_plain_name(name) for name in pool.names), pool.key


def test_email_slugs_fold_accents_and_drop_spaces_and_apostrophes() -> None:
    assert names.email_slug("Hélène") == "helene"
    assert names.email_slug("N'Diaye") == "ndiaye"
    assert names.email_slug("de la Fontaine") == "delafontaine"
    assert names.email_slug("Müller") == "muller"
    assert names.email_slug("Marie-Ève") == "marie-eve"
    assert names.email_slug("Strauß") == "strauss"


def test_email_forms_cover_every_address() -> None:
    assert sum(permille for permille, _form in people.EMAIL_FORMS) == 1000
    assert sum(share for _domain, share in names.EMAIL_DOMAINS["france"]) == 1000
    assert dict(names.EMAIL_DOMAINS["france"])["gmail.com"] == 350


def _numbers(plan: tuple[tuple[str, ...], int]) -> list[str]:
    prefixes, digits = plan
    endings = ["0" * digits, "9" * digits, "1234567890"[:digits], "5" * digits]
    return [prefix + ending for prefix, ending in itertools.product(prefixes, endings)]


def test_every_phone_range_gives_valid_numbers() -> None:
    plans = [
        people.FRENCH_MOBILE_6,
        people.FRENCH_MOBILE_7,
        people.FRENCH_LANDLINE,
        people.CROSS_BORDER,
        *people.FOREIGN_PHONES.values(),
    ]
    for plan in plans:
        for number in _numbers(plan):
            parsed = phonenumbers.parse(number)
            assert phonenumbers.is_valid_number(parsed), number
            assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == (
                number
            )


def test_catalogue_is_grouped_by_category_in_alphabetical_order() -> None:
    codes = [category.code for category in catalogue.CATEGORIES]
    assert codes == sorted(codes)
    assert sum(category.share for category in catalogue.CATEGORIES) == 1000
    products = catalogue.products()
    assert [product.id for product in products] == list(range(1, catalogue.PRODUCT_COUNT + 1))
    assert len({product.sku for product in products}) == catalogue.PRODUCT_COUNT
    parameters = catalogue.catalogue_parameters()
    for number, (start, size) in enumerate(
        zip(parameters["category_starts"], parameters["category_sizes"], strict=True), 1
    ):
        grouped = products[start - 1 : start - 1 + size]
        assert {product.category.code for product in grouped} == {codes[number - 1]}
    for product in products:
        low, high = product.category.prices
        assert low <= Decimal(product.price) <= high + 1
        assert ("sizes" in product.attributes) == (product.category.size_chart != 0)
