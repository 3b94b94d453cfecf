"""Writes on the unified customer: profile, consents, duplicate review, merge and its undo."""

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.consent_wordings import consent_wording_check
from customers.models import (
    Consent,
    ConsentPurpose,
    ConsentWording,
    ContactChannel,
    Customer,
    CustomerMerge,
    DuplicateSuggestion,
)
from omni.errors import ConflictError, DomainError
from omni.models import ApiClient, Channel, Store

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "loyalty_number",
    "loyalty_tier",
    "preferred_store",
    "preferred_language",
    "acquisition_channel",
)
# Fields that must be unique across customers: the absorbed profile gives them up on merge.
UNIQUE_CONTACT_FIELDS = ("email", "loyalty_number")


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _save_validated(customer: Customer) -> Customer:
    """Normalise, validate (including uniqueness) and save; a clear DomainError otherwise."""
    try:
        customer.full_clean()
    except ValidationError as error:
        raise DomainError(_validation_message(error), code="invalid") from error
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as error:
        raise ConflictError(_("This email or loyalty number is already in use.")) from error
    return customer


def customer_create(*, actor: Any = None, **fields: Any) -> Customer:
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown customer fields: %s") % ", ".join(sorted(unknown)))
    return _save_validated(Customer(**fields))


def customer_update(*, customer: Customer, actor: Any = None, **fields: Any) -> Customer:
    if customer.is_merged:
        raise DomainError(_("This profile was merged into another one; edit that one instead."))
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown customer fields: %s") % ", ".join(sorted(unknown)))
    for field, value in fields.items():
        setattr(customer, field, value)
    return _save_validated(customer)


def consent_check(
    *, purpose: str, channel: str, collected_via: str, wording: ConsentWording
) -> None:
    """Raise a DomainError unless a consent decision with these values can be recorded."""
    if purpose not in ConsentPurpose.values:
        raise DomainError(_("Unknown consent purpose “%s”.") % purpose)
    if channel not in ContactChannel.values:
        raise DomainError(_("Unknown contact channel “%s”.") % channel)
    if collected_via not in Channel.values:
        raise DomainError(_("Unknown channel “%s”.") % collected_via)
    consent_wording_check(wording, purpose=purpose, channel=channel)


def consent_record(
    *,
    customer: Customer,
    purpose: str,
    channel: str,
    granted: bool,
    collected_via: str,
    wording: ConsentWording,
    actor: Any = None,
    api_client: ApiClient | None = None,
    store: Store | None = None,
    proof: dict | None = None,
) -> Consent:
    """Append a consent decision, given under `wording`, to the ledger; earlier entries are
    never changed. `actor` is the person recording it, `api_client` the integration that
    sent it through the API."""
    consent_check(purpose=purpose, channel=channel, collected_via=collected_via, wording=wording)
    return Consent.objects.create(
        customer=customer,
        purpose=purpose,
        channel=channel,
        granted=granted,
        recorded_at=timezone.now(),
        collected_via=collected_via,
        collected_at_store=store,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        api_client=api_client,
        wording=wording,
        wording_version=wording.version,
        proof=proof or {},
    )


def consent_wording_create(*, actor: Any = None, **fields: Any) -> ConsentWording:
    """Add a version of a consent wording (head office, in the admin). Wordings are never
    changed once consents were given under them: a new text is a new version."""
    wording = ConsentWording(
        **fields, created_by=actor if getattr(actor, "is_authenticated", False) else None
    )
    try:
        wording.full_clean()
    except ValidationError as error:
        raise DomainError(_validation_message(error), code="invalid") from error
    wording.save()
    return wording


def duplicate_suggest(
    *, customer: Customer, other: Customer, matched_on: Iterable[str], reason: str = ""
) -> DuplicateSuggestion:
    """Record that two profiles may be one person (idempotent for the same pair)."""
    if customer.pk == other.pk:
        raise DomainError(_("A profile cannot be a duplicate of itself."))
    first, second = sorted((customer, other), key=lambda profile: profile.pk)
    suggestion, created = DuplicateSuggestion.objects.get_or_create(
        customer=first,
        other=second,
        defaults={"matched_on": sorted(set(matched_on)), "reason": reason},
    )
    if not created and suggestion.status == DuplicateSuggestion.Status.OPEN:
        keys = sorted(set(suggestion.matched_on) | set(matched_on))
        if keys != suggestion.matched_on:
            suggestion.matched_on = keys
            suggestion.save(update_fields=["matched_on"])
    return suggestion


def duplicate_suggestion_dismiss(*, suggestion: DuplicateSuggestion, actor: Any) -> None:
    if suggestion.status != DuplicateSuggestion.Status.OPEN:
        raise DomainError(_("This suggestion was already reviewed."))
    suggestion.status = DuplicateSuggestion.Status.DISMISSED
    suggestion.reviewed_by = actor
    suggestion.reviewed_at = timezone.now()
    suggestion.save(update_fields=["status", "reviewed_by", "reviewed_at"])


def _customer_relations() -> list[models.ForeignObjectRel]:
    """Every relation that points at Customer, whatever app defines it.

    Walking the model graph (instead of listing models) keeps the merge complete when a later
    app adds a table that belongs to a customer, and keeps customers free of imports from
    higher apps.
    """
    skipped = {DuplicateSuggestion, CustomerMerge, Customer}
    return [
        relation
        for relation in Customer._meta.related_objects
        if relation.related_model not in skipped and (relation.one_to_many or relation.one_to_one)
    ]


