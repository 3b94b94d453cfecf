from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientelingConfig(AppConfig):
    name = "clienteling"
    verbose_name = _("Clienteling")

    def ready(self) -> None:
        # The apps below journal the reads of personal data through omni.access_journal;
        # the entries are stored here (ProfileAccess).
        from clienteling.access_journal import profile_accesses_write
        from omni.access_journal import register_writer

        register_writer(profile_accesses_write)
