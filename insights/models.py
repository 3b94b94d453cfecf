"""Daily (and monthly) aggregate tables the head-office dashboards read.

`insights.aggregates` rebuilds them from orders, returns, pickups, SAV tickets, customers and the
lifecycle history with set-based SQL; the dashboards never touch the source tables. Every row
carries the store's region (denormalised) so that the region filter stays inside the table.
Days are local dates in settings.TIME_ZONE; `store` is empty for activity without a store
(web orders shipped to the home, for instance).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import LifecycleStage
from omni.models import Channel, Store

MONEY = {"max_digits": 14, "decimal_places": 2}


def _store_fk() -> models.ForeignKey:
    return models.ForeignKey(
        Store,
        verbose_name=_("store"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )


def _region() -> models.CharField:
    return models.CharField(_("region"), max_length=80, blank=True, db_index=True)


class DailyRow(models.Model):
    """A row of a daily table: a local day, a store (empty: no store) and its region."""

    day = models.DateField(_("day"), db_index=True)
    store = _store_fk()
    region = _region()

    class Meta:
        abstract = True
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} {self.store_id or '-'}"


class Profile(models.TextChoices):
    OMNICHANNEL = "omni", _("Omnichannel (2+ channels)")
    SINGLE = "single", _("Single channel")


class SalesFigures(DailyRow):
    """Purchases (orders neither pending nor cancelled) per day × store × channel × currency.

    - first_orders: the customer's first purchase ever; repeat_orders: any later purchase.
    - channel_switch_orders: repeat purchases whose channel differs from the customer's previous
      purchase.
    - returned_orders / returned_in_store_orders: purchases of that day with at least one return
      (at any later date) / with a return made in a store (the "web order returned in store").
    - influenced_*: purchases with a "sold or influenced by" associate.
    """

    channel = models.CharField(_("channel"), max_length=20, choices=Channel)
    currency = models.CharField(_("currency"), max_length=3)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    revenue = models.DecimalField(_("revenue"), **MONEY, default=0)
    customer_orders = models.PositiveIntegerField(_("orders of known customers"), default=0)
    first_orders = models.PositiveIntegerField(_("first purchases"), default=0)
    repeat_orders = models.PositiveIntegerField(_("repeat purchases"), default=0)
    channel_switch_orders = models.PositiveIntegerField(_("channel switches"), default=0)
    click_and_collect_orders = models.PositiveIntegerField(_("click & collect orders"), default=0)
    returned_orders = models.PositiveIntegerField(_("orders returned"), default=0)
    returned_in_store_orders = models.PositiveIntegerField(_("orders returned in store"), default=0)
    influenced_orders = models.PositiveIntegerField(_("associate-influenced orders"), default=0)
    influenced_revenue = models.DecimalField(_("associate-influenced revenue"), **MONEY, default=0)

    class Meta:
        abstract = True


class SalesDaily(SalesFigures):
    class Meta:
        verbose_name = _("daily sales")
        verbose_name_plural = _("daily sales")
        ordering = ["-day", "store_id", "channel"]
        indexes = [models.Index(fields=["day", "store", "channel"])]
        permissions = [("view_dashboard", _("Can view the head-office dashboards"))]


class SalesMonthly(SalesFigures):
    """SalesDaily summed per month: `day` is the first day of the month."""

    class Meta:
        verbose_name = _("monthly sales")
        verbose_name_plural = _("monthly sales")
        ordering = ["-day"]


class ReturnsFigures(DailyRow):
    """Returns per return day × store of return × channel of the order × channel of the return."""

    order_channel = models.CharField(_("order channel"), max_length=20, choices=Channel)
    return_channel = models.CharField(_("returned via"), max_length=20, choices=Channel)
    currency = models.CharField(_("currency"), max_length=3)
    returns = models.PositiveIntegerField(_("returns"), default=0)
    refunded = models.DecimalField(_("refunded"), **MONEY, default=0)

    class Meta:
        abstract = True


class ReturnsDaily(ReturnsFigures):
    class Meta:
        verbose_name = _("daily returns")
        verbose_name_plural = _("daily returns")
        ordering = ["-day"]


class ReturnsMonthly(ReturnsFigures):
    """ReturnsDaily summed per month: `day` is the first day of the month."""

    class Meta:
        verbose_name = _("monthly returns")
        verbose_name_plural = _("monthly returns")
        ordering = ["-day"]


class PickupFigures(DailyRow):
    """Click & collect per day the order was placed × pickup store × order channel.

    Lead times are sums in seconds (placed → ready, placed → collected) so that averages over
    any period are exact; expired pickups are the no-shows.
    """

    channel = models.CharField(_("channel"), max_length=20, choices=Channel)
    pickups = models.PositiveIntegerField(_("pickups"), default=0)
    ready = models.PositiveIntegerField(_("made ready"), default=0)
    ready_seconds = models.BigIntegerField(_("placed → ready (s, total)"), default=0)
    collected = models.PositiveIntegerField(_("collected"), default=0)
    collected_seconds = models.BigIntegerField(_("placed → collected (s, total)"), default=0)
    expired = models.PositiveIntegerField(_("expired (no-show)"), default=0)
    cancelled = models.PositiveIntegerField(_("cancelled"), default=0)

    class Meta:
        abstract = True


class PickupDaily(PickupFigures):
    class Meta:
        verbose_name = _("daily click & collect")
        verbose_name_plural = _("daily click & collect")
        ordering = ["-day"]


class PickupMonthly(PickupFigures):
    """PickupDaily summed per month: `day` is the first day of the month."""

    class Meta:
        verbose_name = _("monthly click & collect")
        verbose_name_plural = _("monthly click & collect")
        ordering = ["-day"]


class TicketFigures(DailyRow):
    """SAV tickets per day opened × store × channel opened: closed so far and within the SLA."""

    channel = models.CharField(_("opened via"), max_length=20, choices=Channel)
    opened = models.PositiveIntegerField(_("opened"), default=0)
    closed = models.PositiveIntegerField(_("closed"), default=0)
    closed_within_sla = models.PositiveIntegerField(_("closed within SLA"), default=0)

    class Meta:
        abstract = True


class TicketDaily(TicketFigures):
    class Meta:
        verbose_name = _("daily SAV tickets")
        verbose_name_plural = _("daily SAV tickets")
        ordering = ["-day"]


class TicketMonthly(TicketFigures):
    """TicketDaily summed per month: `day` is the first day of the month."""

    class Meta:
        verbose_name = _("monthly SAV tickets")
        verbose_name_plural = _("monthly SAV tickets")
        ordering = ["-day"]


class StageDaily(DailyRow):
    """Snapshot of Customer.lifecycle_stage, taken on `day`, by preferred store."""

    stage = models.CharField(_("stage"), max_length=12, choices=LifecycleStage)
    customers = models.PositiveIntegerField(_("customers"), default=0)

    class Meta:
        verbose_name = _("daily stage snapshot")
        verbose_name_plural = _("daily stage snapshots")
        ordering = ["-day"]


class StageTransitionFigures(DailyRow):
    """Lifecycle stage changes per day × customer's preferred store × from → to."""

    from_stage = models.CharField(_("from"), max_length=12, blank=True)
    to_stage = models.CharField(_("to"), max_length=12, choices=LifecycleStage)
    changes = models.PositiveIntegerField(_("changes"), default=0)

    class Meta:
        abstract = True


