"""Server-rendered SVG charts: line, grouped bars and horizontal bars, with values in <title>s.

No JavaScript (the CSP forbids inline scripts): the dashboards embed the SVG inline and show the
same numbers in a table below each chart. Every piece of text goes through `escape`.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#b91c1c")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 96, 16, 16, 44

Number = int | float | Decimal | None


@dataclass
class Series:
    label: str
    values: list[Number]
    color: str = ""


@dataclass
class Chart:
    """A chart and its table: categories on x (or rows for horizontal bars), one or more series."""

    title: str
    categories: list[str]
    series: list[Series]
    kind: str = "bar"  # "bar", "line" or "hbar"
    unit: str = ""  # "%", "h", or a currency code
    note: str = ""  # a filter that does not apply, for instance
    decimals: int = 0
    rows: list[tuple[str, list[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for index, series in enumerate(self.series):
            series.color = series.color or PALETTE[index % len(PALETTE)]
        self.rows = [
            (category, [self.format(series.values[index]) for series in self.series])
            for index, category in enumerate(self.categories)
        ]

    @property
    def is_empty(self) -> bool:
        return not any(value for series in self.series for value in series.values)

    def format(self, value: Number) -> str:
        if value is None:
            return "–"
        text = number_format(value, decimal_pos=self.decimals, force_grouping=True)
        if self.unit == "%":
            return f"{text}\u00a0%"
        return f"{text} {self.unit}".strip()


def _nice_maximum(values: list[float], *, whole: bool = False) -> float:
    """The top of the axis; for whole numbers at least 4, so that its quarters are whole too
    (a top of 1 labelled its grid 0, 0, 1, 1, 1)."""
    top = max([*values, 0.0])
    if whole and top <= 4:
        return 4.0
    if top <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if top <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _numbers(chart: Chart) -> list[float]:
    return [float(value) for series in chart.series for value in series.values if value is not None]


# What fits left of a horizontal bar at 11 px.
LABEL_CHARACTERS = 30


def _text(x: float, y: float, content: str, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="#374151">{escape(content)}</text>'
    )


def _grid(chart: Chart, maximum: float) -> list[str]:
    parts = []
    plot_height = HEIGHT - TOP - BOTTOM
    for step in range(5):
        value = maximum * step / 4
        y = TOP + plot_height - plot_height * step / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
        )
        parts.append(_text(LEFT - 6, y + 4, chart.format(value), anchor="end", size=10))
    return parts


def _x_labels(chart: Chart, slot: float) -> list[str]:
    every = max(1, len(chart.categories) // 12 + (1 if len(chart.categories) % 12 else 0))
    return [
        _text(LEFT + slot * (index + 0.5), HEIGHT - BOTTOM + 16, category, size=10)
        for index, category in enumerate(chart.categories)
        if index % every == 0
    ]


def _bars(chart: Chart, maximum: float) -> list[str]:
    slot = (WIDTH - LEFT - RIGHT) / max(len(chart.categories), 1)
    bar = slot * 0.8 / max(len(chart.series), 1)
    plot_height = HEIGHT - TOP - BOTTOM
    show_values = len(chart.categories) * len(chart.series) <= 24
    parts = []
    for series_index, series in enumerate(chart.series):
        for index, value in enumerate(series.values):
            height = plot_height * float(value or 0) / maximum
            x = LEFT + slot * index + slot * 0.1 + bar * series_index
            y = TOP + plot_height - height
            label = f"{chart.categories[index]} · {series.label}: {chart.format(value)}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar - 1, 1):.1f}" '
                f'height="{height:.1f}" fill="{series.color}"><title>{escape(label)}</title></rect>'
            )
            if show_values and value:
                parts.append(_text(x + bar / 2, y - 3, chart.format(value), size=9))
    return parts + _x_labels(chart, slot)


def _lines(chart: Chart, maximum: float) -> list[str]:
    slot = (WIDTH - LEFT - RIGHT) / max(len(chart.categories), 1)
    plot_height = HEIGHT - TOP - BOTTOM
    parts = []
    for series in chart.series:
        points = []
        for index, value in enumerate(series.values):
            if value is None:
                continue
            x = LEFT + slot * (index + 0.5)
            y = TOP + plot_height - plot_height * float(value) / maximum
            points.append(f"{x:.1f},{y:.1f}")
            label = f"{chart.categories[index]} · {series.label}: {chart.format(value)}"
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{series.color}">'
                f"<title>{escape(label)}</title></circle>"
            )
        parts.insert(
            0,
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{series.color}" '
            'stroke-width="2"/>',
        )
    return parts + _x_labels(chart, slot)


def _fit_label(label: str, limit: int = LABEL_CHARACTERS) -> str:
    """Long labels keep their end (a path's last channel is the purchase); the bar's tooltip
    and the table below the chart give them whole."""
    return label if len(label) <= limit else "…" + label[-(limit - 1) :]


def _horizontal_bars(chart: Chart) -> SafeString:
    row_height, label_width = 26, 190
    height = TOP + row_height * max(len(chart.categories), 1) + 8
    maximum = _nice_maximum(_numbers(chart), whole=chart.decimals == 0)
    width = WIDTH - label_width - 90
    parts = []
    series = chart.series[0]
    for index, (category, value) in enumerate(zip(chart.categories, series.values, strict=True)):
        y = TOP + row_height * index
        length = width * float(value or 0) / maximum
        parts.append(_text(label_width - 8, y + 15, _fit_label(category), anchor="end"))
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{max(length, 1):.1f}" height="18" '
            f'fill="{series.color}"><title>{escape(category)}: {escape(chart.format(value))}'
            "</title></rect>"
        )
        parts.append(_text(label_width + length + 6, y + 15, chart.format(value), anchor="start"))
    return _svg(chart, parts, height)


def _svg(chart: Chart, parts: list[str], height: int = HEIGHT) -> SafeString:
    return mark_safe(  # every text above is escaped
        f'<svg class="insights-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(chart.title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(chart.title)}</title>{''.join(parts)}</svg>"
    )


def render_svg(chart: Chart) -> SafeString:
    if chart.kind == "hbar":
        return _horizontal_bars(chart)
    maximum = _nice_maximum(_numbers(chart), whole=chart.decimals == 0)
    body = _lines(chart, maximum) if chart.kind == "line" else _bars(chart, maximum)
    axis = (
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="#9ca3af"/>'
    )
    return _svg(chart, [*_grid(chart, maximum), axis, *body])
