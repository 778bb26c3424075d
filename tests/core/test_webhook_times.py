"""A signed ISO time that UTC cannot hold is a 400 naming the field, not an OverflowError.

``0001-01-01T00:00:00+14:00`` parses, but is before year 1 in UTC: it reached the
``WebhookEvent`` model, whose UTC conversion raised ``OverflowError``, answered as a
generic "unreadable request (OverflowError)" with a traceback logged for every such request.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.core.webhooks import WebhookRefused, iso_time


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_time_outside_utc_years_is_400_naming_the_field(value: str) -> None:
    with pytest.raises(WebhookRefused) as refused:
        iso_time(value, "updated_at")
    assert refused.value.status == 400 and "updated_at" in refused.value.reason


def test_times_in_range_read_as_before() -> None:
    assert iso_time("2026-01-02T03:04:05-05:00", "updated_at") == datetime(2026, 1, 2, 8, 4, 5, tzinfo=UTC)
    assert iso_time("0001-01-01T00:00:00+00:00", "created_at") == datetime(1, 1, 1, tzinfo=UTC)
