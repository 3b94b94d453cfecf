"""Head office edits preferences as fields (issue 13, item 9): a size per family, brands and
categories typed with commas, contact channel and fit as choices; keys without a field are
kept; bad input is refused and changes nothing. The lifecycle stage is computed, never typed."""

import pytest
from django.test import Client

from customers.factories import CustomerFactory, PreferenceFactory
from customers.models import Customer, Preference
from tests.admin_helpers import admin_url, inline_management_data

pytestmark = pytest.mark.django_db


def _form_data(page: object) -> dict[str, object]:
    """What the browser would post back: the form's fields as rendered."""
    form = page.context["adminform"].form  # type: ignore[attr-defined]
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = field.prepare_value(value) if value is not None else ""
    return data


def test_preferences_are_fields_and_keys_without_a_field_are_kept(admin_client: Client) -> None:
    preference = PreferenceFactory(
        sizes={"tops": "M", "gloves": "7"},
        favourite_brands=["Maison Omni"],
        favourite_categories=["Coats"],
        attributes={"contact_by": "sms", "brow_shade": "4"},
    )
    url = admin_url(Preference, "change", preference.pk)
    page = admin_client.get(url)
    html = page.content.decode()
    assert 'name="size_tops"' in html
    assert 'name="contact_by"' in html
    form = page.context["adminform"].form
    assert form.fields["favourite_brands"].label == "Favourite brands", "labels read as titles"
    assert form.fields["other_sizes"].label == "Other sizes"
    assert form.initial["size_tops"] == "M"
    assert form.initial["contact_by"] == "sms"
    assert form.initial["favourite_brands"] == "Maison Omni"
    data = _form_data(page)
    data.update(
        {
            "size_shoes": " 38 ",
            "size_tops": "",
            "favourite_brands": "Maison Omni, Atelier Marceau, maison omni",
            "fit": "slim",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    preference.refresh_from_db()
    assert preference.sizes == {"gloves": "7", "shoes": "38"}
    assert preference.favourite_brands == ["Maison Omni", "Atelier Marceau"]
    assert preference.favourite_categories == ["Coats"]
    assert preference.attributes == {"brow_shade": "4", "contact_by": "sms", "fit": "slim"}


def test_other_sizes_that_are_not_names_and_values_are_refused(admin_client: Client) -> None:
    preference = PreferenceFactory(sizes={"tops": "M"})
    url = admin_url(Preference, "change", preference.pk)
    data = _form_data(admin_client.get(url))
    data["other_sizes"] = '["7"]'
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "write names and values" in str(response.context["adminform"].form.errors)
    preference.refresh_from_db()
    assert preference.sizes == {"tops": "M"}


def test_the_customer_page_edits_her_preferences_through_the_same_fields(
    admin_client: Client,
) -> None:
    customer = CustomerFactory(lifecycle_stage="loyalty", email=None, phone=None)
    url = admin_url(Customer, "change", customer.pk)
    page = admin_client.get(url)
    html = page.content.decode()
    assert 'name="preference-__prefix__-size_coats"' in html
    data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "preferred_language": "fr",
        "loyalty_tier": customer.loyalty_tier,
        "lifecycle_stage": "reach",  # typed in: ignored, the stage is computed
        **inline_management_data(page),
        "preference-TOTAL_FORMS": 1,
        "preference-0-size_coats": "36",
        "preference-0-skin_type": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "loyalty"
    assert Preference.objects.get(customer=customer).sizes == {"coats": "36"}
