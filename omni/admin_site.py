"""The admin as the head office's workspace: its index opens on what marketers work with
(dashboards, customers, segments, triggers, lifecycle, consent wordings), and the records that
stores, shops and tills own, which head office may only read, are left off its index (still
reachable from the records that link to them), as are the tables the system keeps for itself.
Superusers see every app as Django lists it,
after the same workspace."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from omni.roles import APPEND_ONLY_MODELS, HEAD_OFFICE_VIEW_ONLY_MODELS

WORKSPACE = (
    ("insights", "dashboardpage"),
    ("insights", "journeyanalysispage"),
    ("customers", "customer"),
    ("segments", "segment"),
    ("clienteling", "trigger"),
    ("journeys", "lifecyclesettings"),
    ("customers", "consentwording"),
)
# Records of the stores' and shops' operations, and the histories written by the services.
OPERATIONS = {
    *HEAD_OFFICE_VIEW_ONLY_MODELS,
    *(
        (app_label, model)
        for app_label in ("journeys", "clienteling")
        for model in APPEND_ONLY_MODELS
    ),
}


# Tables the system keeps for itself (the search's name words, used form tokens, tables kept by
# database triggers for fast reads): left off the index but for superusers.
INTERNAL = {
    ("customers", "nameword"),
    ("customers", "currentconsent"),
    ("omni", "formsubmission"),
    ("segments", "segmentfacts"),
}


# The System status page (journeys/system_status, issue 12), named by its URL rather than
# imported (omni sits below journeys): first on the index of the operations role, after the
# workspace for superusers.
SYSTEM_STATUS_PERMISSION = "omni.view_system_status"


def _operations_section(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.has_perm(SYSTEM_STATUS_PERMISSION):
        return None
    url = reverse("system_status:page")
    page = {
        "name": _("System status"),
        "object_name": "SystemStatus",
        "perms": {"add": False, "change": False, "delete": False, "view": True},
        "admin_url": url,
        "add_url": None,
        "view_only": True,
    }
    return {
        "name": _("Operations"),
        "app_label": "operations",
        "app_url": url,
        "has_module_perms": True,
        "models": [page],
    }


def _key(app: dict[str, Any], model: dict[str, Any]) -> tuple[str, str]:
    return app["app_label"], model["object_name"].lower()


class OmniAdminSite(admin.AdminSite):
    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        found = {_key(app, model): model for app in app_list for model in app["models"]}
        workspace = [found[key] for key in WORKSPACE if key in found]
        kept = set(map(id, workspace))
        operator = request.user.is_superuser
        for app in app_list:
            app["models"] = [
                model
                for model in app["models"]
                if id(model) not in kept
                and (
                    operator
                    or not (
                        _key(app, model) in INTERNAL
                        or (_key(app, model) in OPERATIONS and model["view_only"])
                    )
                )
            ]
        app_list = [app for app in app_list if app["models"]]
        operations = _operations_section(request)
        if operations:
            app_list.insert(0, operations)
        if workspace:
            app_list.insert(
                0,
                {
                    "name": _("Head office workspace"),
                    "app_label": "workspace",
                    "app_url": workspace[0]["admin_url"],
                    "has_module_perms": True,
                    "models": workspace,
                },
            )
        return app_list
