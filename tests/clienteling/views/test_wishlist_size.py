"""Adding to the wishlist: her size for the product's family is preselected (from her
preferences), the store's stock is shown when known, and the size chosen is saved."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from clienteling.models import Associate
from clienteling.sizes import preselected_size, recorded_size, size_keys
from customers.models import Customer
from journeys.models import WishlistItem
from omni.factories import ProductFactory
from omni.models import Product, StockLevel, Store

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
HER_SIZES = {"tops": "S", "trousers": "36", "coats": "36"}
WOMEN_NUMBERS = ["34", "36", "38", "40", "42", "44"]


def product(**fields: object) -> Product:
    defaults = {"attributes": {"sizes": WOMEN_NUMBERS}, "category": "Coats"}
    return ProductFactory.build(**{**defaults, **fields})


# The mapping from a product to her size ------------------------------------------------------


def test_the_family_comes_from_the_catalogue_then_from_the_category() -> None:
    assert size_keys(product(attributes={"size_group": "bottoms"}))[:2] == ("bottoms", "trousers")
    assert size_keys(product(category="Trench coats"))[0] == "coats"
    assert size_keys(product(category=" KNITWEAR "))[0] == "tops"
    assert size_keys(product(category="Dresses"))[0] == "dresses"
    assert size_keys(product(category="Bags", attributes={})) == ()
    # The catalogue's own word wins over the category.
    assert size_keys(product(category="Coats", attributes={"size_group": "belts"}))[0] == "belts"


def test_her_recorded_size_for_a_product() -> None:
    assert recorded_size(HER_SIZES, product(category="Trench coats")) == "36"
    assert recorded_size(HER_SIZES, product(category="Trousers")) == "36", "trousers = bottoms"
    assert recorded_size(HER_SIZES, product(category="Shirts")) == "S"
    assert recorded_size({"Coats": " 38 "}, product()) == "38", "keys and values are trimmed"
    assert recorded_size(HER_SIZES, product(category="Shoes")) == ""
    assert recorded_size({}, product()) == ""
    assert recorded_size(None, product()) == ""


def test_preselected_size_is_one_the_product_is_made_in() -> None:
    tops = product(category="Knitwear", attributes={"sizes": ["XS", "s", "M"]})
    assert preselected_size(HER_SIZES, tops) == "s", "spelled as the product lists it"
    assert preselected_size({"coats": "50"}, product()) == "", "not made in her size"
    assert preselected_size(HER_SIZES, product(attributes={})) == "36", "no list: her size"
    assert preselected_size(HER_SIZES, product(category="Bags", attributes={})) == ""


# The wishlist sheet ------------------------------------------------------------------------


@pytest.fixture
def her(customer: Customer) -> Customer:
    customer.preference.sizes = HER_SIZES
    customer.preference.save(update_fields=["sizes"])
    return customer


@pytest.fixture
def trench(store: Store) -> Product:
    trench = ProductFactory(
        name="Kensington trench",
        category="Trench coats",
        attributes={"size_group": "coats", "sizes": WOMEN_NUMBERS},
    )
    StockLevel.objects.create(store=store, product=trench, quantity=3)
    return trench


def options_html(client: Client, customer: Customer, query: str) -> str:
    response = client.get(
        reverse("clienteling:wishlist_sheet", args=[customer.pk]),
        {"q": query, "results": "1"},
        **HTMX,
    )
    assert response.status_code == 200
    return response.content.decode()


def option_of(html: str, name: str) -> str:
    (found,) = [
        form
        for form in re.findall(r'<form class="product-option".*?</form>', html, flags=re.DOTALL)
        if name in form
    ]
    return found


def test_her_size_is_preselected_and_the_stock_shown(
    associate_client: Client, her: Customer, trench: Product, store: Store, other_store: Store
) -> None:
    sweater = ProductFactory(
        name="Kensington sweater", category="Knitwear", attributes={"sizes": ["XS", "S", "M"]}
    )
    StockLevel.objects.create(store=store, product=sweater, quantity=0)
    StockLevel.objects.create(store=other_store, product=trench, quantity=4)
    bag = ProductFactory(name="Kensington tote", category="Bags", attributes={})
    StockLevel.objects.create(store=other_store, product=bag, quantity=9)
    html = options_html(associate_client, her, "kensington")

    trench_option = option_of(html, "Kensington trench")
    assert '<option value="36" selected>' in trench_option
    assert trench_option.count("selected") == 1
    assert "Her size: 36" in trench_option
    assert "3 in store" in trench_option

    sweater_option = option_of(html, "Kensington sweater")
    assert '<option value="S" selected>' in sweater_option
    assert "Out of stock in store" in sweater_option

    bag_option = option_of(html, "Kensington tote")
    assert 'name="size"' not in bag_option
    assert " in store" not in bag_option, "another store's stock is not this store's"
    assert "In stock in 1 other store" in bag_option
    assert "Her size" not in bag_option
    assert "other store" not in trench_option, "in stock here: no need to look elsewhere"


def test_a_size_she_does_not_have_is_not_preselected(
    associate_client: Client, her: Customer, trench: Product
) -> None:
    her.preference.sizes = {"coats": "50"}
    her.preference.save(update_fields=["sizes"])
    option = option_of(options_html(associate_client, her, "kensington"), "Kensington trench")
    assert "selected" not in option
    assert "Not made in her size (50)" in option


def test_the_size_chosen_is_saved_on_the_item(
    associate_client: Client, her: Customer, trench: Product
) -> None:
    response = associate_client.post(
        reverse("clienteling:wishlist_add", args=[her.pk]),
        {"product": trench.pk, "size": "36"},
        **HTMX,
    )
    assert response.status_code == 200, response.content.decode()
    item = WishlistItem.objects.get(wishlist__customer=her)
    assert (item.product, item.size) == (trench, "36")


def test_the_sheet_reads_a_bounded_number_of_queries(
    associate_client: Client,
    her: Customer,
    store: Store,
    associate: Associate,
    django_assert_max_num_queries: object,
) -> None:
    for number in range(12):
        item = ProductFactory(
            name=f"Kensington coat {number}",
            price=Decimal("990"),
            attributes={"sizes": WOMEN_NUMBERS},
        )
        StockLevel.objects.create(store=store, product=item, quantity=number)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        html = options_html(associate_client, her, "kensington")
    assert html.count('<option value="36" selected>') == 12
