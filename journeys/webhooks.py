"""Webhook endpoints of the e-shops: verify, store, acknowledge. Processing happens in a task.

Shops sign with a shared secret rather than a session: these views are exempt from CSRF and
from the login requirement, and refuse (401, nothing stored) a body whose signature is wrong.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from journeys.integrations.inbox import webhook_signature_is_valid, webhook_store
from journeys.integrations.models import Platform, ShopIntegration
from journeys.integrations.woocommerce import is_ping
from journeys.metrics import webhook_received_count


def _receive(request: HttpRequest, platform: str, slug: str) -> HttpResponse:
    integration = get_object_or_404(ShopIntegration, slug=slug, platform=platform, is_active=True)
    body = request.body
    if not webhook_signature_is_valid(integration=integration, headers=request.headers, body=body):
        if platform == Platform.WOOCOMMERCE and is_ping(body):
            # WooCommerce checks a new webhook's URL with an unsigned ping: say yes, store nothing.
            return JsonResponse({"status": "pong"})
        return JsonResponse({"error": "invalid_signature"}, status=401)
    receipt = webhook_store(integration=integration, headers=request.headers, body=body)
    webhook_received_count(platform=platform, headers=request.headers, duplicate=receipt.duplicate)
    return JsonResponse({"status": "duplicate" if receipt.duplicate else "accepted"})


@csrf_exempt
@login_not_required
@require_POST
def shopify_webhook(request: HttpRequest, slug: str) -> HttpResponse:
    return _receive(request, Platform.SHOPIFY, slug)


@csrf_exempt
@login_not_required
@require_POST
def woocommerce_webhook(request: HttpRequest, slug: str) -> HttpResponse:
    return _receive(request, Platform.WOOCOMMERCE, slug)
