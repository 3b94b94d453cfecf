"""Weighted pools of first names, last names and email domains for the benchmark customers.

The names come from Faker's locale lists, most customers French. A customer search is only as
hard as the name distribution is real: common surnames must be common (Martin about 1 % of
the French customers, not 5 %) and most surnames rare, with the hyphens, accents, particles
and apostrophes that folding and trigram search have to cope with.

Faker mostly lists names without frequencies, so a Zipf-like weight by rank is applied. For
the French surnames Faker's order is the national frequency order; the common French first
names are put first by hand; other unweighted lists are alphabetical, so their rank comes from
a digest of the name (stable, unlike Faker's random generator). A real file of a million
French customers holds hundreds of thousands of surnames, Faker a few hundred: a tail of rare,
French-looking surnames built from their beginnings and common endings (Bern + eau) carries a
third of the French customers, so that most searched names match a handful of profiles.

The pools are plain data handed to SQL (see `people.py`); the same Faker gives the same rows.
"""

import hashlib
import importlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Integer weights of a pool add up to about this; SQL draws floor(uniform * total).
POOL_SCALE = 1_000_000


@dataclass(frozen=True)
class NameLocale:
    code: str  # a Faker locale
    permille: int  # share of the customers
    widened_by: tuple[str, ...] = ()  # locales whose lists lengthen this one's


LOCALES = (
    NameLocale("fr_FR", 800, widened_by=("fr_CH", "fr_CA", "fr_BE")),
    NameLocale("fr_DZ", 50),  # families from the Maghreb, names in their French spelling
    NameLocale("pt_PT", 35),
    NameLocale("it_IT", 30),
    NameLocale("es_ES", 25),
    NameLocale("en_GB", 20),
    NameLocale("de_DE", 20),
    NameLocale("nl_NL", 10),
    NameLocale("en_IE", 10),
)
FRENCH = "fr_FR"

# Faker lists whose order is a frequency rank (the others are alphabetical).
RANKED_LISTS = {("fr_FR", "last_names")}

# Zipf-Mandelbrot weights 1 / (rank + offset): the offset flattens the head so that the most
# common name stays near its real share (Martin: about 1 % of the French customers).
LAST_NAME_OFFSET = 14
FIRST_NAME_OFFSET = 12
RARE_NAME_OFFSET = 2000

# The most common first names of French adults, most frequent first (Faker's are A to Z).
COMMON_FRENCH_FIRST_NAMES = {
    "female": (
        "Marie",
        "Nathalie",
        "Isabelle",
        "Sylvie",
        "Catherine",
        "Christine",
        "Sophie",
        "Valérie",
        "Julie",
        "Camille",
        "Céline",
        "Stéphanie",
        "Aurélie",
        "Émilie",
        "Martine",
        "Véronique",
    ),
    "male": (
        "Jean",
        "Philippe",
        "Michel",
        "Pierre",
        "Nicolas",
        "Thomas",
        "Alain",
        "Patrick",
        "Christophe",
        "Laurent",
        "Stéphane",
        "Julien",
        "David",
        "Éric",
        "Frédéric",
        "Sébastien",
    ),
}
# Compound first names, common among French adults; Faker's French lists have none.
COMPOUND_FIRST_NAMES = {
    "female": (
        "Marie-Claire",
        "Anne-Sophie",
        "Marie-Christine",
        "Anne-Laure",
        "Marie-Hélène",
        "Marie-France",
        "Anne-Marie",
        "Marie-Laure",
        "Marie-Pierre",
        "Marie-Thérèse",
        "Marie-José",
        "Marie-Noëlle",
        "Anne-Claire",
        "Marie-Agnès",
        "Marie-Ève",
    ),
    "male": (
        "Jean-Pierre",
        "Jean-Claude",
        "Jean-Luc",
        "Jean-Marc",
        "Jean-François",
        "Jean-Michel",
        "Jean-Paul",
        "Jean-Louis",
        "Jean-Philippe",
        "Jean-Baptiste",
        "Jean-Charles",
        "Jean-Yves",
        "Pierre-Yves",
        "Paul-Henri",
        "Marc-Antoine",
    ),
}
COMPOUND_FIRST_SHARE = 0.08
# Surnames with particles and apostrophes, which Faker's French list lacks.
PARTICLE_LAST_NAMES = (
    "N'Diaye",
    "N'Guessan",
    "N'Goran",
    "M'Baye",
    "D'Almeida",
    "D'Angelo",
    "de la Fontaine",
    "de Villiers",
    "de Saint-Jean",
    "de La Rochère",
    "Le Bihan",
    "Le Corre",
    "Du Bois",
    "de Jesus",
)
PARTICLE_LAST_SHARE = 0.02
RARE_LAST_SHARE = 0.35
# Endings of French surnames, put after the beginning of a listed one (Bern + eau).
SURNAME_ENDINGS = (
    "ard", "eau", "ier", "in", "et", "ot", "ault", "aud", "ois", "on", "and", "el", "ert", "at",
    "ant", "as", "oux", "eux", "ay", "ac", "y", "é", "iaux", "ain", "ais", "ez", "ie", "oz",
)  # fmt: skip
_VOWELS = "aeiouyéèêëàâäîïôöûüù"
_BEGINNING = re.compile(rf"^[^{_VOWELS}]*[{_VOWELS}]+[^{_VOWELS}]")

