"""`manage.py bench_scale`: generates the scale dataset (PostgreSQL only) and times every read
path of issue 8 against its raw SQL. On a small dataset, the test checks what does not depend
on the machine: every page answers, within its query budget, and the search lists the
customers the ideal SQL lists. Timings are the benchmark's figures, not assertions."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from clienteling.benchmark import scale
from clienteling.benchmark.search_shapes import ideal_customer_ids, search_shapes
from clienteling.selectors.search import customer_search
from insights.benchmark.dataset import read_marker

pytestmark = pytest.mark.django_db

SMALL = ("--customers", "400", "--orders", "2000", "--heavy-customers", "1")


def test_it_needs_its_dataset() -> None:
    with pytest.raises(CommandError, match="no complete benchmark dataset"):
        call_command("bench_scale", "--repeat", "1")


def test_it_refuses_bad_repeats() -> None:
    with pytest.raises(CommandError, match="at least 1"):
        call_command("bench_scale", "--repeat", "0")


def test_it_times_every_path_within_its_query_budget() -> None:
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("bench_scale", "--generate", *SMALL, stdout=StringIO())
        return
    out = StringIO()
    call_command(
        "bench_scale", "--generate", *SMALL, "--repeat", "2", "--admin-repeat", "1", stdout=out
    )
    printed = out.getvalue()
    for title in ("Tablet search", "Customer 360", "API lists", "Admin changelists", "Goals:"):
        assert title in printed
    marker = read_marker()
    search = scale.time_search(1)
    assert len(search.pages) == len(search_shapes()) == 19
    assert all(page.status == 200 and page.queries <= 8 for page in search.pages.values())
    profile = scale.time_customer_360(marker, 1)
    profiles = [page for label, page in profile.pages.items() if label.startswith("360")]
    assert {page.queries for page in profiles} == {profiles[0].queries}
    assert profiles[0].queries <= 12
    assert all(page.status == 200 for page in profile.pages.values())
    admin = scale.time_admin(1)
    assert all(page.status == 200 for page in admin.pages.values())


def test_searches_list_what_the_ideal_sql_lists() -> None:
    if connection.vendor != "postgresql":
        return  # the generator is PostgreSQL only (refusal checked above)
    call_command(
        "bench_scale", "--generate", *SMALL, "--only", "api", "--repeat", "1", stdout=StringIO()
    )
    for shape in search_shapes():
        ideal = ideal_customer_ids(shape)
        found = [hit.customer.pk for hit in customer_search(shape.query)]
        assert ideal, shape.label
        assert set(ideal) <= set(found) or len(found) == 20, (shape.label, ideal, found)
