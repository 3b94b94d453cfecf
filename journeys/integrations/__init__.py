"""The e-shop integration: Shopify and WooCommerce webhooks in, reconciliation pulls, outbound
notifications. Models live in `models.py` (registered through journeys.models)."""
