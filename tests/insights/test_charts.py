"""Server-rendered SVG: long labels stay readable, values stay whole."""

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
