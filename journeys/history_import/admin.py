"""Head office sees what `import_history` did: each file imported, and each chunk written or
failed with its counts and the line numbers and reasons of the records refused. Read-only: the
command writes these rows.

Imported by `journeys.admin`, so it registers with the rest of the journeys admin.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from journeys.history_import.models import HistoryImport, HistoryImportChunk
from omni.admin_toolkit import BigTableAdminMixin, ReadOnlyAdminMixin


@admin.register(HistoryImport)
class HistoryImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("started_at", "kind", "format", "path", "chunk_count", "finished_at")
    list_filter = ("kind", "format")
    search_fields = ("path",)
    readonly_fields = [field.name for field in HistoryImport._meta.fields]


@admin.register(HistoryImportChunk)
class HistoryImportChunkAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("history_import", "number", "first_line", "status", "records", "refused")
    list_filter = ("status",)
    list_select_related = ("history_import",)
    sortable_by = ()
    readonly_fields = [field.name for field in HistoryImportChunk._meta.fields]

    @admin.display(description=_("refused"))
    def refused(self, chunk: HistoryImportChunk) -> int:
        return len(chunk.errors)
