"""`manage.py bench_clienteling` times the 360 and searches with debug on or off (issue 11: with
debug off and no static files collected, it crashed on the first page)."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from clienteling.models import Associate
from customers.factories import CustomerFactory
from journeys.factories import OrderFactory

pytestmark = pytest.mark.django_db

PRODUCTION_STATIC = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}


@pytest.mark.parametrize("debug", [True, False])
def test_the_benchmark_runs_with_debug_on_or_off_without_collected_static_files(
    associate: Associate, tmp_path: Path, debug: bool
) -> None:
    customer = CustomerFactory(last_name="Bernard", phone="+33612345678")
    OrderFactory.create_batch(3, customer=customer)
    output = io.StringIO()
    with override_settings(
        DEBUG=debug,
        STATIC_ROOT=tmp_path / "nothing-collected",
        STORAGES={**settings.STORAGES, "staticfiles": PRODUCTION_STATIC},
    ):
        call_command("bench_clienteling", "--requests", "2", stdout=output)
    lines = output.getvalue().splitlines()
    assert lines[0].startswith(f"Customer #{customer.pk} (3 orders), associate camille")
    assert any(line.startswith("customer 360 (full page)") for line in lines[1:])
    assert len(lines) == 4  # the customer, then the 360 and two searches, each measured
