"""Personal data in clienteling's models (see omni.privacy_registry)."""

from omni.privacy_registry import Erase, Retention, register

register("clienteling.Associate", why="staff accounts: not a customer's data")
register(
    "clienteling.Appointment",
    subject="customer_id",
    free_text=("customer_request",),
    not_personal=("source", "external_reference"),
    contact="starts_at",
)
register(
    "clienteling.AppointmentStatusChange",
    subject="subject__customer_id",
    free_text=("note",),
    not_personal=("from_status", "to_status"),
)
register(
    "clienteling.Task",
    subject="customer_id",
    free_text=("title", "details"),
    why="an associate's work stays counted; what names her is redacted",
)
register(
    "clienteling.Note",
    subject="customer_id",
    personal=("body",),
    erase=Erase.DELETE,
    why="a note about a person is her data through and through",
)
register(
    "clienteling.ProfileAccess",
    subject="customer_id",
    # A search typed her name: the entries of the customers it showed quote it too.
    free_text=("query",),
    scanned=True,
    retention=Retention(period="access_journal_days", since="accessed_at"),
    why="the access journal: who read her data (her id only), kept one year",
)
register("clienteling.CustomerNotification", subject="customer_id")
register("clienteling.Trigger", not_personal=("name", "loyalty_tiers"))
register("clienteling.TriggerSettings")
register(
    "clienteling.TriggerFiring",
    subject="customer_id",
    free_text=("detail", "context"),
    not_personal=("dedupe_key",),
)
register("clienteling.WatchedProduct")
