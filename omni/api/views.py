"""The OpenAPI schema, its interactive documentation, and JSON 404s under /api/."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from omni.api.exception_handler import error_body

# Swagger UI runs from local files (drf-spectacular-sidecar) and its own script URL, so the
# project policy holds; it only needs inline styles (set by its JavaScript) and data: images.
DOCS_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}


class SchemaView(SpectacularAPIView):
    """The schema is public: it describes the API, not its data."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


@method_decorator(csp_override(DOCS_CSP), name="dispatch")
class DocsView(SpectacularSwaggerSplitView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    url_name = "api-schema"


@login_not_required
def api_not_found(request: HttpRequest, unknown: str = "") -> JsonResponse:
    detail = _("No API endpoint at this address.")
    return JsonResponse(error_body("not_found", detail), status=404)
