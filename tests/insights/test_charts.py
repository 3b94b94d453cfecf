"""Server-rendered SVG: long labels stay readable, values stay whole."""

import re
from decimal import Decimal

from insights.charts import Chart, Series, render_svg


def test_a_long_path_label_keeps_its_end_and_the_tooltip_keeps_it_whole() -> None:
    path = "Mobile app → Web → Mobile app → SMS → Email → Web → Email → Store"
    chart = Chart(
        title="Paths",
        kind="hbar",
        categories=[path, "Store"],
        series=[Series(label="Customers", values=[Decimal(1), Decimal(34)])],
    )
    svg = str(render_svg(chart))
    assert ">…" + path[-29:] + "</text>" in svg
    assert f"<title>{path}: 1</title>" in svg
    assert ">Store</text>" in svg


def test_a_chart_of_small_counts_labels_its_grid_with_distinct_whole_numbers() -> None:
    chart = Chart(title="Pickups", categories=["Mon", "Tue"], series=[Series("Ready", [1, 0])])
    svg = str(render_svg(chart))
    grid = re.findall(r'text-anchor="end" font-size="10" fill="#374151">([^<]+)<', svg)
    assert grid == ["0", "1", "2", "3", "4"]
