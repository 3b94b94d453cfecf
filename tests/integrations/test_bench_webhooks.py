import re
from io import StringIO

import pytest
from django.core.management import call_command

from journeys.integrations.models import WebhookDelivery


@pytest.mark.django_db(transaction=True)
def test_bench_webhooks_reports_acknowledgement_percentiles() -> None:
    output = StringIO()

    call_command("bench_webhooks", "--deliveries", "5", "--warm-up", "1", stdout=output)

    assert re.search(r"5 signed webhooks .* p95 \d+\.\d ms", output.getvalue())
    assert WebhookDelivery.objects.filter(status="processed").count() == 6
