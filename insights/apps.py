from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Head-office KPIs: daily aggregate tables, dashboards and journey analysis."""

    name = "insights"
    verbose_name = _("Insights")
