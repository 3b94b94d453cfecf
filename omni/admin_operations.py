"""Admin of the records the system keeps about itself: the beat jobs' last runs and the Celery
workers' heartbeats. Read only (written by the workers, omni.worker_health), seen by
superusers and the operations group (omni.roles)."""

from django.contrib import admin

from omni.admin_toolkit import ReadOnlyAdminMixin
from omni.models import ScheduledJobRun, WorkerHeartbeat


@admin.register(ScheduledJobRun)
class ScheduledJobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
class WorkerHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("worker", "started_at", "last_seen_at")
    fields = list_display
