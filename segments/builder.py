"""The segment builder of the admin: what each rule field offers (its operators, the values it
knows, an example), and the live count of rules being edited, before they are saved.

The change form posts its rules as they stand (htmx, on every change); they are parsed and
checked with the same rules as a save (segments.rules), and counted with the same selectors
as a saved segment: members, and how many may be contacted for the campaign's purpose and
channel now.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from customers.models import ConsentPurpose, ContactChannel, LifecycleStage, LoyaltyTier, Tag
from omni.models import Channel, Store
from segments.rules import FIELDS, NO_VALUE_OPERATORS, RuleField, RuleOperator, rule_value_parse
from segments.selectors import SegmentCounts, counts_of, facts_matching

PREFIX = "rules"
MAX_RULES = 50
MAX_SUGGESTIONS = 200


def _examples() -> dict[str, str]:
    return {
        RuleField.LIFECYCLE_STAGE: "retention, loyalty",
        RuleField.CHANNEL: "web",
        RuleField.CHANNEL_COUNT: "2",
        RuleField.TOTAL_SPENT: "500",
        RuleField.ORDER_COUNT: "3",
        RuleField.LAST_PURCHASE: _("days, e.g. 90"),
        RuleField.PREFERRED_STORE: _("store codes, comma-separated"),
        RuleField.STORE_REGION: _("regions, comma-separated"),
        RuleField.FAVOURITE_CATEGORY: "Coats",
        RuleField.FAVOURITE_BRAND: "Maison Omni",
        RuleField.SIZE: "shoes=38",
        RuleField.CONSENT: "marketing:email",
        RuleField.TAG: "VIP",
        RuleField.LOYALTY_TIER: "gold, platinum",
    }


def _suggestions() -> dict[str, list[str]]:
    stores = list(Store.objects.order_by("code").values_list("code", "region")[:MAX_SUGGESTIONS])
    return {
        RuleField.LIFECYCLE_STAGE: list(LifecycleStage.values),
        RuleField.CHANNEL: list(Channel.values),
        RuleField.PREFERRED_STORE: [code for code, _region in stores],
        RuleField.STORE_REGION: sorted({region for _code, region in stores if region}),
        RuleField.CONSENT: [
            f"{purpose}:{channel}"
            for purpose in ConsentPurpose.values
            for channel in ContactChannel.values
        ],
        RuleField.TAG: list(Tag.objects.order_by("name").values_list("name", flat=True)[:200]),
        RuleField.LOYALTY_TIER: list(LoyaltyTier.values),
    }


def builder_spec() -> dict[str, Any]:
    """For the form's script: each field's operators (value, label), whether an operator takes
    no value, an example and the known values."""
    examples, suggestions = _examples(), _suggestions()
    return {
        "fields": {
            name: {
                "operators": [[op, str(RuleOperator(op).label)] for op in spec.operators],
                "example": str(examples.get(name, "")),
                "values": suggestions.get(name, []),
            }
            for name, spec in FIELDS.items()
        },
        "no_value": list(NO_VALUE_OPERATORS),
    }


@dataclass
class Preview:
    """members: how many the rules select (None when a rule does not parse); reachable: how
    many may be contacted (None until the campaign's purpose and channel are chosen)."""

    members: int | None = None
    reachable: int | None = None
    errors: list[str] = field(default_factory=list)
    rules: int = 0

    @property
    def counts(self) -> SegmentCounts | None:
        if self.members is None or self.reachable is None:
            return None
        return SegmentCounts(members=self.members, reachable=self.reachable)


def _rules_posted(data: QueryDict) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        total = min(int(data.get(f"{PREFIX}-TOTAL_FORMS", "0")), MAX_RULES)
    except ValueError:
        return [], [_("The rules could not be read; reload the page.")]
    rules, errors = [], []
    for index in range(total):
        key = f"{PREFIX}-{index}-"
        rule_field = data.get(f"{key}field", "").strip()
        if not rule_field or data.get(f"{key}DELETE"):
            continue
        operator = data.get(f"{key}operator", "").strip()
        value = data.get(f"{key}value", "")
        try:
            group = int(data.get(f"{key}group") or 1)
            if group < 0:
                raise ValueError
            rule_value_parse(field=rule_field, operator=operator, value=value)
        except ValueError:
            errors.append(
                _("Rule %(number)s: the group is a whole number.") % {"number": index + 1}
            )
            continue
        except ValidationError as error:
            message = " ".join(error.messages)
            errors.append(
                _("Rule %(number)s: %(message)s") % {"number": index + 1, "message": message}
            )
            continue
        rules.append({"group": group, "field": rule_field, "operator": operator, "value": value})
    return rules, errors


def segment_preview(data: QueryDict) -> Preview:
    """The counts the posted rules would give, or why they cannot be counted."""
    rules, errors = _rules_posted(data)
    if errors or not rules:
        return Preview(errors=errors, rules=len(rules))
    members = facts_matching(rules)
    purpose = data.get("purpose", "")
    channel = data.get("contact_channel", "")
    if purpose in ConsentPurpose.values and channel in ContactChannel.values:
        counts = counts_of(members, purpose=purpose, channel=channel)
        return Preview(members=counts.members, reachable=counts.reachable, rules=len(rules))
    return Preview(members=members.count(), rules=len(rules))
