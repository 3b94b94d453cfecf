import pytest
from django.utils import timezone

from clienteling.factories import AppointmentFactory, NoteFactory
from customers.factories import (
    ConsentFactory,
    ConsentWordingFactory,
    CustomerFactory,
    ExternalIdentityFactory,
    PreferenceFactory,
)
from customers.models import Consent, Customer, CustomerMerge, DuplicateSuggestion, Tag
from customers.selectors import consent_current_states
from customers.services import (
    consent_record,
    customer_create,
    customer_merge,
    customer_merge_undo,
    customer_update,
    duplicate_suggest,
    duplicate_suggestion_dismiss,
)
from journeys.factories import OrderFactory, WishlistItemFactory
from omni.errors import ConflictError, DomainError

pytestmark = pytest.mark.django_db


def test_customer_create_normalises_contact_details(associate) -> None:
    customer = customer_create(
        actor=associate.user, first_name="Claire", email=" Claire@EXAMPLE.fr", phone="0612345678"
    )
    assert (customer.email, customer.phone) == ("claire@example.fr", "+33612345678")


def test_customer_create_with_invalid_phone_says_why_and_creates_nothing(associate) -> None:
    with pytest.raises(DomainError, match="is not a valid phone number"):
        customer_create(actor=associate.user, first_name="Claire", phone="0612")
    assert not Customer.objects.exists()


def test_customer_create_with_an_email_in_use_is_refused(associate) -> None:
    CustomerFactory(email="claire@example.fr")
    with pytest.raises(DomainError, match="email"):
        customer_create(actor=associate.user, first_name="Other", email="CLAIRE@example.fr")
    assert Customer.objects.count() == 1


def test_customer_update_refuses_unknown_fields_and_merged_profiles(associate) -> None:
    customer = CustomerFactory()
    with pytest.raises(DomainError, match="Unknown customer fields"):
        customer_update(customer=customer, actor=associate.user, lifecycle_stage="loyalty")
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "reach"


def test_consent_ledger_appends_and_the_latest_decision_wins(associate) -> None:
    customer = CustomerFactory()
    first = ConsentWordingFactory(purpose="marketing", version="v1")
    second = ConsentWordingFactory(purpose="marketing", version="v2")
    consent_record(
        customer=customer,
        purpose="marketing",
        channel="email",
        granted=True,
        collected_via="web",
        wording=first,
    )
    consent_record(
        customer=customer,
        purpose="marketing",
        channel="email",
        granted=False,
        collected_via="store",
        wording=second,
        actor=associate.user,
        store=associate.store,
    )
    consent_record(
        customer=customer,
        purpose="marketing",
        channel="sms",
        granted=True,
        collected_via="store",
        wording=second,
    )
    assert Consent.objects.filter(customer=customer).count() == 3
    states = consent_current_states(customer)
    assert states[("marketing", "email")].granted is False
    assert states[("marketing", "email")].recorded_by == associate.user
    assert states[("marketing", "email")].wording == second
    assert states[("marketing", "email")].wording_version == "v2"
    assert states[("marketing", "sms")].granted is True


def test_consent_record_refuses_unknown_purpose_and_another_purposes_wording() -> None:
    customer = CustomerFactory()
    wording = ConsentWordingFactory(purpose="marketing", version="v1")
    with pytest.raises(DomainError, match="Unknown consent purpose"):
        consent_record(
            customer=customer,
            purpose="spam",
            channel="email",
            granted=True,
            collected_via="web",
            wording=wording,
        )
    with pytest.raises(DomainError, match="wording"):
        consent_record(
            customer=customer,
            purpose="newsletter",
            channel="email",
            granted=True,
            collected_via="web",
            wording=wording,
        )
    assert not Consent.objects.exists()


def test_duplicate_suggestion_is_one_per_pair_and_collects_keys() -> None:
    first, second = CustomerFactory(), CustomerFactory()
    duplicate_suggest(customer=second, other=first, matched_on=["phone"])
    suggestion = duplicate_suggest(customer=first, other=second, matched_on=["email"])
    assert DuplicateSuggestion.objects.count() == 1
    assert suggestion.matched_on == ["email", "phone"]
    assert (suggestion.customer_id, suggestion.other_id) == (first.pk, second.pk)


def test_dismissing_a_suggestion_twice_is_refused(marketer) -> None:
    suggestion = duplicate_suggest(
        customer=CustomerFactory(), other=CustomerFactory(), matched_on=["phone"]
    )
    duplicate_suggestion_dismiss(suggestion=suggestion, actor=marketer)
    with pytest.raises(DomainError, match="already reviewed"):
        duplicate_suggestion_dismiss(suggestion=suggestion, actor=marketer)