def _move_related_rows(*, source: Customer, target: Customer) -> dict[str, dict[str, list]]:
    moved: dict[str, dict[str, list]] = {}
    for relation in _customer_relations():
        model = relation.related_model
        field = relation.field.name
        rows = model._default_manager.filter(**{field: source})
        if relation.one_to_one and model._default_manager.filter(**{field: target}).exists():
            continue  # The kept profile already has its own (e.g. preferences): keep it.
        primary_keys = list(rows.values_list("pk", flat=True))
        if primary_keys:
            _reassign(model, primary_keys, field, target)
            moved.setdefault(model._meta.label, {})[field] = primary_keys
    return moved


def _reassign(model: type[models.Model], primary_keys: list, field: str, owner: Customer) -> None:
    """Give the rows to `owner`; rows that say when they last changed say it (an order moved to
    another customer is a change the API's `updated_since` feed must show)."""
    changes: dict[str, Any] = {field: owner}
    if any(
        getattr(model_field, "auto_now", False) and model_field.name == "updated_at"
        for model_field in model._meta.concrete_fields
    ):
        changes["updated_at"] = timezone.now()
    model._default_manager.filter(pk__in=primary_keys).update(**changes)


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {field: getattr(customer, field) for field in UNIQUE_CONTACT_FIELDS}


@transaction.atomic
def customer_merge(
    *, survivor: Customer, absorbed: Customer, actor: Any, reason: str = ""
) -> CustomerMerge:
    """Fold `absorbed` into `survivor`: every related row moves, and the merge can be undone."""
    locked = {
        customer.pk: customer
        for customer in Customer.objects.select_for_update().filter(
            pk__in=[survivor.pk, absorbed.pk]
        )
    }
    if survivor.pk == absorbed.pk:
        raise DomainError(_("A profile cannot be merged into itself."))
    survivor, absorbed = locked[survivor.pk], locked[absorbed.pk]
    if survivor.is_merged or absorbed.is_merged:
        raise DomainError(_("One of these profiles was already merged."))
    snapshot = _snapshot(absorbed)
    for field in UNIQUE_CONTACT_FIELDS:
        if getattr(survivor, field) is None and getattr(absorbed, field) is not None:
            snapshot.setdefault("given_to_survivor", []).append(field)
    absorbed_values = {field: getattr(absorbed, field) for field in UNIQUE_CONTACT_FIELDS}
    now = timezone.now()
    Customer.objects.filter(pk=absorbed.pk).update(
        email=None, loyalty_number=None, merged_into=survivor, merged_at=now, updated_at=now
    )
    for field in snapshot.get("given_to_survivor", []):
        setattr(survivor, field, absorbed_values[field])
    if not survivor.phone and absorbed.phone:
        survivor.phone = absorbed.phone
        snapshot.setdefault("given_to_survivor", []).append("phone")
    survivor.save()
    moved_rows = _move_related_rows(source=absorbed, target=survivor)
    tags_given = set(absorbed.tags.values_list("pk", flat=True)) - set(
        survivor.tags.values_list("pk", flat=True)
    )
    if tags_given:
        survivor.tags.add(*tags_given)
        snapshot["tags_given_to_survivor"] = sorted(tags_given)
    earlier_absorbed = list(
        Customer.objects.filter(merged_into=absorbed).values_list("pk", flat=True)
    )
    if earlier_absorbed:
        Customer.objects.filter(pk__in=earlier_absorbed).update(merged_into=survivor)
        moved_rows[Customer._meta.label] = {"merged_into": earlier_absorbed}
    merge = CustomerMerge.objects.create(
        survivor=survivor,
        absorbed=absorbed,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        merged_at=now,
        reason=reason,
        moved_rows=moved_rows,
        absorbed_snapshot=snapshot,
    )
    _close_suggestions(survivor=survivor, absorbed=absorbed, actor=actor, when=now)
    return merge


def _close_suggestions(*, survivor: Customer, absorbed: Customer, actor: Any, when: Any) -> None:
    pair = sorted((survivor.pk, absorbed.pk))
    DuplicateSuggestion.objects.filter(
        customer_id=pair[0], other_id=pair[1], status=DuplicateSuggestion.Status.OPEN
    ).update(
        status=DuplicateSuggestion.Status.MERGED,
        reviewed_by=actor if getattr(actor, "is_authenticated", False) else None,
        reviewed_at=when,
    )


@transaction.atomic
def customer_merge_undo(*, merge: CustomerMerge, actor: Any) -> None:
    """Give the absorbed profile back its rows and contact details."""
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise DomainError(_("This merge was already undone."))
    survivor = Customer.objects.select_for_update().get(pk=merge.survivor_id)
    absorbed = Customer.objects.select_for_update().get(pk=merge.absorbed_id)
    if absorbed.merged_into_id != survivor.pk:
        raise DomainError(_("The merged profile has changed since; this merge cannot be undone."))
    snapshot = merge.absorbed_snapshot
    given = snapshot.get("given_to_survivor", [])
    for field in given:
        setattr(survivor, field, None)
    survivor.save()
    survivor.tags.remove(*snapshot.get("tags_given_to_survivor", []))
    for label, fields in merge.moved_rows.items():
        model = apps.get_model(label)
        for field, primary_keys in fields.items():
            _reassign(model, primary_keys, field, absorbed)
    restored = {field: snapshot.get(field) for field in UNIQUE_CONTACT_FIELDS}
    Customer.objects.filter(pk=absorbed.pk).update(
        merged_into=None, merged_at=None, updated_at=timezone.now(), **restored
    )
    merge.undone_at = timezone.now()
    merge.undone_by = actor if getattr(actor, "is_authenticated", False) else None
    merge.save(update_fields=["undone_at", "undone_by"])