EMAIL_DOMAINS = {
    "france": (
        ("gmail.com", 350),
        ("orange.fr", 120),
        ("hotmail.fr", 100),
        ("yahoo.fr", 60),
        ("free.fr", 60),
        ("sfr.fr", 40),
        ("laposte.net", 40),
        ("outlook.fr", 40),
        ("icloud.com", 40),
        ("wanadoo.fr", 30),
        ("hotmail.com", 30),
        ("live.fr", 20),
        ("outlook.com", 20),
        ("neuf.fr", 10),
        ("bbox.fr", 10),
        ("yahoo.com", 10),
        ("protonmail.com", 10),
        ("aol.com", 10),
    ),
    "abroad": (
        ("gmail.com", 450),
        ("outlook.com", 120),
        ("icloud.com", 100),
        ("hotmail.com", 100),
        ("yahoo.com", 80),
        ("gmx.de", 50),
        ("hotmail.co.uk", 40),
        ("web.de", 30),
        ("libero.it", 30),
    ),
}

_SPELLED_OUT = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ı": "i"}


def email_slug(name: str) -> str:
    """A name as an email holds it: lower-case ASCII, accents folded, spaces and apostrophes
    dropped, hyphens kept (Hélène → helene, N'Diaye → ndiaye, de la Fontaine → delafontaine)."""
    lowered = "".join(_SPELLED_OUT.get(character, character) for character in name.lower())
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(
        character
        for character in decomposed
        if character.isascii() and (character.isalnum() or character == "-")
    )


