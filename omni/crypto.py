"""Secrets encrypted at rest (shop credentials, webhook signing secrets), with key rotation.

Values are Fernet tokens (AES-128-CBC + HMAC-SHA256, from the `cryptography` library) under the
keys of OMNI_ENCRYPTION_KEYS: the first key encrypts, every key decrypts, so a new key is put
first, `manage.py rotate_secrets` re-encrypts every stored secret with it, and the old key is
then removed. In development (DEBUG) without keys, one is derived from SECRET_KEY.

A stored value that is not a token under one of the keys is refused rather than used as it
is: someone who can write to the database cannot plant a secret they know.
"""

import base64
import functools
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "fernet:"


class SecretUnreadable(ImproperlyConfigured):
    """A stored secret could not be decrypted with any key of OMNI_ENCRYPTION_KEYS."""


def development_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY, for DEBUG only (settings refuse it otherwise)."""
    digest = hashlib.sha256(b"omni-encryption-key:" + secret_key.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _configured_keys() -> list[str]:
    keys = list(settings.OMNI_ENCRYPTION_KEYS)
    return keys or [development_key(settings.SECRET_KEY)]


@functools.cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def _fernet() -> MultiFernet:
    # Keyed by the keys themselves, so override_settings in tests takes effect at once.
    return _fernet_for(tuple(_configured_keys()))


def encrypt(plaintext: str) -> str:
    """A token of `plaintext` under the first key; an empty value stays empty (not set)."""
    if not plaintext:
        return ""
    return TOKEN_PREFIX + _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    if not stored.startswith(TOKEN_PREFIX):
        raise SecretUnreadable(_("A stored secret is not encrypted; run `manage.py migrate`."))
    try:
        return _fernet().decrypt(stored.removeprefix(TOKEN_PREFIX).encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise SecretUnreadable(
            _("A stored secret cannot be decrypted with any key of OMNI_ENCRYPTION_KEYS.")
        ) from None


def is_encrypted_with_primary_key(stored: str) -> bool:
    """Whether `stored` is empty or a token the first key decrypts (nothing left to rotate)."""
    if not stored:
        return True
    if not stored.startswith(TOKEN_PREFIX):
        return False
    primary = Fernet(_configured_keys()[0].encode("ascii"))
    try:
        primary.decrypt(stored.removeprefix(TOKEN_PREFIX).encode("ascii"))
    except InvalidToken:
        return False
    return True


class EncryptedTextField(models.TextField):
    """Text stored encrypted and read back decrypted: code using the field sees the plain value.

    Not searchable (each encryption differs): filter on other fields.
    """

    description = _("Text encrypted at rest")

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in {"isnull"}:
            return None  # Equality on ciphertext would silently match nothing.
        return super().get_lookup(lookup_name)


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted fields, and their names."""
    found = []
    for model in apps.get_models():
        names = [
            field.name for field in model._meta.fields if isinstance(field, EncryptedTextField)
        ]
        if names:
            found.append((model, names))
    return found


def secrets_rotate() -> int:
    """Re-encrypt with the first key every stored secret under another key; how many rows.

    Reads fail (SecretUnreadable) if a value is under none of the keys: nothing is written then.
    """
    rotated = 0
    with transaction.atomic():
        for model, names in encrypted_fields():
            stored = model.objects.annotate(
                **{f"stored_{name}": Cast(name, models.TextField()) for name in names}
            )
            # A few rows (shops, outbound webhooks): read at once, before anything is written.
            for row in list(stored.only("pk", *names).select_for_update()):
                stale = [
                    name
                    for name in names
                    if not is_encrypted_with_primary_key(getattr(row, f"stored_{name}"))
                ]
                if stale:
                    # The field encrypts the decrypted value again, with the first key.
                    model.objects.filter(pk=row.pk).update(
                        **{name: getattr(row, name) for name in stale}
                    )
                    rotated += 1
    return rotated
