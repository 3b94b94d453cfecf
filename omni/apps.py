from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OmniConfig(AppConfig):
    name = "omni"
    verbose_name = _("Retail reference")

    def ready(self) -> None:
        # Registered on import: the field__any lookup, the deploy check of the counters' cache.
        from omni import lookups, rate_limits  # noqa: F401
