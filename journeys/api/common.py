"""What the journeys endpoints share: amounts, and stores and products looked up by code."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from omni.models import Product, Store

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
# Totals are stored with 12 digits; refusing larger amounts here keeps the database happy.
MAX_AMOUNT = Decimal("9999999999.99")
CURRENCY = {"regex": r"^[A-Z]{3}$", "max_length": 3, "default": "EUR"}


def store_by_code(code: str | None, field: str = "store") -> Store | None:
    if not code:
        return None
    store = Store.objects.filter(code=code).first()
    if store is None:
        raise serializers.ValidationError({field: [_("Unknown store “%s”.") % code]})
    return store


def product_by_sku(sku: str | None, field: str = "sku") -> Product | None:
    if not sku:
        return None
    product = Product.objects.filter(sku=sku).first()
    if product is None:
        raise serializers.ValidationError({field: [_("Unknown product SKU “%s”.") % sku]})
    return product