def _digest(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()


def _is_plain_name(name: str) -> bool:
    """Faker lists hold a few abbreviations and inverted particles ("Hans D.", "Bourgondië,
    van") that no customer file would."""
    return all(character.isalpha() or character in " -'" for character in name)


@dataclass(frozen=True)
class Pool:
    """Names and their integer weights."""

    key: str
    names: tuple[str, ...]
    weights: tuple[int, ...]


def _zipf(count: int, offset: int) -> list[float]:
    return [1 / (rank + offset) for rank in range(1, count + 1)]


def _provider_list(locale: str, attribute: str) -> tuple[list[str], list[float] | None]:
    """Faker's list, deduplicated, in rank order; with its weights when Faker has them."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    values = getattr(provider, attribute)
    if isinstance(values, dict):
        ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))
        ranked = [(name, weight) for name, weight in ranked if _is_plain_name(name)]
        return [name for name, _ in ranked], [float(weight) for _, weight in ranked]
    names = [name for name in dict.fromkeys(values) if _is_plain_name(name)]
    if (locale, attribute) not in RANKED_LISTS:
        names.sort(key=_digest)
    return names, None


def _ranked_names(locales: Iterable[str], attribute: str) -> tuple[list[str], list[float] | None]:
    """The first locale's list, then the names the others add (weighted only when alone)."""
    first, *others = locales
    names, weights = _provider_list(first, attribute)
    seen = set(names)
    for locale in others:
        added = [name for name in _provider_list(locale, attribute)[0] if name not in seen]
        names.extend(added)
        seen.update(added)
        weights = None
    return names, weights


def _shared(weights: Sequence[float], count: int, share: float) -> list[float]:
    """Weights for `count` more names taking `share` of the pool equally between them."""
    each = sum(weights) * share / (1 - share) / count
    return [each] * count


def _scaled(key: str, names: Sequence[str], weights: Sequence[float]) -> Pool:
    total = sum(weights)
    scaled = tuple(max(1, round(weight * POOL_SCALE / total)) for weight in weights)
    return Pool(key, tuple(names), scaled)


def _first_name_pool(locale: NameLocale, gender: str) -> Pool:
    names, weights = _ranked_names((locale.code, *locale.widened_by), f"first_names_{gender}")
    if locale.code == FRENCH:
        common, compounds = COMMON_FRENCH_FIRST_NAMES[gender], COMPOUND_FIRST_NAMES[gender]
        names = [*common, *(name for name in names if name not in {*common, *compounds})]
    weights = weights or _zipf(len(names), FIRST_NAME_OFFSET)
    if locale.code == FRENCH:
        weights = [*weights, *_shared(weights, len(compounds), COMPOUND_FIRST_SHARE)]
        names = [*names, *compounds]
    return _scaled(f"{locale.code}:{gender}", names, weights)


def rare_french_surnames(listed: Sequence[str]) -> list[str]:
    """Surnames that are not listed, built from a listed beginning and a common ending."""
    beginnings = set()
    for name in listed:
        match = _BEGINNING.match(name.lower()) if name.isalpha() else None
        if match and 2 <= len(match.group(0)) <= 5:
            beginnings.add(match.group(0))
    built = {
        (beginning + ending).capitalize() for beginning in beginnings for ending in SURNAME_ENDINGS
    }
    return sorted(built - set(listed), key=_digest)


def _french_last_names() -> tuple[list[str], list[float]]:
    names, _weights = _ranked_names((FRENCH, *LOCALES[0].widened_by), "last_names")
    particles = [name for name in PARTICLE_LAST_NAMES if name not in set(names)]
    rare = rare_french_surnames(names)
    weights = _zipf(len(names), LAST_NAME_OFFSET)
    weights += _shared(weights, len(particles), PARTICLE_LAST_SHARE)
    rare_weights = _zipf(len(rare), RARE_NAME_OFFSET)
    scale = sum(weights) * RARE_LAST_SHARE / (1 - RARE_LAST_SHARE) / sum(rare_weights)
    return [*names, *particles, *rare], [*weights, *(weight * scale for weight in rare_weights)]


def _last_name_pool(locale: NameLocale) -> Pool:
    if locale.code == FRENCH:
        names, weights = _french_last_names()
    else:
        names, listed_weights = _ranked_names((locale.code,), "last_names")
        weights = listed_weights or _zipf(len(names), LAST_NAME_OFFSET)
    return _scaled(f"{locale.code}:last", names, weights)


def name_pools() -> list[Pool]:
    """Every pool: first names by locale and gender, last names by locale, email domains."""
    pools = []
    for locale in LOCALES:
        pools.append(_first_name_pool(locale, "female"))
        pools.append(_first_name_pool(locale, "male"))
        pools.append(_last_name_pool(locale))
    for region, domains in EMAIL_DOMAINS.items():
        names = [domain for domain, _ in domains]
        pools.append(_scaled(f"domain:{region}", names, [float(share) for _, share in domains]))
    return pools


def pool_parameters(pools: Sequence[Pool]) -> dict[str, list]:
    """The pools' names as parallel arrays, for `unnest` in SQL (the weights are written
    into the statements, see `people.py`)."""
    columns: dict[str, list] = {key: [] for key in ("pool_keys", "pool_indexes", "pool_names")}
    columns["pool_slugs"] = []
    for pool in pools:
        for index, name in enumerate(pool.names, 1):
            columns["pool_keys"].append(pool.key)
            columns["pool_indexes"].append(index)
            columns["pool_names"].append(name)
            columns["pool_slugs"].append(email_slug(name) or "client")
    return columns
