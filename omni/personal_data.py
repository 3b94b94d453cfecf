"""Personal data in omni's models (see omni.privacy_registry): stores, products and API clients
hold none; stored idempotent responses and the admin's change history may quote a person."""

from omni.privacy_registry import Erase, Retention, register

register("omni.Specialty", not_personal=("code", "name"), why="catalogue")
register(
    "omni.Service", not_personal=("code", "name", "translated_names", "description", "currency")
)
register(
    "omni.Store",
    not_personal=(
        *("code", "name", "address_line", "postal_code", "city", "region", "country"),
        *("phone", "email", "timezone", "opening_hours"),
    ),
    why="the store's own contact details",
)
register(
    "omni.Product",
    not_personal=("sku", "name", "brand", "category", "currency", "image_url", "attributes"),
)
register("omni.StockLevel")
register("omni.ApiClient", not_personal=("name", "token_prefix", "token_hash", "scopes"))
register(
    "omni.IdempotencyRecord",
    free_text=("response_body",),
    not_personal=("key", "method", "path", "request_hash"),
    erase=Erase.SCAN,
    retention=Retention(period="idempotency_hours", since="created_at"),
    why="a stored answer may show a customer's profile",
)
register(
    "admin.LogEntry",
    free_text=("object_repr", "change_message"),
    not_personal=("object_id",),
    erase=Erase.SCAN,
    why="the admin's change history names the objects it changed",
)
register(
    "omni.FormSubmission",
    not_personal=("token", "action"),
    retention=Retention(period="idempotency_hours", since="created_at"),
    why="a staff member's used form tokens, kept a day",
)
register(
    "omni.ScheduledJobRun",
    not_personal=("job", "task", "last_error"),
    why="beat jobs' last runs: names of jobs and of error classes, never an error's message",
)
register("omni.WorkerHeartbeat", not_personal=("worker",), why="Celery workers' node names (hosts)")
