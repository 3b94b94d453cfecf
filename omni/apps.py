from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OmniConfig(AppConfig):
    name = "omni"
    verbose_name = _("Retail reference")

    def ready(self) -> None:
        from omni import lookups  # noqa: F401 - registers field__any