class StageTransitionDaily(StageTransitionFigures):
    class Meta:
        verbose_name = _("daily stage transitions")
        verbose_name_plural = _("daily stage transitions")
        ordering = ["-day"]


class StageTransitionMonthly(StageTransitionFigures):
    """StageTransitionDaily summed per month: `day` is the first day of the month."""

    class Meta:
        verbose_name = _("monthly stage transitions")
        verbose_name_plural = _("monthly stage transitions")
        ordering = ["-day"]


class AssociateSalesFigures(DailyRow):
    """Purchases sold or influenced by an associate, per day × associate × store × channel."""

    channel = models.CharField(_("channel"), max_length=20, choices=Channel)
    currency = models.CharField(_("currency"), max_length=3)
    associate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("associate"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    orders = models.PositiveIntegerField(_("orders"), default=0)
    revenue = models.DecimalField(_("revenue"), **MONEY, default=0)

    class Meta:
        abstract = True


class AssociateSalesDaily(AssociateSalesFigures):
    class Meta:
        verbose_name = _("daily associate sales")
        verbose_name_plural = _("daily associate sales")
        ordering = ["-day"]


class AssociateSalesMonthly(AssociateSalesFigures):
    """AssociateSalesDaily summed per month: `day` is the first day of the month."""

    class Meta:
        verbose_name = _("monthly associate sales")
        verbose_name_plural = _("monthly associate sales")
        ordering = ["-day"]


class FirstPurchaseFigures(DailyRow):
    """First purchases per day × channel of the first purchase × path of channels before it.

    From journeys' CustomerMetrics (first_order_at, first_order_channel, first_purchase_path);
    store is the customer's preferred store.
    """

    channel = models.CharField(_("first purchase channel"), max_length=20, blank=True)
    path = models.CharField(_("path to first purchase"), max_length=255, blank=True)
    customers = models.PositiveIntegerField(_("customers"), default=0)

    class Meta:
        abstract = True


class FirstPurchaseDaily(FirstPurchaseFigures):
    class Meta:
        verbose_name = _("daily first-purchase paths")
        verbose_name_plural = _("daily first-purchase paths")
        ordering = ["-day"]


class FirstPurchaseMonthly(FirstPurchaseFigures):
    """FirstPurchaseDaily summed per month: `day` is the first day of the month."""

    class Meta:
        verbose_name = _("monthly first-purchase paths")
        verbose_name_plural = _("monthly first-purchase paths")
        ordering = ["-day"]


# Each daily table and its monthly rollup (long periods read the rollups: fewer rows).
DAILY_TO_MONTHLY: dict[type[models.Model], type[models.Model]] = {
    SalesDaily: SalesMonthly,
    ReturnsDaily: ReturnsMonthly,
    PickupDaily: PickupMonthly,
    TicketDaily: TicketMonthly,
    StageTransitionDaily: StageTransitionMonthly,
    AssociateSalesDaily: AssociateSalesMonthly,
    FirstPurchaseDaily: FirstPurchaseMonthly,
}


class RetentionMonthly(models.Model):
    """Buying customers per month × profile × preferred store.

    - profile: omnichannel = purchased through 2+ channels (over the whole history), else single.
    - buyers: customers with a purchase in the month; repeat_buyers: those with 2+ purchases in it.
    - previous_buyers: customers who bought in the previous month; retained: those of them who
      bought again in this month.
    """

    month = models.DateField(_("month"), db_index=True)
    store = _store_fk()
    region = _region()
    profile = models.CharField(_("profile"), max_length=6, choices=Profile)
    buyers = models.PositiveIntegerField(_("buying customers"), default=0)
    repeat_buyers = models.PositiveIntegerField(_("customers with 2+ purchases"), default=0)
    previous_buyers = models.PositiveIntegerField(_("buyers of the previous month"), default=0)
    retained = models.PositiveIntegerField(_("retained"), default=0)

    class Meta:
        verbose_name = _("monthly retention")
        verbose_name_plural = _("monthly retention")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.profile}"


