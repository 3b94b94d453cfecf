"""What makes the tablet app installable and calm offline: the web app manifest, the service
worker and the page it shows when the network is gone, and the icons' sprite. All are public
and hold no personal data (a shared tablet keeps nothing of a customer offline)."""

import hashlib

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from clienteling.icons import sprite

BRAND = "#1f2a44"
BACKGROUND = "#f5f2ec"


def _offline_assets() -> list[str]:
    """What the offline page needs, cached when the worker installs."""
    return [
        reverse("clienteling:offline"),
        static("clienteling/app.css"),
        static("omni/favicon.svg"),
    ]


@require_GET
@login_not_required
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> JsonResponse:
    icons = [
        {"src": static("omni/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        *(
            {
                "src": static(f"omni/icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in (192, 512)
        ),
    ]
    body = {
        "name": "Omni",
        "short_name": "Omni",
        "description": "Omni clienteling",
        "id": "/",
        "start_url": reverse("clienteling:my_day"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": BACKGROUND,
        "theme_color": BRAND,
        "icons": icons,
    }
    return JsonResponse(body, content_type="application/manifest+json")


@require_GET
@login_not_required
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from the root so that its scope is the whole site. A new version of the assets
    (their hashed names in production) gives a new cache name, and the old cache is dropped."""
    assets = _offline_assets()
    version = hashlib.sha256("\n".join(assets).encode()).hexdigest()[:12]
    script = render_to_string(
        "clienteling/sw.js",
        {"assets": assets, "offline_url": assets[0], "cache_name": f"omni-offline-{version}"},
    )
    return HttpResponse(script, content_type="application/javascript; charset=utf-8")


@require_GET
@login_not_required
@cache_control(max_age=365 * 24 * 3600, public=True, immutable=True)
def icons(request: HttpRequest) -> HttpResponse:
    """The icons' sprite; its URL names its digest (`sprite_url`), so it is kept a year."""
    return HttpResponse(sprite(), content_type="image/svg+xml")


@require_GET
@login_not_required
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "clienteling/offline.html")
