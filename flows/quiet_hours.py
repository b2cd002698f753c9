"""Quiet hours: the local hours of the night in which no message is sent to a resident."""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_SPEC = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From ``start`` to ``end`` local time nothing is sent (it may span midnight)."""

    start: time
    end: time

    @classmethod
    def parse(cls, spec: str) -> "QuietHours | None":
        """Read "21-08" or "21:30-07:00"; "" means none. Raise ValueError saying what is wrong."""
        if not spec.strip():
            return None
        match = _SPEC.fullmatch(spec.strip())
        if match is None:
            raise ValueError(f"{spec!r} is not like 21-08 (from-to, local hours), or empty")
        try:
            start = time(int(match[1]), int(match[2] or 0))
            end = time(int(match[3]), int(match[4] or 0))
        except ValueError:
            raise ValueError(f"{spec!r}: hours go from 0 to 23, minutes from 0 to 59") from None
        if start == end:
            raise ValueError(f"{spec!r}: the quiet hours start and end at the same time")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def covers(self, moment: time) -> bool:
        """Tell whether the local time of day ``moment`` is quiet."""
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


DEFAULT_QUIET_HOURS = QuietHours(time(21, 0), time(8, 0))


def outside_quiet_hours(moment: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime:
    """Return ``moment``, or the end of the quiet hours after it when it falls within them."""
    local = moment.astimezone(zone)
    if quiet is None or not quiet.covers(local.time()):
        return moment
    day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    return datetime.combine(day, quiet.end, tzinfo=zone).astimezone(moment.tzinfo)
