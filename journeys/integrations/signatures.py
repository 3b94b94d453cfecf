"""HMAC-SHA256 signatures, as Shopify and WooCommerce compute them (and as Omni signs its own).

Standard Base64 of the raw HMAC-SHA256 digest over the exact body bytes.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable


def sign(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(body: bytes, signature: str, secrets: Iterable[str]) -> bool:
    """Whether `signature` was made over `body` with one of `secrets` (constant-time compare)."""
    presented = signature.strip().encode("utf-8", errors="replace")
    matched = False
    for secret in secrets:
        # Every secret is tried, so the time taken does not tell which one matched.
        matched |= hmac.compare_digest(sign(body, secret).encode("ascii"), presented)
    return matched
