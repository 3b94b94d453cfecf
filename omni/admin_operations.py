"""Admin of the records the system keeps about itself: the beat jobs' last runs and the Celery
workers' heartbeats. Read only (written by the workers, omni.worker_health), seen by
superusers and the operations group (omni.roles)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from omni.models import ScheduledJobRun, WorkerHeartbeat


class WrittenBySystemAdmin(admin.ModelAdmin):
    """Nobody adds, changes or deletes these rows in the admin: the workers write them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ScheduledJobRun)
class ScheduledJobRunAdmin(WrittenBySystemAdmin):
    list_display = (
        "job",
        "task",
        "last_started_at",
        "last_succeeded_at",
        "last_failed_at",
        "last_error",
        "last_duration",
    )
    search_fields = ("job", "task")
    fields = list_display


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(WrittenBySystemAdmin):
    list_display = ("worker", "started_at", "last_seen_at")
    fields = list_display
