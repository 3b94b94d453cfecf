"""/api/v1/retention: the retention purge for the DPO's tools. GET reports what is past its
period today (nothing changed; scope gdpr:read), POST queues the purge (scope gdpr:write)."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from omni.api.idempotency import idempotent
from omni.models import ApiScope
from privacy.erasure_api import DataProtectionAccess, DataProtectionView
from privacy.retention import retention_run
from privacy.tasks import retention_run_task


class RetentionAccess(DataProtectionAccess):
    """Reading the report: gdpr:read (an export permission for a user); the purge: gdpr:write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        reading = request.method in ("GET", "HEAD")
        self.scope = ApiScope.GDPR_READ if reading else ApiScope.GDPR_WRITE
        self.permission = "privacy.export_customer" if reading else "privacy.erase_customer"
        return super().has_permission(request, view)


RETENTION_REPORT = inline_serializer(
    "RetentionReport",
    {
        "steps": serializers.ListField(
            child=inline_serializer(
                "RetentionStep",
                {
                    "model": serializers.CharField(),
                    "action": serializers.ChoiceField(choices=["erase", "purge", "delete"]),
                    "older_than": serializers.DateTimeField(),
                    "rows": serializers.IntegerField(),
                },
            )
        ),
        "total": serializers.IntegerField(),
    },
)

RETENTION_STARTED = inline_serializer("RetentionStarted", {"queued": serializers.BooleanField()})


class RetentionView(DataProtectionView):
    permission_classes = [RetentionAccess]

    @extend_schema(
        operation_id="retention_report",
        tags=["customers"],
        summary="What the retention purge would erase or empty today",
        responses={200: RETENTION_REPORT},
    )
    def get(self, request: Request) -> Response:
        """Counted now, nothing changed: each store with a retention period, and the customers
        whose last contact is older than theirs."""
        report = retention_run(dry_run=True)
        steps = [
            {
                "model": step.label,
                "action": step.action,
                "older_than": step.cutoff,
                "rows": step.rows,
            }
            for step in report.steps
        ]
        return Response({"steps": steps, "total": report.total})

    @extend_schema(
        operation_id="retention_purge",
        tags=["customers"],
        summary="Start the retention purge now (it runs in the background)",
        request=None,
        responses={
            202: inline_serializer("RetentionStarted", {"queued": serializers.BooleanField()})
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        """Queues what beat runs nightly; each customer erased is recorded among the
        erasures (door `retention`)."""
        if request.data:
            raise ParseError(_("Send an empty body: the purge takes no options."))
        transaction.on_commit(retention_run_task.delay)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)
