"""Today's date as Tanji sees it: China Standard Time, or the pinned TANJI_TODAY."""

from __future__ import annotations

import datetime as dt

CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


def today(pinned: str | dt.date | None = None) -> dt.date:
    """Return the pinned date if one is configured, else the current date in China."""
    if isinstance(pinned, dt.date):
        return pinned
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.datetime.now(CHINA_TZ).date()
