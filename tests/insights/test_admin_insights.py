"""The read-only admin of the aggregate tables, and its links to the dashboards."""

import pytest
from django.contrib import admin
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights import models as insights_models
from insights.aggregates import aggregates_rebuild
from tests.insights.conftest import KnownDataset

pytestmark = pytest.mark.django_db

AGGREGATES = [
    insights_models.SalesDaily,
    insights_models.ReturnsDaily,
    insights_models.PickupDaily,
    insights_models.TicketDaily,
    insights_models.StageDaily,
    insights_models.StageTransitionDaily,
    insights_models.AssociateSalesDaily,
    insights_models.FirstPurchaseDaily,
    insights_models.RetentionMonthly,
    insights_models.CohortMonthly,
    insights_models.AggregateRun,
    *insights_models.DAILY_TO_MONTHLY.values(),
]


def _url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:insights_{model._meta.model_name}_{view}", args=args)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _copy_rows(model: type[models.Model], times: int) -> None:
    if model is insights_models.AggregateRun:
        for _ in range(times):
            aggregates_rebuild(monthly=False)
        return
    fields = [field.attname for field in model._meta.concrete_fields if not field.primary_key]
    copies = [
        model(**{name: getattr(row, name) for name in fields})
        for row in model.objects.all()
        for _ in range(times)
    ]
    model.objects.bulk_create(copies)


@pytest.mark.parametrize("model", AGGREGATES, ids=lambda model: model.__name__)
def test_aggregate_lists_open_read_only_with_constant_queries(
    admin_client: Client, known_dataset: KnownDataset, model: type[models.Model]
) -> None:
    aggregates_rebuild()
    row = model.objects.first()
    assert row is not None
    admin_client.get(_url(model, "changelist"))  # warm the caches
    few = _queries(admin_client, _url(model, "changelist"))
    rows = model.objects.count()
    _copy_rows(model, 5)
    assert model.objects.count() == rows * 6

    many = _queries(admin_client, _url(model, "changelist"))

    assert many == few
    change = admin_client.get(_url(model, "change", row.pk))
    assert change.status_code == 200
    assert change.context["adminform"].form.fields.keys() == set()  # every field read-only
    assert 'type="submit"' not in change.content.decode().split('id="content-main"')[1]
    assert admin_client.get(_url(model, "add")).status_code == 403
    model_admin = admin.site.get_model_admin(model)
    request = admin_client.get(_url(model, "changelist")).wsgi_request
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)


def test_head_office_sees_the_dashboard_links_not_the_tables(
    client: Client, marketer: object
) -> None:
    client.force_login(marketer)

    index = client.get(reverse("admin:index")).content.decode()

    assert _url(insights_models.DashboardPage, "changelist") in index
    assert _url(insights_models.SalesDaily, "changelist") not in index
    assert client.get(_url(insights_models.SalesDaily, "changelist")).status_code == 403
