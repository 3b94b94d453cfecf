"""Rule-based customer segments, frozen snapshots for campaigns, and the export journal.

A segment's rules are in disjunctive normal form: rules sharing a `group` number are ANDed,
and the groups are ORed. "(stage is loyalty AND spent ≥ 1000) OR (has tag VIP)" is two groups.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import ConsentPurpose, ContactChannel, Customer, LifecycleStage, LoyaltyTier
from omni.models import Channel, Store, TimeStampedModel
from segments.rules import RuleField, RuleOperator, rule_value_parse

RULES_HELP_TEXT = _(
    "Rules with the same group number must all hold (AND); a customer is in the segment when "
    "at least one group holds (OR). Example: group 1 “stage in loyalty” and group 1 “spent ≥ "
    "1000”, group 2 “has tag VIP”: loyal big spenders, plus every VIP."
)


# Rule fields whose values are codes with translated names.
_VALUE_CHOICES: dict[str, type[models.TextChoices]] = {
    RuleField.LIFECYCLE_STAGE: LifecycleStage,
    RuleField.LOYALTY_TIER: LoyaltyTier,
    RuleField.CHANNEL: Channel,
}


def _user_fk(verbose_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


class Segment(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    purpose = models.CharField(
        _("purpose"),
        max_length=24,
        choices=ConsentPurpose,
        help_text=_("Why the customers will be contacted: exports keep only those who consent."),
    )
    contact_channel = models.CharField(
        _("contact channel"),
        max_length=8,
        choices=ContactChannel,
        help_text=_("How the campaign will reach them: consent is checked for this channel."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = _user_fk(_("created by"))

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]
        permissions = [("export_segment", _("Can export the members of segments and snapshots"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=ConsentPurpose.values), name="segment_purpose_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(contact_channel__in=ContactChannel.values),
                name="segment_contact_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SegmentRule(models.Model):
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="rules"
    )
    group = models.PositiveSmallIntegerField(
        _("group"),
        default=1,
        help_text=_("Rules of one group are ANDed; groups are ORed."),
    )
    field = models.CharField(_("field"), max_length=24, choices=RuleField)
    operator = models.CharField(_("operator"), max_length=16, choices=RuleOperator)
    value = models.CharField(
        _("value"),
        max_length=500,
        blank=True,
        help_text=_(
            "Lists are comma-separated (stages, store codes, tiers); consent is "
            "purpose:channel (marketing:email); size is kind=size (shoes=38)."
        ),
    )

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["group", "id"]

    def __str__(self) -> str:
        field, operator = self.get_field_display(), self.get_operator_display()
        return f"{field} {operator} {self.value_display()}".strip()

    def value_display(self) -> str:
        """The value as people read it: stages, tiers and channels by their translated names."""
        choices = _VALUE_CHOICES.get(self.field)
        if choices is None:
            return self.value
        labels = dict(choices.choices)
        values = (value.strip() for value in self.value.split(","))
        return ", ".join(str(labels.get(value, value)) for value in values if value)

    def clean(self) -> None:
        """The operator must suit the field and the value must parse (errors on the value)."""
        if not self.field or not self.operator:
            return
        try:
            rule_value_parse(field=self.field, operator=self.operator, value=self.value)
        except ValidationError as error:
            raise ValidationError({"value": error.messages}) from None

    def as_frozen(self) -> dict[str, object]:
        return {
            "group": self.group,
            "field": self.field,
            "operator": self.operator,
            "value": self.value,
        }


class SegmentSnapshot(models.Model):
    """The members of a segment frozen at a moment, for a campaign; later changes don't move it."""

    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.PROTECT, related_name="snapshots"
    )
    name = models.CharField(_("name"), max_length=160)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    created_by = _user_fk(_("created by"))
    member_count = models.PositiveIntegerField(_("members"), default=0)
    purpose = models.CharField(_("purpose"), max_length=24, choices=ConsentPurpose)
    contact_channel = models.CharField(_("contact channel"), max_length=8, choices=ContactChannel)
    rules = models.JSONField(_("rules when frozen"), default=list)

    class Meta:
        verbose_name = _("segment snapshot")
        verbose_name_plural = _("segment snapshots")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class SegmentSnapshotMember(models.Model):
    snapshot = models.ForeignKey(
        SegmentSnapshot,
        verbose_name=_("snapshot"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    # No reverse accessor: a customer merge must not move frozen rows (they stay as frozen).
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("snapshot member")
        verbose_name_plural = _("snapshot members")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "customer"], name="snapshot_member_unique_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id}:{self.customer_id}"


class SegmentExport(models.Model):
    """Who exported which members, when, how many rows: the data protection officer's journal."""

    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exports",
    )
    snapshot = models.ForeignKey(
        SegmentSnapshot,
        verbose_name=_("snapshot"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exports",
    )
    label = models.CharField(_("exported"), max_length=200)
    exported_by = _user_fk(_("exported by"))
    exported_at = models.DateTimeField(_("exported at"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=24, choices=ConsentPurpose)
    contact_channel = models.CharField(_("contact channel"), max_length=8, choices=ContactChannel)
    row_count = models.PositiveIntegerField(_("rows exported"))
    excluded_count = models.PositiveIntegerField(
        _("members left out"), help_text=_("Members without consent or contact data.")
    )

    class Meta:
        verbose_name = _("segment export")
        verbose_name_plural = _("segment exports")
        ordering = ["-exported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.label} ({self.exported_at:%Y-%m-%d %H:%M})"


class SegmentFacts(models.Model):
    """What segment rules filter on, one narrow row per live customer: counting a segment is
    one scan of this table instead of a join of every profile to its metrics and consents.

    Never written by the application: database triggers on the profiles, their metrics, current
    consents and addresses keep it (segments/facts.py, migration segments 0002). A merged or
    erased profile has no row. `granted` lists the purpose × channel pairs she consents to now,
    as ",marketing:email,newsletter:email,", so that "granted" is a portable `contains`; `tags`
    her tags' ids as ",3,17,".
    """

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        primary_key=True,
        # The triggers own the rows, a profile's deletion included.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="segment_facts",
    )
    lifecycle_stage = models.CharField(_("lifecycle stage"), max_length=12, choices=LifecycleStage)
    loyalty_tier = models.CharField(_("loyalty tier"), max_length=10, choices=LoyaltyTier)
    preferred_store = models.ForeignKey(
        Store,
        verbose_name=_("preferred store"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    order_count = models.IntegerField(_("purchases"))
    total_spent = models.DecimalField(_("spent"), max_digits=12, decimal_places=2)
    channel_count = models.SmallIntegerField(_("channels used"))
    channels = models.CharField(_("purchase channels"), max_length=120)
    last_order_at = models.DateTimeField(_("last purchase"), null=True)
    granted = models.TextField(_("consents granted now"))
    has_email = models.BooleanField(_("has an email"))
    has_phone = models.BooleanField(_("has a phone"))
    has_address = models.BooleanField(_("has a postal address"))
    tags = models.TextField(_("tag ids"))

    class Meta:
        verbose_name = _("segment facts")
        verbose_name_plural = _("segment facts")

    def __str__(self) -> str:
        return str(self.customer_id)
