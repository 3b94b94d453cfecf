"""Template helpers of the tablet app: vendored icons inline, money, short dates, initials,
form tokens, translated labels of stored keys."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from clienteling.icons import icon_symbols, sprite_url
from customers.labels import label_of, preference_value_label
from customers.labels import sizes_in_order as ordered_sizes
from omni.form_tokens import FIELD, form_token_new

register = template.Library()

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}
CHANNEL_ICONS = {
    "store": "store",
    "web": "globe",
    "app": "smartphone",
    "phone": "phone",
    "marketplace": "shopping-cart",
    "social": "at-sign",
    "email": "mail",
    "sms": "message-square",
}
KIND_ICONS = {
    "order": "shopping-bag",
    "return": "undo-2",
    "wishlist": "heart",
    "ticket": "wrench",
    "pickup": "package",
    "appointment": "calendar-days",
    "touchpoint": "mouse-pointer-click",
    "note": "sticky-note",
    "stage": "sparkles",
}


@register.simple_tag
def icon(name: str) -> SafeString:
    """An icon of the vendored Lucide set: a reference to its symbol in the site's sprite
    (fetched once and cached), drawn in the text colour. Inline copies made the icons 60 % of
    a customer's page."""
    if name not in icon_symbols():
        raise template.TemplateSyntaxError(f"Unknown icon “{name}”.")
    return format_html(
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        sprite_url(),
        name,
    )


@register.simple_tag
def channel_icon(channel: str) -> SafeString:
    return icon(CHANNEL_ICONS.get(channel, "circle"))


@register.simple_tag
def kind_icon(kind: str) -> SafeString:
    return icon(KIND_ICONS.get(kind, "circle"))


@register.filter
def money(amount: Decimal | int | None, currency: str = "EUR") -> str:
    """1234.5 → “1 234,50 €” in French, “€1,234.50” in English (the active locale)."""
    if amount is None:
        return ""
    formatted = number_format(amount, 2, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if (get_language() or "en").startswith("fr"):
        return f"{formatted}\u202f{symbol}"
    return f"{symbol}{formatted}"


@register.filter(expects_localtime=True)
def short_date(moment: datetime.date | None, format_string: str = "j M Y") -> str:
    """`{{ day|short_date:"D j M" }}`: Django's date format with the day and month abbreviated
    as each language writes them: “Fri 4 Dec”, and “ven. 4 déc.” where Django's “D j M” gives
    “ven 4 Déc” in French."""
    if moment is None or moment == "":
        return ""
    if (get_language() or "en").startswith("fr"):
        format_string = format_string.replace("M", "N").replace("D", "D.")
    return date_filter(moment, format_string)


@register.filter
def initials(person: object) -> str:
    first = getattr(person, "first_name", "") or ""
    last = getattr(person, "last_name", "") or ""
    letters = (first[:1] + last[:1]).upper()
    return letters or "?"


@register.simple_tag
def tier_badge(tier: str, label: str) -> SafeString:
    return format_html('<span class="badge tier tier-{}">{}</span>', tier, label)


@register.simple_tag
def form_token() -> SafeString:
    """A new one-time token for the form it is in: sent twice, the form is written once."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, form_token_new())


@register.filter
def label(key: object, vocabulary: str) -> str:
    """A stored key shown to people: `{{ kind|label:"size" }}` → “Hauts” in French."""
    return label_of(vocabulary, key)


@register.filter
def labels(keys: Iterable[object] | None, vocabulary: str) -> list[str]:
    """Each key of a list by its label: `{{ categories|labels:"category"|join:", " }}`."""
    return [label_of(vocabulary, key) for key in keys or ()]


@register.filter
def sizes_in_order(sizes: dict | None) -> list[tuple[str, object]]:
    """`{% for kind, size in preference.sizes|sizes_in_order %}`: families in a fixed order."""
    return ordered_sizes(sizes)


@register.simple_tag
def preference_value(key: str, value: object) -> str:
    """A preference's value: a known value (a contact channel, a fit) by its label."""
    return preference_value_label(key, value)
