"""Helpers for the admin tests: URLs, actions and inline forms posted as a browser does."""

from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse


def admin_url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def inline_management_data(page: HttpResponse) -> dict[str, object]:
    """The management form of every inline on a rendered admin form, as a browser posts it."""
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update(
            {f"{management.prefix}-{key}": value for key, value in management.initial.items()}
        )
    return data


def run_action(
    client: Client, model: type[models.Model], action: str, objects: list[models.Model]
) -> list[str]:
    """Run a changelist action on `objects`; returns the messages the admin showed."""
    response = client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]
