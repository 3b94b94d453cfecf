"""The DPO's own records hold no personal data: a profile number, a door, counts."""

from omni.privacy_registry import register

register("privacy.Erasure", subject="customer_id", not_personal=("counts",), export=False)
register("privacy.SubjectExport", subject="customer_id", not_personal=("language",))
register(
    "privacy.DataRequest",
    subject="customer_id",
    # The shop's ids and email of a person, matched to a profile or not (found by a scan).
    free_text=("shop_customer_id", "email"),
    not_personal=("shop_request_id", "orders_requested"),
    scanned=True,
    why="the DPO's task: kept as the record of the request answered, without her values",
)
