"""The wordings of the stage reasons: stored in the site's language, shown in the reader's.

A stage change keeps its reason as plain text (`LifecycleStageChange.reason`), written in
`LANGUAGE_CODE` when it happens. `reason_display` recognises a stored reason among these
wordings and says it again in the active language, so an associate reading French sees French;
a text it does not recognise is shown as stored.
"""

import re
from functools import cache

from django.conf import settings
from django.utils.translation import get_language, gettext, gettext_noop, ngettext, override

LAPSED = gettext_noop("No purchase since %(month)s")
LOYALTY_TIER = gettext_noop("Loyalty tier %(tier)s")
RETENTION = gettext_noop("Repeat customer: %(count)s purchases")
CONVERSION = gettext_noop("First purchase on %(date)s")
HAS_ACCOUNT = gettext_noop("Identified: has an account")
HAS_LOYALTY_CARD = gettext_noop("Identified: has a loyalty card")
INTERACTED = gettext_noop("Identified: interacted (visit, wishlist, after-sales or order)")
HAS_PREFERENCES = gettext_noop("Identified: preferences recorded")
REACH = gettext_noop("Known contact, no account or interaction yet")
WORDINGS = (
    LAPSED,
    LOYALTY_TIER,
    RETENTION,
    CONVERSION,
    HAS_ACCOUNT,
    HAS_LOYALTY_CARD,
    INTERACTED,
    HAS_PREFERENCES,
    REACH,
)
PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)s")


def recent_purchases(count: int, months: int) -> str:
    return ngettext(
        "%(count)s purchases in the last month",
        "%(count)s purchases in the last %(months)s months",
        months,
    ) % {"count": count, "months": months}


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile("^" + PLACEHOLDER.sub(r"(?P<\1>.+?)", re.escape(text)) + "$")


@cache
def _stored_patterns(language: str) -> list[tuple[re.Pattern[str], str | None]]:
    """Each wording as written in `language`, with its msgid (None: the plural wording)."""
    with override(language):
        patterns = [(_pattern(gettext(wording)), wording) for wording in WORDINGS]
        for months in (1, 12):
            plural = recent_purchases(0, months).replace("0", "%(count)s", 1)
            if months > 1:
                plural = plural.replace(str(months), "%(months)s", 1)
            patterns.append((_pattern(plural), None))
    return patterns


def reason_display(reason: str) -> str:
    """The stored reason in the active language (as stored when it is not a known wording)."""
    if (get_language() or settings.LANGUAGE_CODE) == settings.LANGUAGE_CODE:
        return reason
    for pattern, wording in _stored_patterns(settings.LANGUAGE_CODE):
        found = pattern.match(reason)
        if found is None:
            continue
        values = found.groupdict()
        if wording is None:
            return recent_purchases(int(values["count"]), int(values.get("months") or 1))
        return gettext(wording) % values
    return reason
