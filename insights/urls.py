"""Head-office dashboards, mounted under /admin/insights/ (staff with insights.view_dashboard)."""

from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("journeys/", views.journeys, name="journeys"),
    path("rebuild/", views.rebuild, name="rebuild"),
]
