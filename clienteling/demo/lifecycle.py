"""Lifecycle stages of the demo customers, by the real rules, with a believable history.

A few past nights are replayed (the computation counts only what happened by its `now`), then
today's: each customer's timeline shows how she moved, e.g. reach → conversion → retention.
"""

from datetime import timedelta

from clienteling.demo.world import DemoWorld
from journeys.lifecycle.services import lifecycle_recompute_all
from journeys.models import LifecycleTrigger

# Days before the seed's "now" of the nightly runs replayed, oldest first.
PAST_NIGHTS = (720, 540, 360, 180, 60)


def build_lifecycle_history(world: DemoWorld) -> int:
    """Compute every stage and metric as of each past night, then now; returns the changes."""
    changes = 0
    for days in PAST_NIGHTS:
        night = (world.now - timedelta(days=days)).replace(hour=2, minute=30, second=0)
        changes += lifecycle_recompute_all(trigger=LifecycleTrigger.NIGHTLY, now=night).changes
    changes += lifecycle_recompute_all(trigger=LifecycleTrigger.NIGHTLY, now=world.now).changes
    return changes
