"""Head office edits a customer's preferences as fields, not as raw JSON: a size per family, the
favourite brands and categories as lists typed with commas, the contact channel and the fit
as choices. What the form has no field for (a retailer's own keys, sent by the e-shop or the
tablet) stays in two small "other" boxes and is kept as it was."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from customers.labels import FITS, SIZE_KINDS
from customers.models import ContactChannel, Preference

# The families offered as fields, in this order (the others stay in "other sizes").
SIZE_FIELDS = (
    "tops",
    "bottoms",
    "trousers",
    "dresses",
    "knitwear",
    "jackets",
    "coats",
    "shoes",
    "belts",
)
CHOICE_KEYS = {
    "contact_by": [("", "—"), *ContactChannel.choices],
    "fit": [("", "—"), *FITS.items()],
}
MAX_SIZE = 20
MAX_ITEMS = 30


def _size_field(kind: str) -> str:
    return f"size_{kind}"


def _listed(text: str, label: str) -> list[str]:
    items: list[str] = []
    for part in text.split(","):
        item = " ".join(part.split())
        if item and item.casefold() not in {known.casefold() for known in items}:
            items.append(item[:100])
    if len(items) > MAX_ITEMS:
        raise ValidationError(
            _("At most %(count)s %(what)s.") % {"count": MAX_ITEMS, "what": label}
        )
    return items


def _text_mapping(value: Any, label: str) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str | int | float | bool)
        for key, item in value.items()
    ):
        raise ValidationError(
            _('%(what)s: write names and values, for example {"gloves": "7"}.') % {"what": label}
        )
    return value


class _PreferenceForm(forms.ModelForm):
    favourite_brands = forms.CharField(
        label=_("favourite brands"), required=False, help_text=_("Separated by commas.")
    )
    favourite_categories = forms.CharField(
        label=_("favourite categories"), required=False, help_text=_("Separated by commas.")
    )
    contact_by = forms.ChoiceField(
        label=_("Contact by"), choices=CHOICE_KEYS["contact_by"], required=False
    )
    fit = forms.ChoiceField(label=_("Fit"), choices=CHOICE_KEYS["fit"], required=False)
    other_sizes = forms.JSONField(
        label=_("other sizes"),
        required=False,
        help_text=_('Families without a field above, for example {"gloves": "7"}.'),
    )
    other_preferences = forms.JSONField(
        label=_("other preferences"),
        required=False,
        help_text=_('For example {"brow_shade": "4"}.'),
    )

    class Meta:
        model = Preference
        fields = ("skin_type",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preference = self.instance
        sizes = dict(preference.sizes or {}) if preference.pk else {}
        attributes = dict(preference.attributes or {}) if preference.pk else {}
        for kind in SIZE_FIELDS:
            self.initial.setdefault(_size_field(kind), sizes.pop(kind, ""))
        self.initial.setdefault("other_sizes", sizes)
        for key in CHOICE_KEYS:
            value = attributes.get(key)
            if isinstance(value, str) and value in dict(CHOICE_KEYS[key]):
                self.initial.setdefault(key, attributes.pop(key))
        self.initial.setdefault("other_preferences", attributes)
        for form_field in self.fields.values():  # labels written in lower case read as titles
            form_field.label = capfirst(form_field.label)
        if preference.pk:  # the model's lists, as typed in the boxes
            self.initial["favourite_brands"] = ", ".join(preference.favourite_brands)
            self.initial["favourite_categories"] = ", ".join(preference.favourite_categories)

    def clean_favourite_brands(self) -> list[str]:
        return _listed(self.cleaned_data["favourite_brands"], str(_("brands")))

    def clean_favourite_categories(self) -> list[str]:
        return _listed(self.cleaned_data["favourite_categories"], str(_("categories")))

    def clean_other_sizes(self) -> dict[str, str]:
        return _text_mapping(self.cleaned_data["other_sizes"], str(_("Other sizes")))

    def clean_other_preferences(self) -> dict[str, str]:
        return _text_mapping(self.cleaned_data["other_preferences"], str(_("Other preferences")))

    def save(self, commit: bool = True) -> Preference:
        data = self.cleaned_data
        preference = super().save(commit=False)
        sizes = dict(data.get("other_sizes") or {})
        for kind in SIZE_FIELDS:
            value = " ".join(str(data.get(_size_field(kind)) or "").split())
            if value:
                sizes[kind] = value
        attributes = dict(data.get("other_preferences") or {})
        for key in CHOICE_KEYS:
            if data.get(key):
                attributes[key] = data[key]
        preference.sizes = sizes
        preference.attributes = attributes
        preference.favourite_brands = data.get("favourite_brands") or []
        preference.favourite_categories = data.get("favourite_categories") or []
        if commit:
            preference.save()
        return preference


# One field per size family, declared on the class (the admin builds its form from them).
PreferenceAdminForm = type(
    "PreferenceAdminForm",
    (_PreferenceForm,),
    {
        "__doc__": __doc__,
        "__module__": __name__,
        **{
            _size_field(kind): forms.CharField(
                label=SIZE_KINDS[kind], required=False, max_length=MAX_SIZE
            )
            for kind in SIZE_FIELDS
        },
    },
)


def preference_fieldsets() -> list[tuple[Any, dict[str, Any]]]:
    return [
        (_("Sizes"), {"fields": [_size_field(kind) for kind in SIZE_FIELDS] + ["other_sizes"]}),
        (
            _("Tastes"),
            {
                "fields": [
                    "favourite_brands",
                    "favourite_categories",
                    "skin_type",
                    "contact_by",
                    "fit",
                    "other_preferences",
                ]
            },
        ),
    ]
