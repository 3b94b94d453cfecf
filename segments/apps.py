from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    """Rule-based customer segments, consent-aware exports and frozen campaign snapshots."""

    name = "segments"
    verbose_name = _("Segments")

    def ready(self) -> None:
        from omni.transactions import kept_table_flush_register
        from segments.facts import FLUSH

        # Writers below segments (customers, journeys) defer the facts' refresh without
        # knowing of them.
        kept_table_flush_register(FLUSH)
