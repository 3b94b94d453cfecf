"""Personal data in journeys' models (see omni.privacy_registry).

Orders, returns, tickets and pickups are accounting and warranty records: erasure keeps them,
linked to the pseudonymised profile, and redacts the free text that quotes her."""

from omni.privacy_registry import Erase, Retention, register

STATUS_CHANGE_FIELDS = {"free_text": ("note",), "not_personal": ("from_status", "to_status")}

register(
    "journeys.Order",
    subject="customer_id",
    not_personal=(
        *("source", "external_reference", "currency"),
        *("ingest_digest", "ingest_customer_digest"),
    ),
    contact="placed_at",
    why="accounting: kept with its amounts",
)
register("journeys.OrderStatusChange", subject="subject__customer_id", **STATUS_CHANGE_FIELDS)
register("journeys.OrderLine", subject="order__customer_id", not_personal=("sku", "name", "size"))
register(
    "journeys.Return",
    subject="customer_id",
    free_text=("reason", "adjustment_reason"),
    contact="returned_at",
    not_personal=("source", "external_reference", "currency"),
)
register("journeys.ReturnLine", subject="parent__customer_id")
register("journeys.Wishlist", subject="customer_id", not_personal=("name",), erase=Erase.DELETE)
register(
    "journeys.WishlistItem",
    subject="customer_id",
    personal=("note",),
    not_personal=("size",),
    contact="added_at",
    erase=Erase.DELETE,
)
register(
    "journeys.AfterSalesTicket",
    subject="customer_id",
    free_text=("subject", "description", "resolution"),
    not_personal=("reference",),
    contact="created_at",
    why="warranty: the ticket stays, what quotes her is redacted",
)
register("journeys.AfterSalesStatusChange", subject="subject__customer_id", **STATUS_CHANGE_FIELDS)
register("journeys.AfterSalesMessage", subject="ticket__customer_id", free_text=("body",))
register("journeys.Pickup", subject="customer_id", not_personal=("code",), contact="created_at")
register("journeys.PickupStatusChange", subject="subject__customer_id", **STATUS_CHANGE_FIELDS)
register(
    "journeys.Touchpoint",
    subject="customer_id",
    personal=("payload",),
    not_personal=("source", "external_id"),
    contact="occurred_at",
    why="kept for the journeys' figures (channel, kind, when), without what it carried",
)
register("journeys.LifecycleSettings", not_personal=("loyalty_tiers",))
register("journeys.LifecycleStageChange", subject="customer_id", not_personal=("reason",))
register(
    "journeys.CustomerMetrics",
    subject="customer_id",
    not_personal=("channels", "first_purchase_path", "orders_by_channel", "top_categories"),
)
register(
    "journeys.HistoryImport",
    not_personal=("path", "head_hash", "fingerprint", "format", "options"),
)
register(
    "journeys.HistoryImportChunk",
    free_text=("errors", "message"),
    not_personal=("outcomes",),
    erase=Erase.SCAN,
    why="a refused record's reasons may quote a value of it",
)
register(
    "journeys.ShopIntegration",
    not_personal=(
        *("name", "slug", "base_url", "api_key", "api_secret"),
        *("webhook_secret", "previous_webhook_secret"),
    ),
)
register(
    "journeys.WebhookDelivery",
    free_text=("headers", "body", "error", "outcome"),
    not_personal=("topic", "delivery_id", "event_id"),
    erase=Erase.SCAN,
    retention=Retention(period="webhook_body_days", since="processed_at", purge=("body", "error")),
    why="the raw body of a shop's webhook: her order, her address, her shop account",
)
register("journeys.SyncRun", free_text=("errors",), erase=Erase.SCAN)
register("journeys.OutboundWebhook", not_personal=("name", "url", "secret", "events"))
register(
    "journeys.OutboundDelivery",
    free_text=("body", "last_error"),
    erase=Erase.SCAN,
    retention=Retention(
        period="outbound_body_days", since="created_at", purge=("body", "last_error")
    ),
    why="what Omni sent to a subscriber: her order or her profile",
)
