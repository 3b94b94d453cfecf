"""The dashboard and journey-analysis pages: KPIs by hand, filters, permissions, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clienteling.models import Associate
from insights import selectors
from insights.aggregates import aggregates_rebuild
from insights.models import SalesDaily
from journeys.factories import AfterSalesTicketFactory, OrderFactory, PickupFactory
from omni.factories import StoreFactory, UserFactory
from tests.insights.conftest import KnownDataset, at

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("insights:dashboard")
JOURNEYS = reverse("insights:journeys")
FIRST_QUARTER = {"start": "2026-01-01", "end": "2026-03-31"}  # > 62 days: monthly buckets


def grant_dashboard(user: User) -> User:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="insights", codename="view_dashboard")
    )
    return User.objects.get(pk=user.pk)  # a fresh object: no cached permissions


@pytest.fixture
def head_office_client(client: Client, marketer: User) -> Client:
    """The head-office group holds insights.view_dashboard (omni.roles)."""
    client.force_login(marketer)
    return client


@pytest.fixture
def rebuilt(known_dataset: KnownDataset) -> KnownDataset:
    aggregates_rebuild()
    return known_dataset


def test_dashboard_kpis_match_the_hand_computed_figures(
    head_office_client: Client, rebuilt: KnownDataset
) -> None:
    response = head_office_client.get(DASHBOARD, FIRST_QUARTER)

    assert response.status_code == 200
    context = response.context
    # 11 purchases (X1 cancelled), 1,140 EUR; first purchases: E1, O1, O4, F1, O7;
    # repeat purchases 5 of the 10 purchases of known customers.
    assert context["headline"] == {
        "orders": 11,
        "revenues": ["1,140 EUR"],
        "first_orders": 5,
        "repeat_share": Decimal("50.0"),
    }
    pooled = context["retention"]["pooled"]
    # Omnichannel: February retained 2 of the 2 January buyers; repeat buyers 1+1 of 2+2.
    assert (pooled["omni"]["retention"], pooled["omni"]["repeat"]) == (100, 50)
    # Single channel: erin retained, frank not (1 of 2); nobody bought twice in a month.
    assert (pooled["single"]["retention"], pooled["single"]["repeat"]) == (50, 0)
    pickups = context["pickups"]
    # Ready after 2 h and 4 h: 3.0 h; collected after 26 h; 1 expired of 1 collected + 1 expired.
    assert (pickups["ready_hours"], pickups["collected_hours"]) == (3.0, 26.0)
    assert pickups["no_show_rate"] == Decimal("50.0")
    # 3 tickets opened, 2 closed of which 1 before its due date.
    assert context["tickets"]["totals"]["opened"] == 3
    assert context["tickets"]["sla_rate"] == Decimal("50.0")
    associates = context["associates"]
    # Influenced: 220 of 1,140 EUR = 19.3 %; 2 of 11 purchases = 18.2 %.
    assert (associates["revenue_share"], associates["order_share"]) == (
        Decimal("19.3"),
        Decimal("18.2"),
    )
    assert associates["chart"].categories[0] == rebuilt.lyon_seller.get_full_name()


def test_dashboard_charts_over_months(head_office_client: Client, rebuilt: KnownDataset) -> None:
    context = head_office_client.get(DASHBOARD, FIRST_QUARTER).context

    revenue = {series.label: series.values for series in context["revenue_chart"].series}
    # Store: January 70 + 100 + 40 + 120 = 330, February 90; web: 80 + 30, then
    # 60 + 200 + 300 + 50 = 610.
    assert revenue == {
        "Store": [Decimal(330), Decimal(90), None],
        "Web": [Decimal(110), Decimal(610), None],
    }
    entries = {series.label: series.values for series in context["stages"]["transitions"].series}
    assert entries == {"Conversion": [4, 1, None], "Retention": [1, 2, None]}
    retention = {s.label: s.values for s in context["retention"]["retention_chart"].series}
    # January has no previous month with buyers: no rate; March: no purchase at all.
    assert retention == {
        "Omnichannel (2+ channels)": [None, Decimal("100.0"), None],
        "Single channel": [None, Decimal("50.0"), None],
    }
    cohorts = {(row["month"].month, row["channel"]): row for row in context["cohorts"]["rows"]}
    # January store: alice, erin (both back in February); January web: bob (back), frank.
    assert cohorts[(1, "store")]["size"] == 2
    assert cohorts[(1, "store")]["shares"][:3] == [100, 100, 0]
    assert cohorts[(1, "web")]["shares"][:2] == [100, 50]
    assert cohorts[(2, "web")]["size"] == 1


def test_dashboard_renders_svg_charts_with_their_values(
    head_office_client: Client, rebuilt: KnownDataset
) -> None:
    content = head_office_client.get(DASHBOARD, FIRST_QUARTER).content.decode()

    assert content.count("<svg") >= 7
    assert "<title>Jan. 2026 · Store: 330 EUR</title>" in content
    assert "<title>Feb. 2026 · Web: 610 EUR</title>" in content
    assert "<title>Feb. 2026 · Omnichannel (2+ channels): 100.0\u00a0%</title>" in content
    french = head_office_client.get(DASHBOARD, FIRST_QUARTER, HTTP_ACCEPT_LANGUAGE="fr")
    french_content = french.content.decode()
    # The month as French abbreviates it, a decimal comma, the sign kept with its number.
    assert "fév. 2026" in french_content
    assert "Fév 2026" not in french_content
    assert "100,0\u00a0%" in french_content
    # The table fallback carries the same numbers.
    assert "<td>610 EUR</td>" in content
    # The definitions are on the page.
    assert "divided by the customers who bought in the previous month" in content


def test_stage_snapshot_is_the_last_one_of_the_period(
    head_office_client: Client, rebuilt: KnownDataset
) -> None:
    stages = head_office_client.get(DASHBOARD).context["stages"]  # last 12 months: today

    counts = dict(
        zip(stages["snapshot"].categories, stages["snapshot"].series[0].values, strict=True)
    )
    # dave reach; carol, frank conversion; alice, bob, erin retention.
    assert counts == {
        "Reach": 1,
        "Acquisition": 0,
        "Conversion": 2,
        "Retention": 3,
        "Loyalty": 0,
        "Lapsed": 0,
    }
    paris = head_office_client.get(DASHBOARD, {"store": rebuilt.paris.pk}).context["stages"]
    assert paris["snapshot"].series[0].values == [1, 0, 0, 2, 0, 0]  # dave; alice, erin
    assert "preferred store" in paris["note"]


def test_journey_analysis_kpis(head_office_client: Client, rebuilt: KnownDataset) -> None:
    response = head_office_client.get(JOURNEYS, FIRST_QUARTER)

    assert response.status_code == 200
    context = response.context
    # 3 channel switches (O5, O2, O6) of 5 repeat purchases.
    assert context["switching_rate"] == Decimal("60.0")
    # 6 web purchases (O4, F1, O7, O2, O6, O3): 2 click & collect, 1 returned in store.
    assert context["click_and_collect_share"] == Decimal("33.3")
    assert context["returned_in_store_share"] == Decimal("16.7")
    paths = [(row["path"], row["customers"], row["share"]) for row in context["paths"]]
    assert paths == [
        ("social>web>store", 2, Decimal("40.0")),
        ("web", 2, Decimal("40.0")),
        ("social>web", 1, Decimal("20.0")),
    ]
    returns = [
        (row["order_channel"], row["return_channel"], row["returns"]) for row in context["returns"]
    ]
    assert returns == [("web", "store", 1)]
    assert "Social media → Web → Store" in response.content.decode()


@pytest.mark.parametrize(
    ("filters", "orders", "revenue"),
    [
        # Paris: E1 70, O1 100, O9 40, E2 90 in the store, O3 50 collected there.
        ({"store": "paris"}, 5, "350 EUR"),
        # Lyon's region: O4 80 and O5 120.
        ({"region": "Auvergne-Rhône-Alpes"}, 2, "200 EUR"),
        # Web: 80 + 30 + 60 + 200 + 300 + 50.
        ({"channel": "web"}, 6, "720 EUR"),
        # January only: 6 purchases, 440.
        ({"end": "2026-01-31"}, 6, "440 EUR"),
        # From 6 January (daily rows for January, monthly rollups for February and March):
        # all but E1 (5 January, 70).
        ({"start": "2026-01-06"}, 10, "1,070 EUR"),
        # December to 10 February (monthly rollups for December and January, daily rows for
        # February): E1, O1, O9, O4, F1, O5, O7, O2, E2, O6 = 1,090 (O3 is on 20 February).
        ({"start": "2025-12-01", "end": "2026-02-10"}, 10, "1,090 EUR"),
    ],
)
def test_filters(
    head_office_client: Client, rebuilt: KnownDataset, filters: dict, orders: int, revenue: str
) -> None:
    if filters.get("store") == "paris":
        filters = {"store": rebuilt.paris.pk}

    context = head_office_client.get(DASHBOARD, {**FIRST_QUARTER, **filters}).context

    assert (context["headline"]["orders"], context["headline"]["revenues"]) == (orders, [revenue])


def test_a_filter_that_does_not_apply_says_so(
    head_office_client: Client, rebuilt: KnownDataset
) -> None:
    response = head_office_client.get(DASHBOARD, {**FIRST_QUARTER, "channel": "web"})

    assert "The channel filter does not apply" in response.context["retention"]["note"]
    assert "The channel filter does not apply" in response.content.decode()
    journeys = head_office_client.get(JOURNEYS, {**FIRST_QUARTER, "channel": "store"})
    assert "the channel filter does not apply" in journeys.context["web_note"]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"start": "2026-13-01"}, "Enter a valid date."),
        ({"start": "2026-03-01", "end": "2026-01-01"}, "The start of the period must be before"),
        ({"start": "2015-01-01", "end": "2026-01-01"}, "at most five years"),
        ({"store": "999999"}, "Select a valid choice."),
        ({"channel": "fax"}, "Select a valid choice."),
        ({"region": "Atlantis"}, "Select a valid choice."),
    ],
)
@pytest.mark.parametrize("url", [DASHBOARD, JOURNEYS])
def test_bad_filters_are_refused_with_a_clear_error(
    head_office_client: Client, url: str, filters: dict, message: str
) -> None:
    response = head_office_client.get(url, filters)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "insights-chart" not in response.content.decode()


def test_anonymous_and_associates_are_sent_to_the_login(
    client: Client, associate: Associate
) -> None:
    for url in (DASHBOARD, JOURNEYS):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]
        assert f"next={url}" in response["Location"]
    client.force_login(associate.user)
    for url in (DASHBOARD, JOURNEYS):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_staff_without_the_permission_are_refused(client: Client) -> None:
    client.force_login(UserFactory(username="it-support", is_staff=True))

    assert client.get(DASHBOARD).status_code == 403
    assert client.get(JOURNEYS).status_code == 403
    assert client.get(reverse("admin:insights_dashboardpage_changelist")).status_code == 403


def test_a_staff_user_granted_the_permission_opens_the_pages(client: Client) -> None:
    client.force_login(grant_dashboard(UserFactory(username="analyst", is_staff=True)))

    assert client.get(DASHBOARD).status_code == 200
    assert client.get(JOURNEYS).status_code == 200


def test_the_admin_index_links_to_the_pages(head_office_client: Client) -> None:
    index = head_office_client.get(reverse("admin:index")).content.decode()

    dashboard_link = reverse("admin:insights_dashboardpage_changelist")
    journeys_link = reverse("admin:insights_journeyanalysispage_changelist")
    assert dashboard_link in index
    assert journeys_link in index
    assert head_office_client.get(dashboard_link)["Location"] == DASHBOARD
    assert head_office_client.get(journeys_link)["Location"] == JOURNEYS


def test_rebuild_now_is_for_superusers(
    client: Client,
    marketer: User,
    superuser: User,
    known_dataset: KnownDataset,
    django_capture_on_commit_callbacks,
) -> None:
    rebuild = reverse("insights:rebuild")
    client.force_login(marketer)
    assert client.post(rebuild).status_code == 403
    assert not SalesDaily.objects.exists()

    client.force_login(superuser)
    assert client.get(rebuild).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(rebuild)

    assert response.status_code == 302
    assert SalesDaily.objects.exists()  # Celery runs eagerly in the tests


def _activity_over(days: int) -> None:
    """Orders, pickups and tickets over `days` days in several stores and channels."""
    stores = [StoreFactory(region=f"Region {n}") for n in range(3)]
    seller = UserFactory()
    for offset in range(days):
        moment = at("2026-01-01") + datetime.timedelta(days=offset)
        store = stores[offset % 3]
        OrderFactory(placed_at=moment, store=store, sold_by=seller)
        PickupFactory(order__placed_at=moment, order__store=store)
        AfterSalesTicketFactory(store=store)
    aggregates_rebuild()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"start": "2026-01-01", "end": "2026-12-31"}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [DASHBOARD, JOURNEYS])
def test_queries_do_not_grow_with_the_data(
    head_office_client: Client, url: str, django_assert_max_num_queries
) -> None:
    _activity_over(2)
    few = _queries(head_office_client, url)
    _activity_over(40)
    many = _queries(head_office_client, url)

    assert few == many
    with django_assert_max_num_queries(28):
        head_office_client.get(url)


def test_cohort_months_still_to_come_have_no_share() -> None:
    # Acquired in January (4 customers), 2 bought in February; it is March now.
    row = selectors._cohort_row(
        datetime.date(2026, 1, 1), "web", {0: 4, 1: 2}, datetime.date(2026, 3, 1)
    )

    assert row["shares"][:4] == [Decimal(100), Decimal(50), Decimal(0), None]


def test_no_stage_snapshot_by_the_end_of_the_period_is_said(
    head_office_client: Client, rebuilt: KnownDataset
) -> None:
    stages = head_office_client.get(DASHBOARD, FIRST_QUARTER).context["stages"]

    assert stages["day"] is None  # the only snapshot is today's
    assert "No snapshot of the stages" in stages["snapshot"].note
