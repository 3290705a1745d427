"""The IANA time zone names, read from disk once (listing them scans hundreds of files)."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())
