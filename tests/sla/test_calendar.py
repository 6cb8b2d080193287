"""Business-day deadlines: weekends, holidays and the contract's time zone (pure, no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sla import calendar
from sla.calendar import add_business_days, business_deadline, parse_holidays

UTC = dt.UTC


def test_days_after_a_wednesday_skip_the_weekend():
    wednesday = dt.date(2026, 11, 25)
    assert add_business_days(wednesday, 1) == dt.date(2026, 11, 26)
    assert add_business_days(wednesday, 3) == dt.date(2026, 11, 30)
    assert add_business_days(wednesday, 5) == dt.date(2026, 12, 2)


def test_a_breach_opened_on_saturday_counts_from_monday():
    assert add_business_days(dt.date(2026, 11, 28), 1) == dt.date(2026, 11, 30)


def test_zero_days_is_the_opening_day_and_negative_days_are_refused():
    assert add_business_days(dt.date(2026, 11, 28), 0) == dt.date(2026, 11, 28)
    with pytest.raises(ValueError):
        add_business_days(dt.date(2026, 11, 28), -1)


def test_holidays_are_skipped_like_weekends():
    christmas_week = [dt.date(2026, 12, 24), dt.date(2026, 12, 25)]
    # Wednesday 23rd + 3 business days: Thu 24 and Fri 25 are holidays, so Mon 28, Tue 29, Wed 30.
    assert add_business_days(dt.date(2026, 12, 23), 3, christmas_week) == dt.date(2026, 12, 30)


def test_a_holiday_on_a_weekend_changes_nothing():
    assert add_business_days(dt.date(2026, 12, 25), 1, [dt.date(2026, 12, 26)]) == dt.date(2026, 12, 28)


def test_deadline_is_the_end_of_the_last_day_in_the_contract_zone():
    opened = dt.datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    due = business_deadline(opened, 5, "Europe/Lisbon")
    assert due == dt.datetime(2026, 12, 2, 23, 59, 59, tzinfo=ZoneInfo("Europe/Lisbon"))
    assert due.astimezone(UTC) == dt.datetime(2026, 12, 2, 23, 59, 59, tzinfo=UTC)


def test_the_local_date_decides_the_opening_day():
    # 23:30 UTC on Friday is already Saturday in Tokyo and still Friday in New York.
    opened = dt.datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    tokyo = business_deadline(opened, 1, "Asia/Tokyo")
    new_york = business_deadline(opened, 1, "America/New_York")
    assert tokyo.date() == dt.date(2026, 11, 30)
    assert new_york.date() == dt.date(2026, 11, 30)
    # One business day after Monday 00:30 Tokyo (Sunday 15:30 UTC) is Tuesday in Tokyo.
    sunday_utc = dt.datetime(2026, 11, 29, 15, 30, tzinfo=UTC)
    assert business_deadline(sunday_utc, 1, "Asia/Tokyo").date() == dt.date(2026, 12, 1)
    assert business_deadline(sunday_utc, 1, "UTC").date() == dt.date(2026, 11, 30)


def test_deadline_across_a_daylight_saving_change_keeps_the_local_end_of_day():
    # Europe/Lisbon leaves summer time on 25 October 2026.
    due = business_deadline(dt.datetime(2026, 10, 23, 9, tzinfo=UTC), 1, "Europe/Lisbon")
    assert due.astimezone(UTC) == dt.datetime(2026, 10, 26, 23, 59, 59, tzinfo=UTC)
    summer = business_deadline(dt.datetime(2026, 10, 20, 9, tzinfo=UTC), 1, "Europe/Lisbon")
    assert summer.astimezone(UTC) == dt.datetime(2026, 10, 21, 22, 59, 59, tzinfo=UTC)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError):
        business_deadline(dt.datetime(2026, 11, 25, 10), 1, "UTC")


def test_holidays_are_parsed_sorted_and_unique():
    assert parse_holidays(["2026-12-25", "2026-01-01", "2026-12-25"]) == [dt.date(2026, 1, 1), dt.date(2026, 12, 25)]
    with pytest.raises(ValueError):
        parse_holidays(["25/12/2026"])


def test_business_time_between_skips_weekends_and_holidays_in_the_contract_zone():
    lisbon = ZoneInfo("Europe/Lisbon")
    friday, wednesday = dt.datetime(2026, 12, 4, 15, tzinfo=lisbon), dt.datetime(2026, 12, 9, 10, tzinfo=lisbon)
    holidays = [dt.date(2026, 12, 8)]
    assert calendar.business_time_between(friday, wednesday, "Europe/Lisbon", holidays) == dt.timedelta(hours=43)
    assert calendar.business_time_between(friday, wednesday, "Europe/Lisbon") == dt.timedelta(hours=67)
    saturday, sunday = dt.datetime(2026, 12, 5, 9, tzinfo=lisbon), dt.datetime(2026, 12, 6, 18, tzinfo=lisbon)
    assert calendar.business_time_between(saturday, sunday, "Europe/Lisbon") == dt.timedelta(0)


def test_add_business_time_steps_over_weekends_and_holidays():
    lisbon = ZoneInfo("Europe/Lisbon")
    due = dt.datetime(2026, 12, 9, 23, 59, 59, tzinfo=lisbon)
    moved = calendar.add_business_time(due, dt.timedelta(hours=43), "Europe/Lisbon", [dt.date(2026, 12, 8)])
    assert moved == dt.datetime(2026, 12, 11, 18, 59, 59, tzinfo=lisbon)
    friday = dt.datetime(2026, 12, 11, 20, tzinfo=lisbon)
    monday_holiday = [dt.date(2026, 12, 14)]
    assert calendar.add_business_time(friday, dt.timedelta(hours=10), "Europe/Lisbon", monday_holiday) == (
        dt.datetime(2026, 12, 15, 6, tzinfo=lisbon)
    )
