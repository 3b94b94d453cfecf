"""GET /api/v1/system-status: the System status page's figures, for monitoring tools.

An API client not limited to a store, with the `system_status:read` scope (a monitoring tool's
own token), or a signed-in user who may read the page (the operations role, superusers). It
only reads: replays are made from the page, by a person.
"""

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys.integrations.models import OutboundEvent, Platform, SyncRun, WebhookDelivery
from journeys.system_status.selectors import system_status
from journeys.system_status.views import may_view
from omni.api.authentication import BearerTokenAuthentication
from omni.api.permissions import GlobalScopeOrPermission
from omni.models import ApiScope
from omni.queue_lengths import QueueState


class SystemStatusAccess(GlobalScopeOrPermission):
    """The scope for an API client (not limited to a store), the page's permission for a user."""

    scope = ApiScope.SYSTEM_STATUS_READ
    message = gettext_lazy("Only the operations team may read the system status.")

    def user_allowed(self, user: Any) -> bool:
        return may_view(user)


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="value")
    capped = serializers.BooleanField(
        help_text="True when there are at least `count` rows: counts stop at 10,000."
    )


class PullSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SyncRun.Status.values)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    pages = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()


class PullStateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SyncRun.Kind.values)
    last = PullSerializer(allow_null=True, help_text="The last pull, whatever its outcome.")
    last_completed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the last pull that completed finished."
    )


class ShopSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    platform = serializers.ChoiceField(choices=Platform.values)
    is_active = serializers.BooleanField()
    pulls = PullStateSerializer(many=True)


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shop = serializers.CharField()
    topic = serializers.CharField()
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.values)
    received_at = serializers.DateTimeField()
    attempts = serializers.IntegerField()
    requeued = serializers.IntegerField(help_text="Times it was queued again after a lost task.")
    error_class = serializers.CharField(
        help_text="The class of the last error (never its message); empty when none."
    )


class InboxSerializer(serializers.Serializer):
    failed = CountSerializer()
    stuck = CountSerializer(help_text="Waiting for more than `stuck_after_seconds`.")
    stuck_after_seconds = serializers.SerializerMethodField()
    lag_seconds = serializers.SerializerMethodField(
        help_text="Age of the oldest delivery still waiting (0 when none waits)."
    )
    oldest_failed = DeliverySerializer(many=True)
    oldest_stuck = DeliverySerializer(many=True)

    def get_stuck_after_seconds(self, inbox: Any) -> int:
        return int(inbox.stuck_after.total_seconds())

    def get_lag_seconds(self, inbox: Any) -> float:
        return round(inbox.lag_seconds(self.context["now"]), 1)


class OutboundRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    webhook = serializers.CharField()
    event = serializers.ChoiceField(choices=OutboundEvent.values)
    status = serializers.ChoiceField(choices=["pending", "failed"])
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class OutboundSerializer(serializers.Serializer):
    failed = CountSerializer()
    retrying = CountSerializer(help_text="Pending deliveries refused so far, being retried.")
    newest_failing = OutboundRowSerializer(many=True)


class JobSerializer(serializers.Serializer):
    job = serializers.CharField(help_text="The key of the beat schedule.")
    task = serializers.CharField()
    state = serializers.ChoiceField(choices=["ok", "overdue", "never"])
    due_by = serializers.DateTimeField(
        allow_null=True, help_text="A success is expected by then at the latest."
    )
    last_succeeded_at = serializers.DateTimeField(allow_null=True)
    last_failed_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(help_text="The class of the last failure's error.")


class QueuesSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[
            QueueState.MEASURED,
            QueueState.IN_PROCESS,
            QueueState.UNREACHABLE,
            QueueState.NOT_MEASURED,
        ],
        help_text="`in_process`: no broker, tasks run in the web process; `not_measured`: a "
        "broker other than Redis.",
    )
    depths = serializers.DictField(
        child=serializers.IntegerField(), help_text="Tasks waiting, by queue."
    )


class SystemStatusSerializer(serializers.Serializer):
    checked_at = serializers.DateTimeField()
    healthy = serializers.BooleanField(
        help_text="Nothing failed, stuck or overdue, the broker answers, every active shop's "
        "last pull did not fail."
    )
    shops = ShopSerializer(many=True)
    webhook_deliveries = InboxSerializer(source="inbox")
    outbound_deliveries = OutboundSerializer(source="outbound")
    jobs = JobSerializer(many=True)
    queues = QueuesSerializer()


class SystemStatusView(APIView):
    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [SystemStatusAccess]
    renderer_classes = [JSONRenderer]
    scope_resource = "system_status"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # Times go out in UTC, as from every endpoint of the API (omni.api.viewsets).
        with timezone.override(datetime.UTC):
            return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        operation_id="system_status",
        tags=["operations"],
        summary="The e-shop sync, the webhook inbox, beat jobs and queues",
        responses={200: SystemStatusSerializer},
    )
    def get(self, request: Request) -> Response:
        """What the System status page shows, for monitoring tools: each shop's last pull,
        webhook deliveries failed or stuck (the oldest 20 of each), outbound deliveries
        failing, the beat jobs, the queues' lengths. A constant few queries, whatever the size
        of the tables."""
        status = system_status()
        serializer = SystemStatusSerializer(status, context={"now": status.checked_at})
        return Response(serializer.data)
