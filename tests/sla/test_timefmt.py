"""The one time rule: the contract's zone and its abbreviation, summer and winter."""

from datetime import UTC, date, datetime

from sla.timefmt import local_date, local_datetime


def test_deadline_reads_in_the_contract_zone_with_its_abbreviation():
    moment = datetime(2026, 9, 8, 22, 59, tzinfo=UTC)
    assert local_datetime(moment, "Europe/Lisbon") == "2026-09-08 23:59 WEST"
    assert local_datetime(datetime(2026, 1, 8, 22, 59, tzinfo=UTC), "Europe/Lisbon") == "2026-01-08 22:59 WET"


def test_local_date_takes_the_day_in_the_zone_not_in_utc():
    late_evening_utc = datetime(2026, 9, 8, 23, 30, tzinfo=UTC)
    assert local_date(late_evening_utc, "Asia/Tokyo") == "2026-09-09"
    assert local_date(date(2026, 9, 8), "Asia/Tokyo") == "2026-09-08"


def test_missing_moment_is_a_dash():
    assert local_datetime(None, "UTC") == "—"
    assert local_date(None, "UTC") == "—"
