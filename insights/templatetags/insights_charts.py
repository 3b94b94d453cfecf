"""{% svg_chart chart %}: a chart of insights.charts rendered as inline SVG."""

from django import template
from django.utils.formats import number_format
from django.utils.safestring import SafeString

from insights.charts import Chart, render_svg

register = template.Library()


@register.simple_tag
def svg_chart(chart: Chart) -> SafeString:
    return render_svg(chart)


@register.filter
def percent(value: object) -> str:
    """A percentage from insights.selectors.ratio, or a dash when there is nothing to divide."""
    if value is None:
        return "–"
    # In the page's language (80,0 in French), never split from its sign at the end of a line.
    return f"{number_format(value)}\u00a0%"
