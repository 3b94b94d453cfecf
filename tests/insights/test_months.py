"""The month arithmetic shared by the rebuild and the dashboards' reads."""

import datetime

from insights.aggregates import month_end
from insights.selectors import months_between


def test_month_end_over_february_and_december() -> None:
    assert month_end(datetime.date(2024, 2, 10)) == datetime.date(2024, 2, 29)
    assert month_end(datetime.date(2025, 2, 28)) == datetime.date(2025, 2, 28)
    assert month_end(datetime.date(2025, 12, 1)) == datetime.date(2025, 12, 31)


def test_months_between_crosses_the_year() -> None:
    months = months_between(datetime.date(2024, 11, 15), datetime.date(2025, 2, 1))
    assert months == [
        datetime.date(2024, 11, 1),
        datetime.date(2024, 12, 1),
        datetime.date(2025, 1, 1),
        datetime.date(2025, 2, 1),
    ]
