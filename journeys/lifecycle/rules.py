"""The stage rule itself: a pure function of a customer's facts and head office's thresholds."""

import calendar
import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import LifecycleStage
from journeys.lifecycle import reasons
from journeys.models import LifecycleSettings


@dataclass(frozen=True)
class CustomerFacts:
    """What the rule needs to know about one customer (see the package docstring)."""

    purchase_count: int = 0
    recent_purchase_count: int = 0  # purchases within the loyalty window
    first_purchase_at: datetime.datetime | None = None
    last_purchase_at: datetime.datetime | None = None
    loyalty_tier: str = ""
    has_loyalty_number: bool = False
    has_account: bool = False
    has_profile_data: bool = False
    has_interaction: bool = False


@dataclass(frozen=True)
class StageDecision:
    stage: str
    reason: str


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time `months` calendar months earlier (the 31st falls back to the
    month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def loyalty_window_start(settings: LifecycleSettings, now: datetime.datetime) -> datetime.datetime:
    return months_before(now, settings.loyalty_window_months)


def _is_lapsed(facts: CustomerFacts, settings: LifecycleSettings, now: datetime.datetime) -> bool:
    last = facts.last_purchase_at
    return last is not None and last < months_before(now, settings.lapsed_after_months)


def _loyalty_reason(facts: CustomerFacts, settings: LifecycleSettings) -> str | None:
    if facts.recent_purchase_count >= settings.loyalty_min_orders:
        return reasons.recent_purchases(facts.recent_purchase_count, settings.loyalty_window_months)
    if facts.loyalty_tier and facts.loyalty_tier in (settings.loyalty_tiers or []):
        return _(reasons.LOYALTY_TIER) % {"tier": facts.loyalty_tier}
    return None


def _identification_reason(facts: CustomerFacts) -> str | None:
    if facts.has_account:
        return _(reasons.HAS_ACCOUNT)
    if facts.has_loyalty_number:
        return _(reasons.HAS_LOYALTY_CARD)
    if facts.has_interaction:
        return _(reasons.INTERACTED)
    if facts.has_profile_data:
        return _(reasons.HAS_PREFERENCES)
    return None


def stage_decide(
    facts: CustomerFacts, settings: LifecycleSettings, now: datetime.datetime
) -> StageDecision:
    """The customer's stage and why, by the rules in the package docstring."""
    if _is_lapsed(facts, settings, now):
        last = timezone.localtime(facts.last_purchase_at).strftime("%m/%Y")  # type: ignore[arg-type]
        return StageDecision(LifecycleStage.LAPSED, _(reasons.LAPSED) % {"month": last})
    loyalty = _loyalty_reason(facts, settings)
    if loyalty is not None:
        return StageDecision(LifecycleStage.LOYALTY, loyalty)
    if facts.purchase_count >= settings.retention_min_orders:
        return StageDecision(
            LifecycleStage.RETENTION,
            _(reasons.RETENTION) % {"count": facts.purchase_count},
        )
    if facts.purchase_count >= 1:
        first = timezone.localtime(facts.first_purchase_at).strftime("%d/%m/%Y")  # type: ignore[arg-type]
        return StageDecision(LifecycleStage.CONVERSION, _(reasons.CONVERSION) % {"date": first})
    identified = _identification_reason(facts)
    if identified is not None:
        return StageDecision(LifecycleStage.ACQUISITION, identified)
    return StageDecision(LifecycleStage.REACH, _(reasons.REACH))
