"""Pickup codes: short enough to read aloud or type, too many to guess (32^8 ≈ 10^12)."""

import secrets

# No 0/O, 1/I/L: a customer reads the code off a phone screen to an associate.
PICKUP_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PICKUP_CODE_LENGTH = 8


def new_pickup_code() -> str:
    return "".join(secrets.choice(PICKUP_CODE_ALPHABET) for _ in range(PICKUP_CODE_LENGTH))


def normalize_pickup_code(typed: str) -> str:
    """What an associate types or scans: case, spaces and dashes do not matter."""
    return "".join(character for character in typed.upper() if character.isalnum())
