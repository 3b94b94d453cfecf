"""Translated labels of the keys stored in customers' data, in one place.

Preferences come from the tablet, the e-shop and imports as free JSON: `{"tops": "M"}` for
sizes, `{"contact_by": "sms", "fit": "oversize"}` for other preferences, a list of category
names. People never see those keys: a key this module knows is shown by its label in the
reader's language; a key it does not know (a retailer's own) is shown tidied
(`brow_shade` → “Brow shade”), never as a raw identifier. Values stay as stored (“M”, “38”,
a shade, free text) except where the key's values are a known list (contact channel, fit).
"""

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from customers.models import ContactChannel, MatchKey

SIZE_KINDS: Mapping[str, Promise] = {
    "tops": _("Tops"),
    "bottoms": _("Bottoms"),
    "trousers": _("Trousers"),
    "jeans": _("Jeans"),
    "skirts": _("Skirts"),
    "dresses": _("Dresses"),
    "shirts": _("Shirts"),
    "knitwear": _("Knitwear"),
    "jackets": _("Jackets"),
    "coats": _("Coats"),
    "suits": _("Suits"),
    "shoes": _("Shoes"),
    "belts": _("Belts"),
    "gloves": _("Gloves"),
    "hats": _("Hats"),
    "rings": _("Rings"),
    "bras": _("Bras"),
    "outerwear": _("Outerwear"),
    # The singular and American words a till or an e-shop may use for the same family.
    "top": _("Tops"),
    "pants": _("Trousers"),
    "dress": _("Dresses"),
    "coat": _("Coats"),
    "shoe": _("Shoes"),
    "belt": _("Belts"),
}

PREFERENCE_KEYS: Mapping[str, Promise] = {
    "contact_by": _("Contact by"),
    "fit": _("Fit"),
    "style": _("Style"),
    "colours": _("Colours"),
    "brow_shade": _("Brow shade"),
    "skin_tone": _("Skin tone"),
    "allergies": _("Allergies"),
}

FITS: Mapping[str, Promise] = {
    "fitted": _("Fitted"),
    "slim": _("Slim"),
    "straight": _("Straight"),
    "regular": _("Regular"),
    "relaxed": _("Relaxed"),
    "oversize": _("Oversize"),
}

# Values of the preferences whose values are a known list.
PREFERENCE_VALUES: Mapping[str, Mapping[str, Promise]] = {
    "contact_by": dict(ContactChannel.choices),
    "fit": FITS,
}

# The catalogue's categories, by their stored (English) name, compared without case.
CATEGORIES: Mapping[str, Promise] = {
    "trench coats": _("Trench coats"),
    "coats": _("Coats"),
    "jackets": _("Jackets"),
    "outerwear": _("Outerwear"),
    "knitwear": _("Knitwear"),
    "tops": _("Tops"),
    "t-shirts": _("T-shirts"),
    "shirts": _("Shirts"),
    "dresses": _("Dresses"),
    "skirts": _("Skirts"),
    "trousers": _("Trousers"),
    "jeans": _("Jeans"),
    "shoes": _("Shoes"),
    "bags": _("Bags"),
    "scarves": _("Scarves"),
    "belts": _("Belts"),
    "jewellery": _("Jewellery"),
    "brows": _("Brows"),
    "make-up": _("Make-up"),
    "skincare": _("Skincare"),
    "fragrance": _("Fragrance"),
}

MATCH_KEYS: Mapping[str, Promise] = dict(MatchKey.choices)

VOCABULARIES: Mapping[str, Mapping[str, Promise]] = {
    "size": SIZE_KINDS,
    "preference": PREFERENCE_KEYS,
    "category": CATEGORIES,
    "match_key": MATCH_KEYS,
}


def tidy_key(key: str) -> str:
    """A key no vocabulary knows, readable: `brow_shade` → “Brow shade”."""
    words = " ".join(str(key).replace("_", " ").split())
    return words[:1].upper() + words[1:]


def label_of(vocabulary: str, key: object) -> str:
    """The label of a stored key in the active language (`size`, `preference`, `category`,
    `match_key`); an unknown key tidied, an unknown category (a name) as stored."""
    known = VOCABULARIES[vocabulary]
    text = str(key)
    label = known.get(text) or known.get(text.strip().casefold())
    if label is not None:
        return str(label)
    return text if vocabulary == "category" else tidy_key(text)


def preference_value_label(key: str, value: object) -> str:
    """A preference's value: labelled when its key has a known list of values, else as stored."""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(preference_value_label(key, item) for item in value)
    text = "" if value is None else str(value)
    label = PREFERENCE_VALUES.get(key, {}).get(text.casefold())
    return str(label) if label is not None else text


def sizes_in_order(sizes: Mapping[str, object] | None) -> list[tuple[str, object]]:
    """Her sizes in the order of the families above (tops before shoes), whatever order the
    database keeps them in (PostgreSQL's jsonb sorts keys by length); unknown families after,
    alphabetically."""
    order = {kind: position for position, kind in enumerate(SIZE_KINDS)}
    return sorted((sizes or {}).items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
