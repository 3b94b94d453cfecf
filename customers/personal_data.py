"""Personal data in customers' models (see omni.privacy_registry)."""

from omni.privacy_registry import Erase, register

register(
    "customers.Customer",
    subject="id",
    personal=("first_name", "last_name", "email", "phone", "birth_date", "loyalty_number"),
    not_personal=("search_name", "search_first_name", "search_last_name"),
    erase=Erase.BLANK,
    contact="created_at",
    why="the profile stays, pseudonymised, for the orders the retailer must keep",
)
register(
    "customers.ExternalIdentity",
    subject="customer_id",
    personal=("external_id",),
    not_personal=("source",),
    erase=Erase.DELETE,
)
register(
    "customers.Address",
    subject="customer_id",
    personal=("recipient", "line1", "line2", "postal_code", "city", "country", "phone"),
    erase=Erase.DELETE,
)
register(
    "customers.Preference",
    subject="customer_id",
    personal=(*("sizes", "favourite_brands", "favourite_categories", "skin_type", "attributes"),),
    erase=Erase.BLANK,
)
register(
    "customers.Consent",
    subject="customer_id",
    free_text=("proof",),
    contact="recorded_at",
    not_personal=("wording_version",),
    why="the ledger is the retailer's proof of consent: kept, pseudonymised",
)
register(
    "customers.DuplicateSuggestion",
    subject=("customer_id", "other_id"),
    free_text=("reason",),
    not_personal=("matched_on",),
    erase=Erase.DELETE,
)
register(
    "customers.CustomerMerge",
    subject=("survivor_id", "absorbed_id"),
    personal=("absorbed_snapshot",),
    free_text=("reason",),
    not_personal=("moved_rows",),
    why="the merge stays recorded (which rows moved), without the absorbed profile's values",
)
register("customers.Tag", not_personal=("name", "description"), why="a head-office label")
register(
    "customers.NameWord",
    not_personal=("word",),
    export=False,
    why="the search vocabulary: a word counted over everyone, removed once nobody bears it",
)
register(
    "customers.ConsentWording",
    not_personal=("version", "text"),
    why="the retailer's wording a consent was given under, the same for everyone",
)
register(
    "customers.CurrentConsent",
    subject="customer_id",
    not_personal=("purpose", "channel", "consent_id"),
    why="each key's latest ledger entry, kept by the ledger's triggers: follows the ledger",
)
