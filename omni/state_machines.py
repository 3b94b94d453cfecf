"""Status workflows: which transitions are allowed, and applying one with its history row."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omni.api_writer import writing_api_client
from omni.errors import InvalidTransitionError


@dataclass(frozen=True)
class StateMachine:
    """The allowed moves of one workflow, e.g. pickup: placed → preparing → ready → collected."""

    label: str
    transitions: Mapping[str, frozenset[str]]

    def allowed_targets(self, current: str) -> frozenset[str]:
        return self.transitions.get(current, frozenset())

    def check(self, current: str, target: str) -> None:
        if target not in self.allowed_targets(current):
            raise InvalidTransitionError(
                _("A %(label)s cannot go from “%(current)s” to “%(target)s”.")
                % {"label": self.label, "current": current, "target": target}
            )


def apply_transition(
    instance: models.Model,
    *,
    machine: StateMachine,
    target: str,
    actor: Any,
    history_model: type[models.Model],
    note: str = "",
    changes: Mapping[str, Any] | None = None,
) -> models.Model:
    """Move `instance` to `target` under a row lock, write `changes` and a history row.

    The row is re-read under lock so two associates acting at once cannot both succeed
    from the same starting state. Returns the refreshed instance.
    """
    model = type(instance)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=instance.pk)
        machine.check(locked.status, target)
        previous = locked.status
        locked.status = target
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        update_fields = ["status", *(changes or {}).keys()]
        if any(field.name == "updated_at" for field in model._meta.concrete_fields):
            update_fields.append("updated_at")
        locked.save(update_fields=update_fields)
        history_model.objects.create(
            subject=locked,
            from_status=previous,
            to_status=target,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            api_client=writing_api_client(),
            note=note,
            changed_at=timezone.now(),
        )
    return locked
