"""Realistic, reproducible people for the records the benchmark sends: names drawn from the
weighted pools of `omni.benchmark.names` (those of the scale dataset), emails built from
them in the shapes people choose, phones in E.164 from ranges `phonenumbers` accepts.

Everything is drawn from a seeded `random.Random`: the same seed gives the same people. Phones
are unique by construction (a bijection of the person's number onto a mobile range), so that
two new customers never share one and identity resolution cannot join them by phone.
"""

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from omni.benchmark.names import LOCALES, Pool, email_slug, name_pools
from omni.benchmark.people import (
    FEMALE_PERMILLE,
    FRENCH_MOBILE_6,
    FRENCH_MOBILE_7,
    PHONE_PERMILLE,
)

# The local parts of addresses and their shares (permille), as `omni.benchmark.people`
# builds them in SQL: f and l are the first and last name slugs, yy two digits of a year.
EMAIL_FORMS = (
    (330, "{f}.{l}"),
    (120, "{i}{l}"),
    (150, "{f}.{l}{yy}"),
    (50, "{f}_{l}"),
    (80, "{l}.{f}"),
    (100, "{f}{l}"),
    (70, "{i}.{l}"),
    (60, "{f}{l}{yy}"),
    (40, "{f}-{l}"),
)
MOBILE_PREFIXES = FRENCH_MOBILE_6[0] + FRENCH_MOBILE_7[0]
MOBILE_DIGITS = 7
# Prime to 10**7: the person's number maps onto distinct subscriber numbers.
PHONE_MULTIPLIER = 7_919


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str | None


@dataclass(frozen=True)
class _Weighted:
    names: tuple[str, ...]
    cumulative: tuple[int, ...]
    slugs: tuple[str, ...]


def _weighted(pool: Pool) -> _Weighted:
    slugs = tuple(email_slug(name) or "client" for name in pool.names)
    return _Weighted(pool.names, tuple(itertools.accumulate(pool.weights)), slugs)


def phone_number(number: int) -> str:
    """A French mobile number, a different one for every `number` below 14 × 10**7."""
    prefix = MOBILE_PREFIXES[number % len(MOBILE_PREFIXES)]
    subscriber = (number // len(MOBILE_PREFIXES) * PHONE_MULTIPLIER + 4_321) % 10**MOBILE_DIGITS
    return f"{prefix}{subscriber:0{MOBILE_DIGITS}d}"


class PeopleDrawer:
    """Draws people; `email_tag` makes addresses unique to a run or a file."""

    def __init__(self, seed: str) -> None:
        self._random = random.Random(seed)
        self._pools = {pool.key: _weighted(pool) for pool in name_pools()}
        self._locales = tuple(locale.code for locale in LOCALES)
        self._locale_weights = tuple(itertools.accumulate(loc.permille for loc in LOCALES))
        self._forms = tuple(form for _share, form in EMAIL_FORMS)
        self._form_weights = tuple(itertools.accumulate(share for share, _ in EMAIL_FORMS))

    def _pick(self, key: str) -> tuple[str, str]:
        pool = self._pools[key]
        index = self._random.choices(range(len(pool.names)), cum_weights=pool.cumulative)[0]
        return pool.names[index], pool.slugs[index]

    def _one(self, options: Sequence[str], cumulative: Sequence[int]) -> str:
        return self._random.choices(options, cum_weights=cumulative)[0]

    def draw(self, number: int, *, email_tag: str = "") -> Person:
        """Person `number` (its phone, if any, is `phone_number(number)`); `email_tag` is
        appended to the address's local part (".2" for a second Marie Dupont...)."""
        locale = self._one(self._locales, self._locale_weights)
        gender = "female" if self._random.randrange(1000) < FEMALE_PERMILLE else "male"
        first, first_slug = self._pick(f"{locale}:{gender}")
        last, last_slug = self._pick(f"{locale}:last")
        domain_pool = "domain:france" if locale.startswith("fr") else "domain:abroad"
        domain = self._pick(domain_pool)[0]
        form = self._one(self._forms, self._form_weights)
        local = form.format(
            f=first_slug, l=last_slug, i=first_slug[:1], yy=f"{self._random.randrange(100):02d}"
        )
        has_phone = self._random.randrange(1000) < PHONE_PERMILLE
        return Person(
            first_name=first,
            last_name=last,
            email=f"{local}{email_tag}@{domain}",
            phone=phone_number(number) if has_phone else None,
        )
