"""The French translation ships complete, and the tablet speaks French to French associates
and to French customers."""

import datetime
import gettext
import re
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from clienteling.models import Associate
from clienteling.templatetags.tablet import short_date
from journeys.models import Pickup

LOCALE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
_ENTRY = re.compile(
    r'^(?:msgctxt ((?:".*"\n)+))?msgid ((?:".*"\n)+)(?:msgid_plural (?:".*"\n)+)?'
    r'((?:msgstr(?:\[\d\])? (?:".*"\n)+)+)',
    re.M,
)


def _join(quoted: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))


def po_entries() -> dict[str, str]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for match in _ENTRY.finditer(text):
        msgid = _join(match.group(2))
        if msgid:
            # A message with a context is compiled as "context\x04message" (gettext's key).
            context = match.group(1)
            key = f"{_join(context)}\x04{msgid}" if context else msgid
            entries[key] = _join(match.group(3))
    return entries


def test_every_message_is_translated_and_compiled() -> None:
    entries = po_entries()
    assert len(entries) > 500
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert untranslated == []
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    compiled_ids = {key if isinstance(key, str) else key[0] for key in catalog}
    missing = {
        msgid.encode().decode("unicode_escape").encode("latin-1").decode() for msgid in entries
    } - compiled_ids
    assert missing == set(), "run compilemessages: the .mo is older than the .po"


@pytest.mark.django_db
def test_french_associate_sees_the_app_in_french(associate: Associate, customer: object) -> None:
    associate.preferred_language = "fr"
    associate.save()
    client = Client()
    client.force_login(associate.user)
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert home["Content-Language"] == "fr"
    assert "Ma journée" in home.content.decode()
    profile = client.get(reverse("clienteling:customer", args=[customer.pk])).content.decode()  # type: ignore[attr-defined]
    for words in ("Chiffres clés", "Liste d’envies", "Historique", "Consentements"):
        assert words in profile
    desk = client.get(reverse("clienteling:pickups")).content.decode()
    # The desk's tabs agree with "commande": Prête, Expirée, Retirée.
    assert re.search(r">Prête <span class=\"count\">", desk)
    assert "Expirée" in desk


@pytest.mark.django_db
def test_ready_notification_speaks_the_customers_language(
    associate_client: Client,
    pickup: Pickup,
    django_capture_on_commit_callbacks: object,
    sms_outbox: list,
) -> None:
    customer = pickup.order.customer
    customer.preferred_language = "fr"
    customer.save()
    Pickup.objects.filter(pk=pickup.pk).update(status="preparing")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        associate_client.post(
            reverse("clienteling:pickup_ready", args=[pickup.pk]), HTTP_HX_REQUEST="true"
        )
    assert mail.outbox[0].subject.startswith("Votre commande vous attend")
    assert "Code de retrait" in sms_outbox[0].body


def test_short_dates_abbreviate_the_month_as_each_language_writes_it() -> None:
    day = datetime.date(2026, 12, 4)
    with translation.override("en"):
        assert (short_date(day), short_date(day, "D j M")) == ("4 Dec 2026", "Fri 4 Dec")
    with translation.override("fr"):  # not Django's “4 Déc 2026” and “ven 4 Déc”
        assert (short_date(day), short_date(day, "D j M")) == ("4 déc. 2026", "ven. 4 déc.")
        assert short_date(datetime.date(2026, 6, 4), "j M") == "4 juin"
    assert short_date(None) == ""


def test_a_short_date_is_the_time_of_the_store() -> None:
    moment = datetime.datetime(2026, 12, 4, 23, 30, tzinfo=datetime.UTC)
    template = Template('{% load tablet %}{{ moment|short_date:"j M H:i" }}')
    with translation.override("fr"), timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        assert template.render(Context({"moment": moment})) == "5 déc. 00:30"
