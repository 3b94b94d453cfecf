"""The System status page, mounted under /admin/system-status/ (omni/urls.py)."""

from django.urls import path

from journeys.system_status import views

app_name = "system_status"

urlpatterns = [
    path("", views.page, name="page"),
    path("deliveries/<int:delivery_id>/replay/", views.replay, name="replay"),
    path("deliveries/replay-failed/", views.replay_failed, name="replay_failed"),
]
