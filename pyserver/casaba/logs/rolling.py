"""Which file of a rolling log a moment belongs to, and which files are past keeping.

A RollingFileAppender's ``filename_pattern`` names one file per period (a day for
``%d{yyyy-MM-dd}``, an hour with ``HH``), in local time as logback names them. Every worker
writes each line straight into the file of the period it is written in, so nothing is ever
renamed and processes never disagree; the files of periods more than ``max_history`` before the
current one are deleted by whichever process first enters a new period."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from casaba.settings.kinds import DATE_PARTS, strftime_pattern

#: Each date part's period, as it steps: "%Y" a year, "%m" a month, the rest by a timedelta.
_STEPS = {"%d": timedelta(days=1), "%H": timedelta(hours=1), "%M": timedelta(minutes=1)}


@dataclass(frozen=True)
class Rolling:
    """A rolling log's files: ``pattern`` as the key gives it, ``max_history`` past files kept
    (0: all)."""

    pattern: str
    max_history: int

    @property
    def strftime(self) -> str:
        return strftime_pattern(self.pattern)

    @property
    def unit(self) -> str:
        """The finest date part of the pattern: the length of a period."""
        return [p for p in DATE_PARTS.values() if p in self.strftime][-1]

    def start(self, moment: datetime) -> datetime:
        """The start of the period ``moment`` (local, naive) is in."""
        # Each part finer than the period's is set to its first value.
        finest = list(DATE_PARTS.values()).index(self.unit)
        first = (moment.year, 1, 1, 0, 0)
        parts = (moment.year, moment.month, moment.day, moment.hour, moment.minute)
        year, month, day, hour, minute = (parts[i] if i <= finest else first[i] for i in range(5))
        return datetime(year, month, day, hour, minute)

    def shift(self, start: datetime, periods: int) -> datetime:
        """The start of the period ``periods`` after the one starting at ``start`` (negative: before)."""
        if self.unit == "%Y":
            return start.replace(year=start.year + periods)
        if self.unit == "%m":
            months = start.year * 12 + start.month - 1 + periods
            return start.replace(year=months // 12, month=months % 12 + 1)
        return start + _STEPS[self.unit] * periods

    def name(self, start: datetime) -> str:
        """The file of the period starting at ``start``."""
        return start.strftime(self.strftime)

    def expired(self, current: datetime) -> list[Path]:
        """The files of this log whose periods are more than ``max_history`` before the one
        starting at ``current``."""
        if self.max_history == 0:
            return []
        folder, pattern = os.path.split(self.strftime)
        oldest = self.shift(current, -self.max_history)
        try:
            entries = os.listdir(folder or ".")
        except OSError:
            return []
        old = []
        for entry in entries:
            try:
                period = datetime.strptime(entry, pattern)
            except ValueError:
                continue  # not one of this log's files
            if period < oldest:
                old.append(Path(folder or ".", entry))
        return sorted(old)
