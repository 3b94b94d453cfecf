"""Admin for the REST API: API clients (token shown once after saving) and idempotency records."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omni.admin_toolkit import CreateThroughServiceMixin, ReadOnlyAdminMixin, service_action
from omni.api.clients import api_client_create, api_client_issue_token
from omni.models import ApiClient, ApiScope, FormSubmission, IdempotencyRecord


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ApiClient
        fields = ["name", "scopes", "store", "is_active"]


def _show_token_once(request: HttpRequest, client: ApiClient, token: str) -> None:
    messages.warning(
        request,
        gettext(
            "Token of “%(client)s”, shown only now — copy it into the integration's secrets: "
            "%(token)s"
        )
        % {"client": client.name, "token": token},
    )


def _issue_token(request: HttpRequest, client: ApiClient) -> str:
    _show_token_once(request, client, api_client_issue_token(client=client, actor=request.user))
    return gettext("%(client)s has a new token; the old one no longer works.") % {
        "client": client.name
    }


@admin.register(ApiClient)
class ApiClientAdmin(CreateThroughServiceMixin, admin.ModelAdmin):
    form = ApiClientForm
    add_fields = ("name", "scopes", "store")
    fields = ("name", "scopes", "store", "is_active", "token_prefix", "created_at", "last_used_at")
    readonly_fields = ("token_prefix", "created_at", "last_used_at")
    list_display = ("name", "token_prefix", "store", "is_active", "last_used_at", "created_at")
    list_filter = ("is_active", "store")
    list_select_related = ("store",)
    search_fields = ("name", "token_prefix")
    autocomplete_fields = ("store",)
    actions = [
        service_action(
            name="issue_new_token",
            description=_("Issue a new token (the old one stops working)"),
            description_plural=_("Issue new tokens for the selected API clients"),
            perform=_issue_token,
        )
    ]

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> ApiClient:
        client, token = api_client_create(
            name=data["name"], scopes=data["scopes"], store=data.get("store"), actor=request.user
        )
        _show_token_once(request, client, token)
        return client


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("key", "client", "method", "path", "response_status", "created_at")
    list_filter = ("client", "method", "response_status")
    list_select_related = ("client",)
    search_fields = ("key", "path")
    date_hierarchy = "created_at"
    readonly_fields = (
        "client",
        "key",
        "method",
        "path",
        "request_hash",
        "response_status",
        "response_body",
        "created_at",
        "completed_at",
    )


@admin.register(FormSubmission)
class FormSubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The tablet forms' used one-time tokens (kept a day): what a double tap did not repeat."""

    list_display = ("action", "user", "object_id", "created_at")
    list_filter = ("action",)
    list_select_related = ("user",)
    search_fields = ("token",)
    readonly_fields = ("user", "token", "action", "object_id", "created_at")
