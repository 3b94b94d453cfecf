"""Which consent wording a decision is given under: the one in force, shown on the tablet, or
the version a channel system names (the e-shop's form).

A decision is recorded only under a wording whose text Omni holds, for the decision's purpose
and contact channel, already in force. The rules are pure functions over the candidate
wordings, so that one lookup serves a single decision and a whole batch alike.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ConsentWording, ContactChannel
from omni.errors import DomainError

# Enough for every version and language of one purpose a retailer keeps in force at once.
IN_FORCE_CANDIDATES = 50


class UnknownWordingError(DomainError):
    """No usable wording for the version given; `field` names where the version was sent."""

    code = "unknown_wording"
    field = "wording_version"


def consent_wording_in_force(
    *, purpose: str, channel: str, language: str, at: datetime.datetime | None = None
) -> ConsentWording | None:
    """The latest wording in force for this purpose and channel, in `language` if there is one
    (else the site's language, else any): what the tablet shows the customer."""
    candidates = list(
        ConsentWording.objects.filter(
            Q(channel="") | Q(channel=channel),
            purpose=purpose,
            is_placeholder=False,
            valid_from__lte=at or timezone.now(),
        ).order_by("-valid_from", "-channel", "-id")[:IN_FORCE_CANDIDATES]
    )
    for wanted in (language, settings.LANGUAGE_CODE):
        for wording in candidates:
            if wording.language == wanted:
                return wording
    return candidates[0] if candidates else None


def consent_wordings_of_versions(
    keys: Iterable[tuple[str, str]],
) -> dict[tuple[str, str], list[ConsentWording]]:
    """Every wording of each (purpose, version), in one query for a whole batch."""
    wanted = {(purpose, version.strip()) for purpose, version in keys}
    found: dict[tuple[str, str], list[ConsentWording]] = defaultdict(list)
    if not wanted:
        return found
    condition = Q()
    for purpose, version in sorted(wanted):
        condition |= Q(purpose=purpose, version=version)
    for wording in ConsentWording.objects.filter(condition).order_by("is_placeholder", "id"):
        found[(wording.purpose, wording.version)].append(wording)
    return found


def consent_wording_of_version(
    *, purpose: str, channel: str, version: str, language: str = "", customer_language: str = ""
) -> ConsentWording:
    """The wording a channel system names by its version; UnknownWordingError otherwise."""
    candidates = consent_wordings_of_versions([(purpose, version)])[(purpose, version.strip())]
    return consent_wording_choose(
        candidates,
        purpose=purpose,
        channel=channel,
        version=version,
        language=language,
        customer_language=customer_language,
    )


def consent_wording_choose(
    candidates: Sequence[ConsentWording],
    *,
    purpose: str,
    channel: str,
    version: str,
    language: str = "",
    customer_language: str = "",
    at: datetime.datetime | None = None,
) -> ConsentWording:
    """Among the wordings of one purpose and version, the one in `language`; without a
    language, the customer's, else the site's, else the only one. A placeholder (text not
    recorded), another channel's wording or one not in force yet is refused."""
    names = {"version": version.strip(), "purpose": purpose}
    recorded = [wording for wording in candidates if not wording.is_placeholder]
    if not recorded:
        if candidates:
            raise UnknownWordingError(
                _(
                    "The text of the consent wording “%(version)s” (%(purpose)s) was not recorded:"
                    " head office must add it (Consent wordings) before consents are recorded "
                    "under it."
                )
                % names
            )
        raise UnknownWordingError(
            _("Unknown consent wording “%(version)s” for the purpose “%(purpose)s”.") % names
        )
    wording = _in_language(recorded, language, customer_language)
    if wording is None:
        raise UnknownWordingError(
            _("The consent wording “%(version)s” (%(purpose)s) has no text in “%(language)s”.")
            % {**names, "language": language or customer_language}
        )
    consent_wording_check(wording, purpose=purpose, channel=channel, at=at)
    return wording


def _in_language(
    recorded: Sequence[ConsentWording], language: str, customer_language: str
) -> ConsentWording | None:
    by_language = {wording.language: wording for wording in recorded}
    if language:
        return by_language.get(language)
    for wanted in (customer_language, settings.LANGUAGE_CODE):
        if wanted in by_language:
            return by_language[wanted]
    return recorded[0] if len(by_language) == 1 else None


def consent_wording_check(
    wording: ConsentWording, *, purpose: str, channel: str, at: datetime.datetime | None = None
) -> None:
    """Raise UnknownWordingError unless a decision on `purpose` by `channel` can be recorded
    under `wording` now."""
    names = {"version": wording.version, "purpose": purpose}
    if wording.is_placeholder:
        raise UnknownWordingError(
            _("The text of the consent wording “%(version)s” was not recorded.") % names
        )
    if wording.purpose != purpose:
        raise UnknownWordingError(
            _("The consent wording “%(version)s” is not about “%(purpose)s”.") % names
        )
    if wording.channel and wording.channel != channel:
        raise UnknownWordingError(
            _("The consent wording “%(version)s” is for %(wording_channel)s, not %(channel)s.")
            % {
                **names,
                "wording_channel": wording.get_channel_display(),
                "channel": ContactChannel(channel).label
                if channel in ContactChannel.values
                else channel,
            }
        )
    if wording.valid_from > (at or timezone.now()):
        raise UnknownWordingError(
            _("The consent wording “%(version)s” is not in force before %(date)s.")
            % {**names, "date": timezone.localtime(wording.valid_from).strftime("%Y-%m-%d %H:%M")}
        )


def consent_wording_in_use(wording: ConsentWording) -> bool:
    """Ledger entries were given under it: it can no longer be changed or deleted."""
    return wording.pk is not None and wording.consents.exists()
