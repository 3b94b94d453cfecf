"""What `import_history` remembers of each file, so that a rerun continues where it stopped.

A file is known by its path, size and the hash of its first bytes, plus a fingerprint of the
options it was imported with (kind, format, chunk size...). Each chunk of it that was written
has a row, committed in the same transaction as the chunk's records: a chunk with a row is never
written again, a chunk without one left nothing behind. The rows keep the line numbers and
reasons of the records refused, not the records themselves (personal data stays in the file).

Registered with the journeys app by an import at the bottom of journeys/models.py.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HistoryKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Orders")
    RETURNS = "returns", _("Returns")
    PICKUPS = "pickups", _("Pickups")


class HistoryImport(models.Model):
    path = models.CharField(_("file"), max_length=1024)
    size = models.BigIntegerField(_("size (bytes)"))
    head_hash = models.CharField(_("hash of its first bytes"), max_length=64)
    fingerprint = models.CharField(_("options fingerprint"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=HistoryKind)
    format = models.CharField(_("format"), max_length=20)
    chunk_records = models.PositiveIntegerField(_("records per chunk"))
    options = models.JSONField(_("options"), default=dict, blank=True)
    chunk_count = models.PositiveIntegerField(_("chunks"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("history import")
        verbose_name_plural = _("history imports")
        constraints = [
            models.UniqueConstraint(
                fields=["path", "size", "head_hash", "fingerprint"],
                name="history_import_unique_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.path}"


class HistoryImportChunk(models.Model):
    class Status(models.TextChoices):
        DONE = "done", _("Written")
        FAILED = "failed", _("Failed")

    history_import = models.ForeignKey(
        HistoryImport,
        verbose_name=_("history import"),
        on_delete=models.CASCADE,
        related_name="chunks",
    )
    number = models.PositiveIntegerField(_("chunk"))
    start = models.BigIntegerField(_("first byte"))
    end = models.BigIntegerField(_("end byte"))
    first_line = models.BigIntegerField(_("first line"))
    status = models.CharField(_("status"), max_length=8, choices=Status)
    records = models.PositiveIntegerField(_("records"), default=0)
    outcomes = models.JSONField(_("records by outcome"), default=dict, blank=True)
    errors = models.JSONField(_("refused records"), default=list, blank=True)
    message = models.TextField(_("why it failed"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), auto_now=True)

    class Meta:
        verbose_name = _("history import chunk")
        verbose_name_plural = _("history import chunks")
        constraints = [
            models.UniqueConstraint(
                fields=["history_import", "number"], name="history_import_chunk_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.history_import_id}#{self.number}"
