"""The vocabulary of the words of every customer's name, for the typo-tolerant search.

A mistyped word is corrected against a few tens of thousands of words, not a million names:
`name_words_refresh` keeps `NameWord` up to date (every 5 minutes for new names, exactly every
night; see `customers.tasks`), each process holds the vocabulary for a few minutes
(`VOCABULARY`), and `name_word_corrections` proposes the words one or two typos away.
"""

import datetime
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Length

from customers.models import Customer, NameWord

NAME_WORD_MINIMUM_LENGTH = 2
NAME_WORD_MAXIMUM_LENGTH = 80
REFRESH_CHUNK = 10_000


def name_words(*names: str) -> set[str]:
    """The words of folded names, as the vocabulary keeps them."""
    return {
        word[:NAME_WORD_MAXIMUM_LENGTH]
        for name in names
        for word in name.split()
        if len(word) >= NAME_WORD_MINIMUM_LENGTH
    }


def name_words_refresh(*, since: datetime.datetime | None = None) -> int:
    """Bring the vocabulary up to date; returns how many customers were read. Safe to run
    twice, at any time.

    With `since`, the words of the names of customers changed since then are added, counted
    among those customers only (an estimate, for new words). Without, every customer is read
    and every count is made exact (the nightly run).
    """
    customers = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    if since is not None:
        customers = customers.filter(updated_at__gte=since)
    counts: Counter[str] = Counter()
    read = 0
    rows = customers.order_by().values_list("search_first_name", "search_last_name")
    for first, last in rows.iterator(chunk_size=REFRESH_CHUNK):
        read += 1
        counts.update(name_words(first, last))
    words = [NameWord(word=word, customers=count) for word, count in counts.items()]
    if since is None:
        NameWord.objects.bulk_create(
            words,
            batch_size=REFRESH_CHUNK,
            update_conflicts=True,
            unique_fields=["word"],
            update_fields=["customers"],
        )
    else:
        NameWord.objects.bulk_create(words, batch_size=REFRESH_CHUNK, ignore_conflicts=True)
    VOCABULARY.forget()
    return read


LETTERS = "abcdefghijklmnopqrstuvwxyz"
# How long a process keeps the vocabulary before reading it again (the beat job adds the
# words of new names every 5 minutes).
VOCABULARY_MAX_AGE = 5 * 60
CORRECTIONS_PER_WORD = 3
CORRECTION_CANDIDATES = 500


def typo_distance(typed: str, word: str) -> int:
    """Letters dropped, added, changed or two neighbours swapped to go from one to the other
    (the optimal string alignment distance)."""
    previous_row: list[int] | None = None
    row = list(range(len(word) + 1))
    for i, letter in enumerate(typed, start=1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(word)
        for j, other in enumerate(word, start=1):
            row[j] = min(
                previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + (letter != other)
            )
            swapped = i > 1 and j > 1 and letter == word[j - 2] and typed[i - 2] == other
            if swapped and before is not None:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[-1]


def allowed_typos(typed: str) -> int:
    """One typo in a short word, two in a longer one."""
    return 1 if len(typed) <= 5 else 2


def _one_edit_away(typed: str) -> set[str]:
    """Every word one letter dropped, added, changed or two swapped away from `typed`."""
    splits = [(typed[:cut], typed[cut:]) for cut in range(len(typed) + 1)]
    deleted = {head + tail[1:] for head, tail in splits if tail}
    swapped = {head + tail[1] + tail[0] + tail[2:] for head, tail in splits if len(tail) > 1}
    changed = {head + letter + tail[1:] for head, tail in splits if tail for letter in LETTERS}
    added = {head + letter + tail for head, tail in splits for letter in LETTERS}
    return deleted | swapped | changed | added


class Vocabulary:
    """The name words and how many customers bear each, held by the process for
    `VOCABULARY_MAX_AGE` seconds: a typed word's one-edit variants (a few hundred) are looked
    up here in microseconds, where a query costs milliseconds of planning and scanning."""

    def __init__(self) -> None:
        self._words: dict[str, int] = {}
        self._loaded_at: float | None = None

    def words(self) -> dict[str, int]:
        now = time.monotonic()
        if self._loaded_at is None or now - self._loaded_at > VOCABULARY_MAX_AGE:
            self._words = dict(NameWord.objects.values_list("word", "customers"))
            self._loaded_at = now
        return self._words

    def forget(self) -> None:
        """Read the vocabulary again on next use (after a refresh in this process)."""
        self._loaded_at = None


VOCABULARY = Vocabulary()


def _two_typos_candidates(typed_words: list[str]) -> list[tuple[str, int]]:
    """Words that may be typed with two typos: sharing enough trigrams (PostgreSQL) or, on
    SQLite (a small vocabulary, scanned), the first or last letters with a similar length.
    One query, for the long words that have no correction one edit away."""
    condition = Q()
    for typed in typed_words:
        if connection.vendor == "postgresql":
            condition |= Q(word__trigram_similar=typed)
            continue
        edge = 2 if len(typed) <= 5 else 3  # short words keep fewer letters in place
        ends = Q(word__startswith=typed[:edge]) | Q(word__endswith=typed[-edge:])
        condition |= Q(length__gte=len(typed) - 2, length__lte=len(typed) + 2) & ends
    rows = NameWord.objects.annotate(length=Length("word")).filter(condition)
    return list(rows.values_list("word", "customers")[:CORRECTION_CANDIDATES])


def _ranked(typed: str, candidates: Iterable[tuple[str, int]]) -> list["NameWordView"]:
    scored = [
        (distance, customers, word)
        for word, customers in candidates
        if (distance := typo_distance(typed, word)) <= allowed_typos(typed)
    ]
    scored.sort(key=lambda entry: (entry[0], -entry[1], entry[2]))
    return [NameWordView(word, customers) for _distance, customers, word in scored]


def name_word_corrections(typed_words: list[str]) -> dict[str, list["NameWordView"]]:
    """For each typed word, the vocabulary words one or two typos away, closest (then borne by
    most customers) first, at most `CORRECTIONS_PER_WORD`; a word of the vocabulary is its own
    best correction. Words one edit away come from the vocabulary the process holds; two
    edits away (long words only, when none is one edit away) cost one query."""
    vocabulary = VOCABULARY.words()
    corrections: dict[str, list[NameWordView]] = {}
    for typed in typed_words:
        near = [
            (word, vocabulary[word])
            for word in _one_edit_away(typed) | {typed}
            if word in vocabulary
        ]
        corrections[typed] = _ranked(typed, near)
    further = [
        typed for typed in typed_words if not corrections[typed] and allowed_typos(typed) > 1
    ]
    if further:
        candidates = _two_typos_candidates(further)
        for typed in further:
            corrections[typed] = _ranked(typed, candidates)
    return {typed: close[:CORRECTIONS_PER_WORD] for typed, close in corrections.items()}


@dataclass(frozen=True)
class NameWordView:
    word: str
    customers: int
