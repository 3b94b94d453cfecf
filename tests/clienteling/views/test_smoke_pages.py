import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_renders(associate_client, long_history_customer, pickup, htmx) -> None:
    customer = long_history_customer
    urls = [
        reverse("clienteling:my_day"),
        reverse("clienteling:search") + "?q=helene",
        reverse("clienteling:customer", args=[customer.pk]),
        reverse("clienteling:customer_timeline", args=[customer.pk]),
        reverse("clienteling:pickups"),
        reverse("clienteling:agenda"),
        reverse("clienteling:customer_new"),
        reverse("clienteling:wishlist_sheet", args=[customer.pk]) + "?q=trench",
        reverse("clienteling:ticket_create", args=[customer.pk]),
        reverse("clienteling:task_create", args=[customer.pk]),
        reverse("clienteling:consent_create", args=[customer.pk]),
        reverse("clienteling:booking_sheet", args=[customer.pk]),
    ]
    for url in urls:
        response = associate_client.get(url)
        assert response.status_code == 200, url
