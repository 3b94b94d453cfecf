"""One-time form tokens: a form sent twice (a double tap, a retry on a slow network) is written
once.

Each form of the tablet that creates or moves something carries a token drawn when the form
was shown (`{% form_token %}`). `submit_once` claims the token by inserting its row in the
transaction that does the work: a second submission with the same token waits for the first
to commit, finds the token taken and does nothing (the caller answers as for the first: what
it asked is done). If the first failed, its claim was rolled back with it and the second runs.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from omni.errors import DomainError
from omni.models import FormSubmission

FIELD = "form_token"
_VALID = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class Repeated:
    """What `submit_once` returns for a form already written: the id of what the first
    submission created, when it created something."""

    object_id: int | None


def form_token_new() -> str:
    return get_random_string(32)


def form_token_of(request: HttpRequest) -> str | None:
    """The token the form carried; None when it carried none (a client without our forms)."""
    token = request.POST.get(FIELD, "").strip()
    if not token:
        return None
    if not _VALID.fullmatch(token):
        raise DomainError(_("This form has expired: open it again."), code="invalid")
    return token


def submitted_before(request: HttpRequest) -> Repeated | None:
    """Repeated if this form was written already (for a view whose checks would refuse the
    repeat, e.g. "she has a profile already"), else None."""
    token = request.POST.get(FIELD, "").strip()
    if not _VALID.fullmatch(token) or not request.user.is_authenticated:
        return None
    return _repeated(request, token)


def _repeated(request: HttpRequest, token: str) -> Repeated | None:
    first = FormSubmission.objects.filter(user=request.user, token=token).first()
    return Repeated(first.object_id) if first else None


def submit_once[T](request: HttpRequest, action: str, write: Callable[[], T]) -> T | Repeated:
    """Run `write` unless the form's token was used already; returns what `write` returned, or
    Repeated. Raises DomainError for a malformed token (nothing written)."""
    token = form_token_of(request)
    if token is None:
        return write()
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = FormSubmission.objects.create(
                    user=request.user, token=token, action=action[:40], created_at=timezone.now()
                )
        except IntegrityError:
            # Taken by a submission that has committed since (the insert waited for it).
            return _repeated(request, token) or Repeated(None)
        result = write()
        object_id = getattr(result, "pk", None)
        if isinstance(object_id, int):
            FormSubmission.objects.filter(pk=claim.pk).update(object_id=object_id)
        return result
