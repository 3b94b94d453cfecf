"""Migration 0009: the ledger entries recorded before wordings were kept are linked to a
placeholder wording per purpose and version, and new ones can then be recorded."""

import datetime
from collections.abc import Iterator

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = ("customers", "0008_consent_wording")
AFTER = ("customers", "0009_consent_wording_link_existing")


def _migrate(target: tuple[str, str]) -> Apps:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def before_the_migration(transactional_db: None) -> Iterator[Apps]:
    yield _migrate(BEFORE)
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    MigrationExecutor(connection).migrate(leaves)


def _entry(apps: Apps, customer: object, purpose: str, version: str, days_ago: int) -> None:
    apps.get_model("customers", "Consent").objects.create(
        customer=customer,
        purpose=purpose,
        channel="email",
        granted=True,
        recorded_at=timezone.now() - datetime.timedelta(days=days_ago),
        collected_via="web",
        wording_version=version,
    )


def test_existing_entries_are_linked_to_placeholders_saying_the_text_was_not_kept(
    before_the_migration: Apps,
) -> None:
    old = before_the_migration
    customer = old.get_model("customers", "Customer").objects.create(first_name="Anne")
    _entry(old, customer, "marketing", "2024-09", days_ago=400)
    _entry(old, customer, "marketing", "2024-09", days_ago=100)
    _entry(old, customer, "marketing", "2026-01", days_ago=10)
    _entry(old, customer, "newsletter", "2024-09", days_ago=50)

    new = _migrate(AFTER)

    ledger = new.get_model("customers", "Consent").objects
    wordings = new.get_model("customers", "ConsentWording").objects.order_by("purpose", "version")
    assert not ledger.filter(wording__isnull=True).exists()
    assert [(row.purpose, row.version, row.is_placeholder) for row in wordings] == [
        ("marketing", "2024-09", True),
        ("marketing", "2026-01", True),
        ("newsletter", "2024-09", True),
    ]
    for entry in ledger.select_related("wording"):
        assert (entry.wording.purpose, entry.wording.version) == (
            entry.purpose,
            entry.wording_version,
        )
        assert entry.wording.valid_from <= entry.recorded_at
        assert "Wording not recorded before" in entry.wording.text
        assert entry.wording_version in entry.wording.text
    oldest = ledger.filter(purpose="marketing", wording_version="2024-09").earliest("recorded_at")
    assert oldest.wording.valid_from == oldest.recorded_at
