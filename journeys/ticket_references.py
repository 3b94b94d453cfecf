"""After-sales (SAV) ticket references: one format wherever a ticket comes from.

“SAV-” and seven characters of the pickup codes' alphabet (no 0/O, 1/I/L), e.g. SAV-CWUJJQY:
the customer reads it aloud on the phone or off an email, and it tells nothing of how many
tickets the retailer opens. The tablet and the API draw it at random; seeded and test data
number their tickets and spread the numbers over the same format, so that every reference an
associate or a customer sees looks alike.
"""

import re
import secrets

from journeys.pickup_codes import PICKUP_CODE_ALPHABET

TICKET_REFERENCE_PREFIX = "SAV-"
TICKET_REFERENCE_LENGTH = 7
TICKET_REFERENCE_PATTERN = re.compile(
    rf"{TICKET_REFERENCE_PREFIX}[{PICKUP_CODE_ALPHABET}]{{{TICKET_REFERENCE_LENGTH}}}"
)
_SPACE = len(PICKUP_CODE_ALPHABET) ** TICKET_REFERENCE_LENGTH
# Prime to the size of the space: multiplying by it mixes the numbers without collisions.
_SPREAD = 2_654_435_761


def _encoded(number: int) -> str:
    characters = []
    for _position in range(TICKET_REFERENCE_LENGTH):
        number, digit = divmod(number, len(PICKUP_CODE_ALPHABET))
        characters.append(PICKUP_CODE_ALPHABET[digit])
    return TICKET_REFERENCE_PREFIX + "".join(reversed(characters))


def ticket_reference_new() -> str:
    """A reference for a ticket being opened; the database's unique constraint stands guard."""
    return _encoded(secrets.randbelow(_SPACE))


def ticket_reference_for_number(number: int) -> str:
    """The reference of the n-th seeded ticket: two numbers never share one."""
    return _encoded(number * _SPREAD % _SPACE)
