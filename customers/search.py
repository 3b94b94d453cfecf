"""Text folding for customer search: the stored columns and the typed query meet half-way.

`Customer.search_name` holds the names lower-cased with accents folded; `search_first_name`
and `search_last_name` hold each name folded the same way with its separators (hyphens,
apostrophes) turned into spaces, so that "Dupont-Éluard" is stored "dupont eluard", exactly
what `fold_text` makes of what an associate types. They are stored generated columns: the
database writes them on every insert and update (bulk ones included), so no code keeps a copy
up to date. On PostgreSQL a trigram index on `search_name` (customers migration 0004) serves
substring searches; b-tree indexes on the two names (migration 0006) serve exact and prefix
searches, in name order, reading only the rows shown.

`NameWord` is the vocabulary of the words of every name, for typo tolerance: a mistyped word
is corrected against a few tens of thousands of words, not a million names (see
`customers.name_words`). This module sits below the models, which build their columns with it.

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
# Typed separators that names may hold; `search_name` keeps them (substrings still match),
# the first and last name columns turn them into spaces.
_SEPARATORS = {"-": " ", "'": " ", "’": " "}


def fold_text(text: str) -> str:
    """Lower-case, strip accents, split ligatures and separators, collapse whitespace."""
    mapping = {**ACCENT_FOLDING, **LIGATURES, **_SEPARATORS}
    folded = "".join(mapping.get(character, character) for character in text).lower()
    return " ".join(folded.split())


class FoldedText(Func):
    """lower() with accents folded: the SQL twin of `fold_text` (separators kept), immutable
    so that it can define a generated column (and be indexed)."""

    arity = 1
    output_field = TextField()
    # Characters also folded, beyond the accents (overridden by `FoldedWords`).
    extra_folding: dict[str, str] = {}

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list]:
        expression = self.get_source_expressions()[0]
        for character, plain in {**SQLITE_FOLDING, **self.extra_folding}.items():
            expression = Replace(expression, Value(character), Value(plain))
        return compiler.compile(Lower(expression))

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list]:
        expression = Lower(self.get_source_expressions()[0])
        for character, plain in LIGATURES.items():
            expression = Replace(expression, Value(character), Value(plain))
        sql, params = compiler.compile(expression)
        folding = {**ACCENT_FOLDING, **self.extra_folding}
        return f"TRANSLATE({sql}, %s, %s)", [*params, "".join(folding), "".join(folding.values())]


class FoldedWords(FoldedText):
    """`FoldedText` with the separators turned into spaces: exactly `fold_text` for a name
    typed with single spaces."""

    extra_folding = _SEPARATORS


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


def folded_name_field(source: str, verbose_name: Any) -> StoredGeneratedField:
    """One name (first or last) as the search compares it: folded, separators as spaces."""
    return StoredGeneratedField(
        expression=FoldedWords(source),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=verbose_name,
    )
