"""Django's admin app with Omni's site (omni.admin_site), named in INSTALLED_APPS; kept apart
so that reading the app list imports no model."""

from django.contrib.admin.apps import AdminConfig


class OmniAdminConfig(AdminConfig):
    default_site = "omni.admin_site.OmniAdminSite"
