"""Who is using the tablet: the signed-in associate, in their store's time zone and language."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from clienteling.models import Associate


class AssociateMiddleware:
    """Set `request.associate` (with its store) and switch to the associate's language and
    the store's time zone. Users without an associate profile keep the browser's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        associate = None
        if request.user.is_authenticated:
            associate = (
                Associate.objects.select_related("store", "user")
                .filter(user=request.user, is_active=True)
                .first()
            )
        request.associate = associate  # type: ignore[attr-defined]
        if associate is None:
            return self.get_response(request)
        translation.activate(associate.preferred_language)
        request.LANGUAGE_CODE = associate.preferred_language  # type: ignore[attr-defined]
        timezone.activate(associate.store.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
