from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    """Rule-based customer segments, consent-aware exports and frozen campaign snapshots."""

    name = "segments"
    verbose_name = _("Segments")
