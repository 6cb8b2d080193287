"""The one time rule: how a person reads a date-time.

Every date-time shown to a person (pages, PDFs, e-mails, exports) is written in the contract's time
zone with that zone's abbreviation, so a deadline reads the same, character for character, wherever
it appears ("2026-09-08 23:59 WEST"). The API gives ISO 8601 with an offset instead (DRF's default).
Pure: no Django import, so pages, PDFs, e-mails and exports all call the same function.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

DATETIME_FORMAT = "%Y-%m-%d %H:%M %Z"
DATE_FORMAT = "%Y-%m-%d"


def local_datetime(moment: datetime | None, zone_name: str) -> str:
    """``moment`` in ``zone_name`` as "YYYY-MM-DD HH:MM ABBR", or an em dash when there is none."""
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(zone_name)).strftime(DATETIME_FORMAT)


def local_date(moment: datetime | date | None, zone_name: str) -> str:
    """The calendar day of ``moment`` in ``zone_name`` (a plain date is shown as it is)."""
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        moment = moment.astimezone(ZoneInfo(zone_name)).date()
    return moment.strftime(DATE_FORMAT)
