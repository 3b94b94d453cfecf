"""The dashboards' filter form: period, store, region and channel (all GET parameters)."""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omni.models import Channel, Store

MAX_PERIOD_DAYS = 5 * 366


@dataclass(frozen=True)
class InsightsFilters:
    """What the dashboards show: local days start..end (inclusive), optionally one store etc."""

    start: datetime.date
    end: datetime.date
    store: Store | None = None
    region: str = ""
    channel: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label) if self.channel else ""


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last 12 months, today included."""
    end = today or timezone.localdate()
    start = end.replace(year=end.year - 1) + datetime.timedelta(days=1)
    return start, end


class InsightsFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=Store.objects.order_by("name"),
        required=False,
        empty_label=_("All stores"),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Channel.choices],
    )

    def __init__(self, *args: object, regions: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            ("", _("All regions")),
            *((region, region) for region in regions),
        ]

    def clean(self) -> dict:
        data = super().clean()
        default_start, default_end = default_period()
        start = data.get("start") or default_start
        end = data.get("end") or default_end
        if "start" in self.errors or "end" in self.errors:
            return data
        if start > end:
            raise forms.ValidationError(_("The start of the period must be before its end."))
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("Choose a period of at most five years."))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> InsightsFilters:
        data = self.cleaned_data
        return InsightsFilters(
            start=data["start"],
            end=data["end"],
            store=data.get("store"),
            region=data.get("region") or "",
            channel=data.get("channel") or "",
        )
