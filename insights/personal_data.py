"""The insights aggregates count customers by day, store, region and channel: no person in
them (see omni.privacy_registry). Their text fields are the dimensions below; a new field of
another name must be declared here."""

from django.apps import apps

from omni.privacy_registry import register

DIMENSIONS = {"region", "currency", "channel", "path", "from_stage", "row_counts"}

for model in apps.get_app_config("insights").get_models():
    if not model._meta.proxy:
        fields = {field.name for field in model._meta.concrete_fields}
        register(model, not_personal=tuple(sorted(fields & DIMENSIONS)), why="aggregates")
