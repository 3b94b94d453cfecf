"""Lifecycle stages: where each customer stands, why, and since when.

Stages, checked in this order (the first that applies wins), with head office's thresholds
from `LifecycleSettings`:

1. lapsed: she has purchased, and her last purchase is older than `lapsed_after_months`
   (strictly: a purchase exactly that many months ago still counts as recent).
2. loyalty: at least `loyalty_min_orders` purchases placed within the last
   `loyalty_window_months` (window start included), or her loyalty tier is one of
   `loyalty_tiers`.
3. retention: at least `retention_min_orders` purchases (ever).
4. conversion: at least one purchase.
5. acquisition: identified without a purchase: a loyalty number, an external identity (an
   account in the e-shop or another system), saved preferences, or any interaction
   (a touchpoint, a wishlist item, an after-sales ticket, an order even cancelled or
   refunded).
6. reach: a known contact (email, phone, name) and nothing more.

Definitions:

- A purchase is an order of hers that is confirmed, fulfilled or completed (pending payment
  and cancelled orders are not purchases) and that was not fully refunded: an order whose
  refunds (returns not rejected) add up to its whole total is not counted, because the
  customer kept nothing. Partial returns keep the order a purchase.
- Metrics (`CustomerMetrics`): `order_count`, `first_order_at`, `last_order_at`,
  `first_order_channel` and `channels` are over purchases; `total_spent` is the sum of the
  purchases' totals before refunds; `total_refunded` and `return_count` cover the returns
  not rejected of all her orders; `first_purchase_path` lists the channels of her
  touchpoints before her first purchase, oldest first, then the first purchase's channel,
  consecutive repeats collapsed ("social>web>store"); `touchpoint_count` and
  `last_touchpoint_at` cover all her touchpoints.
- Everything is taken as of the computation's `now`: activity dated later is not counted
  yet (the nightly run's `now` is the present; the demo replays past nights this way).
- Merged profiles are skipped (their history moved to the surviving profile); erased ones
  are computed like any other.
- Reasons are written in the site's language (`LANGUAGE_CODE`) when the change happens.

The same computation (`customers_lifecycle_refresh`) serves the incremental path (a task
queued after the commit of each order, return, touchpoint, wishlist or ticket write) and the
nightly full recompute (which also catches customers who lapse with the passage of time), so
both give the same result.
"""
