"""The DPO's own records hold no personal data: a profile number, a door, counts."""

from omni.privacy_registry import register

register("privacy.Erasure", subject="customer_id", not_personal=("counts",), export=False)
register("privacy.SubjectExport", subject="customer_id", not_personal=("language",))