class CohortMonthly(models.Model):
    """Cohort = month and channel of the first purchase (store: the customer's preferred store).

    `customers` = members of the cohort who bought in `month`, `months_since` months after
    acquisition (months_since 0 is the cohort's size: everyone bought in their first month).
    """

    cohort_month = models.DateField(_("acquisition month"), db_index=True)
    channel = models.CharField(_("first purchase channel"), max_length=20, choices=Channel)
    store = _store_fk()
    region = _region()
    month = models.DateField(_("month"), db_index=True)
    months_since = models.PositiveSmallIntegerField(_("months since acquisition"))
    customers = models.PositiveIntegerField(_("active customers"), default=0)

    class Meta:
        verbose_name = _("monthly cohort activity")
        verbose_name_plural = _("monthly cohort activity")
        ordering = ["-cohort_month", "months_since"]

    def __str__(self) -> str:
        return f"{self.cohort_month:%Y-%m} {self.channel} +{self.months_since}"


class AggregateRun(models.Model):
    """When the aggregate tables were last rebuilt, over which days, in how long."""

    started_at = models.DateTimeField(_("started at"), db_index=True)
    day_from = models.DateField(_("from"), null=True, blank=True)
    day_to = models.DateField(_("to"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    row_counts = models.JSONField(_("rows"), default=dict)

    class Meta:
        verbose_name = _("aggregate rebuild")
        verbose_name_plural = _("aggregate rebuilds")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class DashboardPage(AggregateRun):
    """An admin index entry that opens the head-office dashboard (no table of its own)."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("head-office dashboard")
        verbose_name_plural = _("head-office dashboard")


class JourneyAnalysisPage(AggregateRun):
    """An admin index entry that opens the journey analysis (no table of its own)."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("journey analysis")
        verbose_name_plural = _("journey analysis")
