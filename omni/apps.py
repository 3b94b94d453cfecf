from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OmniConfig(AppConfig):
    name = "omni"
    verbose_name = _("Retail reference")

    def ready(self) -> None:
        from omni.roles import ensure_built_in_groups

        # The built-in groups (head office, DPO) are refreshed after every migrate.
        post_migrate.connect(ensure_built_in_groups, dispatch_uid="omni.roles.built_in_groups")

        # Registered on import: the field__any lookup, the deploy check of the counters' cache.
        from omni import lookups, rate_limits  # noqa: F401
        from omni.metrics import metrics_modules_discover

        # Each app's metrics.py: its counters and Celery receivers, its scrape collectors.
        metrics_modules_discover()
