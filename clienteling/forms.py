"""Forms of the tablet app: they parse and validate input; services do the work."""

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clienteling.availability import AssociateSlots, free_slots, slots_by_associate
from clienteling.models import Associate, Task
from customers.models import ConsentPurpose, ConsentWording, ContactChannel
from customers.normalization import normalize_email, normalize_phone
from journeys.models import AfterSalesTicket, OrderLine
from omni.models import Product, Service, Store


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("What should the next associate know?")}
        ),
    )


class WishlistAddForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True)
    )
    size = forms.CharField(label=_("Size"), max_length=20, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TicketOpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AfterSalesTicket.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    order_line = forms.ModelChoiceField(
        label=_("Item concerned"), queryset=OrderLine.objects.none(), required=False
    )

    def __init__(self, *args: object, order_lines: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if order_lines is not None:
            self.fields["order_line"].queryset = order_lines
        self.fields["order_line"].label_from_instance = lambda line: (
            f"{line.order.external_reference} · {line.name}"
            + (f" ({line.size})" if line.size else "")
        )


class TicketTransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=AfterSalesTicket.Status.choices)
    note = forms.CharField(label=_("Comment"), max_length=500, required=False)


class TaskCreateForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_on = forms.DateField(
        label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=Associate.objects.none(), required=False
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=Task.Reason.choices, initial=Task.Reason.FOLLOW_UP
    )
    details = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = Associate.objects.filter(
            store=store, is_active=True
        ).select_related("user")

    def clean_due_on(self) -> datetime.date:
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise ValidationError(_("Choose today or a later day."))
        return due_on


class FollowUpForm(forms.Form):
    title = forms.CharField(label=_("Follow-up"), max_length=200)
    due_on = forms.DateField(
        label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ConsentRecordForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    channel = forms.ChoiceField(label=_("Contact channel"), choices=ContactChannel.choices)
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Agrees")), ("no", _("Refuses or withdraws"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    # The wording the customer was shown (the one in force when the sheet was drawn).
    wording = forms.ModelChoiceField(
        queryset=ConsentWording.objects.filter(is_placeholder=False),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("No wording is in force for this purpose and channel."),
            "invalid_choice": _("This wording is no longer available: read the new one."),
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        wording = cleaned_data.get("wording")
        purpose, channel = cleaned_data.get("purpose"), cleaned_data.get("channel")
        if wording and (wording.purpose != purpose or wording.channel not in ("", channel)):
            raise ValidationError(
                _("The wording shown was for another purpose or channel: read the one now shown.")
            )
        return cleaned_data


class CustomerCreateForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=80)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    email = forms.CharField(
        label=_("Email"), max_length=254, required=False, widget=forms.EmailInput()
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    loyalty_number = forms.CharField(label=_("Loyalty number"), max_length=32, required=False)
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, initial="fr"
    )
    confirm_not_duplicate = forms.BooleanField(
        label=_("I checked: this is a different person"), required=False
    )

    def clean_email(self) -> str | None:
        try:
            return normalize_email(self.cleaned_data["email"])
        except ValidationError as error:
            raise ValidationError(_("Enter a valid email address.")) from error

    def clean_phone(self) -> str | None:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_loyalty_number(self) -> str | None:
        return self.cleaned_data["loyalty_number"].strip() or None

    def clean(self) -> dict:
        cleaned = super().clean()
        keys = ("email", "phone", "loyalty_number")
        if not self.errors and not any(cleaned.get(name) for name in keys):
            raise ValidationError(
                _("Give an email, a phone or a loyalty number, to recognise the customer later.")
            )
        return cleaned


class BookingForm(forms.Form):
    """Service, day and (optionally) associate choose the slots shown; `slot` picks one."""

    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    associate = forms.ModelChoiceField(
        label=_("With"),
        queryset=Associate.objects.none(),
        required=False,
        empty_label=_("Any qualified associate"),
    )
    slot = forms.CharField(required=False, widget=forms.HiddenInput)
    customer_request = forms.CharField(
        label=_("Customer's request"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["service"].queryset = store.services.filter(is_active=True).order_by("name")
        self.fields["associate"].queryset = Associate.objects.filter(
            store=store, is_active=True
        ).select_related("user")
        self.fields["associate"].label_from_instance = str

    def clean_day(self) -> datetime.date:
        day = self.cleaned_data["day"]
        if day < timezone.localdate(timezone.now(), self.store.zone):
            raise ValidationError(_("Choose today or a later day."))
        return day

    def slots(self) -> list:
        """The free slots for the chosen service, day and associate (empty if invalid)."""
        data = getattr(self, "cleaned_data", {})
        if not all(data.get(name) for name in ("service", "day")):
            return []
        return free_slots(
            store=self.store,
            service=data["service"],
            day=data["day"],
            associate=data.get("associate"),
        )

    def slots_by_associate(self, me: Associate | None) -> list[AssociateSlots]:
        """The free slots per associate, `me` first, each in morning, afternoon and evening."""
        return slots_by_associate(self.slots(), zone=self.store.zone, me=me)

    def chosen_slot(self) -> object:
        """The free slot the associate picked; a validation error if it is not free (any more)."""
        key = self.cleaned_data.get("slot") or ""
        for slot in self.slots():
            if slot.key == key:
                return slot
        message = (
            _("Choose one of the free times.")
            if not key
            else _("This time is no longer free; choose another.")
        )
        self.add_error("slot", message)
        return None
