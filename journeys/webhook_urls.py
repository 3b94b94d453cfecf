"""Webhook URLs of the e-shops, mounted under /webhooks/ (one URL per configured shop)."""

from django.urls import path

from journeys import webhooks

app_name = "webhooks"
urlpatterns = [
    path("shopify/<slug:slug>/", webhooks.shopify_webhook, name="shopify"),
    path("woocommerce/<slug:slug>/", webhooks.woocommerce_webhook, name="woocommerce"),
]