def _absorbed_with_history(associate):
    absorbed = CustomerFactory(email="claire.web@example.fr", loyalty_number=None, phone=None)
    ExternalIdentityFactory(customer=absorbed, source="shopify", external_id="1")
    OrderFactory(customer=absorbed, store=associate.store)
    NoteFactory(customer=absorbed)
    AppointmentFactory(customer=absorbed, associate=associate)
    WishlistItemFactory(wishlist__customer=absorbed)
    ConsentFactory(customer=absorbed)
    PreferenceFactory(customer=absorbed)
    return absorbed


def test_merge_moves_every_related_row_and_records_who_merged(associate, marketer) -> None:
    survivor = CustomerFactory(email=None, loyalty_number="LOY-STORE", phone="+33611111111")
    absorbed = _absorbed_with_history(associate)
    duplicate_suggest(customer=survivor, other=absorbed, matched_on=["phone"])

    merge = customer_merge(survivor=survivor, absorbed=absorbed, actor=marketer, reason="same")

    survivor.refresh_from_db()
    absorbed.refresh_from_db()
    assert absorbed.merged_into == survivor
    assert survivor.email == "claire.web@example.fr"
    assert absorbed.email is None
    for relation in ("orders", "notes", "appointments", "wishlists", "consents", "identities"):
        assert getattr(absorbed, relation).count() == 0, relation
        assert getattr(survivor, relation).count() == 1, relation
    assert survivor.preference is not None
    assert merge.actor == marketer
    assert DuplicateSuggestion.objects.get().status == DuplicateSuggestion.Status.MERGED


def test_merge_keeps_the_survivors_own_one_to_one_rows(associate, marketer) -> None:
    survivor = CustomerFactory()
    kept = PreferenceFactory(customer=survivor, skin_type="dry")
    absorbed = CustomerFactory()
    PreferenceFactory(customer=absorbed, skin_type="oily")
    customer_merge(survivor=survivor, absorbed=absorbed, actor=marketer)
    survivor.refresh_from_db()
    assert survivor.preference.pk == kept.pk


def test_undo_gives_back_rows_and_contact_details(associate, marketer) -> None:
    survivor = CustomerFactory(email=None, loyalty_number="LOY-STORE", phone="+33611111111")
    absorbed = _absorbed_with_history(associate)
    own_order = OrderFactory(customer=survivor, store=associate.store)
    merge = customer_merge(survivor=survivor, absorbed=absorbed, actor=marketer)

    customer_merge_undo(merge=merge, actor=marketer)

    survivor.refresh_from_db()
    absorbed.refresh_from_db()
    assert absorbed.merged_into is None
    assert absorbed.email == "claire.web@example.fr"
    assert survivor.email is None
    assert list(survivor.orders.all()) == [own_order]
    for relation in ("orders", "notes", "appointments", "wishlists", "consents", "identities"):
        assert getattr(absorbed, relation).count() == 1, relation
    merge.refresh_from_db()
    assert merge.undone_by == marketer
    assert merge.undone_at <= timezone.now()
    with pytest.raises(DomainError, match="already undone"):
        customer_merge_undo(merge=merge, actor=marketer)


def test_merging_twice_or_into_itself_is_refused_and_changes_nothing(marketer) -> None:
    survivor, absorbed = CustomerFactory(), CustomerFactory()
    with pytest.raises(DomainError, match="into itself"):
        customer_merge(survivor=survivor, absorbed=survivor, actor=marketer)
    customer_merge(survivor=survivor, absorbed=absorbed, actor=marketer)
    with pytest.raises(DomainError, match="already merged"):
        customer_merge(survivor=CustomerFactory(), absorbed=absorbed, actor=marketer)
    assert CustomerMerge.objects.count() == 1


def test_conflict_error_is_a_domain_error() -> None:
    assert issubclass(ConflictError, DomainError)


def test_merge_gives_the_absorbed_tags_to_the_survivor_and_undo_takes_them_back(marketer) -> None:
    vip, press, bridal = (Tag.objects.create(name=name) for name in ("VIP", "Press", "Bridal"))
    survivor, absorbed = CustomerFactory(), CustomerFactory()
    survivor.tags.add(vip)
    absorbed.tags.add(vip, press, bridal)

    merge = customer_merge(survivor=survivor, absorbed=absorbed, actor=marketer)

    assert set(survivor.tags.values_list("name", flat=True)) == {"VIP", "Press", "Bridal"}
    customer_merge_undo(merge=merge, actor=marketer)
    # VIP was hers before the merge: it stays; the two that came with the merge go back.
    assert list(survivor.tags.values_list("name", flat=True)) == ["VIP"]
    assert absorbed.tags.count() == 3
