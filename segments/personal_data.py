"""Personal data in segments' models (see omni.privacy_registry): the segments are head
office's definitions; a snapshot's members name customers."""

from omni.privacy_registry import Erase, register

register("segments.Segment", not_personal=("name", "description"))
register("segments.SegmentRule", not_personal=("value",))
register("segments.SegmentSnapshot", not_personal=("name", "rules"))
register("segments.SegmentSnapshotMember", subject="customer_id", erase=Erase.DELETE)
register("segments.SegmentExport", not_personal=("label",))
register(
    "segments.SegmentFacts",
    subject="customer_id",
    not_personal=("channels", "granted", "tags"),
    export=False,
    why="copies of codes and figures from her profile, metrics, consents and addresses, kept "
    "by database triggers for segment counts (exported from there); a merged or erased "
    "profile has no row",
)
