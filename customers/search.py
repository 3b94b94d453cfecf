"""Text folding for customer search: the stored column and the typed query meet half-way.

`Customer.search_name` holds the names lower-cased with accents folded. It is a stored
generated column: the database writes it on every insert and update (bulk ones included), so
no code keeps a copy up to date, and a search reads a plain column instead of recomputing the
folding for every row. `fold_text` does the same to what an associate types. On PostgreSQL a
trigram index on the column (customers migration 0004) serves substring and typo-tolerant
searches; SQLite scans it, which is fast at a retailer's scale.

PostgreSQL folds every letter of `ACCENT_FOLDING` with translate(). SQLite has no
translate() and its parser limits how deeply REPLACE() can nest, so there the expression
folds the accents of French and the other common Western European names
(`SQLITE_FOLDING`); a rarer letter is still found by the typo-tolerant search.
"""

from typing import Any

from django.db import models
from django.db.models import Func, TextField, Value
from django.db.models.functions import Concat, Lower, Replace
from django.utils.translation import gettext_lazy as _

_FOLDED_LETTERS = {
    "a": "àáâãäåÀÁÂÃÄÅ",
    "c": "çćčÇĆČ",
    "e": "èéêëēęěÈÉÊËĒĘĚ",
    "i": "ìíîïÌÍÎÏ",
    "n": "ñńňÑŃŇ",
    "o": "òóôõöøÒÓÔÕÖØ",
    "u": "ùúûüůÙÚÛÜŮ",
    "y": "ýÿÝŸ",
    "s": "śšŚŠ",
    "z": "źżžŹŻŽ",
    "l": "łŁ",
}
ACCENT_FOLDING: dict[str, str] = {
    character: plain for plain, characters in _FOLDED_LETTERS.items() for character in characters
}
LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}
SQLITE_FOLDING: dict[str, str] = {
    character: ACCENT_FOLDING[character] for character in "éèêëàâäîïôöùûüçÉÈáñ"
}
# Typed separators that names may hold; the column keeps them, substrings still match.
_SEPARATORS = {"-": " ", "'": " ", "’": " "}


def fold_text(text: str) -> str:
    """Lower-case, strip accents, split ligatures and separators, collapse whitespace."""
    mapping = {**ACCENT_FOLDING, **LIGATURES, **_SEPARATORS}
    folded = "".join(mapping.get(character, character) for character in text).lower()
    return " ".join(folded.split())


class FoldedText(Func):
    """lower() with accents folded: the SQL twin of `fold_text`, immutable so that it can
    define a generated column (and be indexed)."""

    arity = 1
    output_field = TextField()

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list]:
        expression = self.get_source_expressions()[0]
        for character, plain in SQLITE_FOLDING.items():
            expression = Replace(expression, Value(character), Value(plain))
        return compiler.compile(Lower(expression))

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list]:
        expression = Lower(self.get_source_expressions()[0])
        for character, plain in LIGATURES.items():
            expression = Replace(expression, Value(character), Value(plain))
        sql, params = compiler.compile(expression)
        source = "".join(ACCENT_FOLDING)
        target = "".join(ACCENT_FOLDING.values())
        return f"TRANSLATE({sql}, %s, %s)", [*params, source, target]


def search_name_expression() -> FoldedText:
    """The folded "first_name last_name" of a customer."""
    return FoldedText(Concat("first_name", Value(" "), "last_name"))


class StoredGeneratedField(models.GeneratedField):
    """A stored generated column whose system checks need no database connection.

    Django's checks ask each database whether it supports generated columns, which opens a
    connection; `check --deploy` must run without one (in a build, before the database
    exists). Both supported databases, PostgreSQL and SQLite, have stored generated columns.
    """

    def check(self, **kwargs: Any) -> list:
        return super().check(**{**kwargs, "databases": []})


def search_name_field() -> StoredGeneratedField:
    return StoredGeneratedField(
        expression=search_name_expression(),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("name for search"),
    )
