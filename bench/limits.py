"""Telegram's send limits as the benchmark's fake Bot API enforces them (bench only).

Telegram documents its limits loosely: about 30 messages per second in all, and about one per
second in one chat, with short bursts tolerated. The fake answers a message that breaks either
rule with 429 and ``parameters.retry_after`` (whole seconds, at least 1), as Telegram does:

- **in all:** a message is refused when 30 messages were already accepted in the second before
  it (a sliding window over arrival times, so any 1-second window holds at most 30);
- **per chat:** a message is refused when the chat has been sent more than one per second
  *sustained*: a token bucket of ``CHAT_BURST`` messages refilled at one per second (a
  resident's question and its answer may arrive together; a steady stream may not).

Only messages count (sends and edits); ``getUpdates``, ``answerCallbackQuery`` and the like
do not. Refused messages are not delivered and do not count towards either limit.
"""

import math
from collections import deque
from dataclasses import dataclass, field

PER_SECOND = 30
CHAT_INTERVAL = 1.0
CHAT_BURST = 3
WINDOW = 1.0
MESSAGE_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendmediagroup",
        "sendlocation",
        "copymessage",
        "forwardmessage",
        "editmessagetext",
        "editmessagereplymarkup",
    }
)


@dataclass(frozen=True, slots=True)
class LimitStats:
    """What the limits saw: accepted and refused messages, and the busiest second."""

    accepted: int
    refused_total: int  # 429s for the 30-per-second rule
    refused_chat: int  # 429s for the per-chat rule
    busiest_second: int  # most messages accepted in any 1-second window

    @property
    def refused(self) -> int:
        """Return every 429 answered."""
        return self.refused_total + self.refused_chat


@dataclass
class TelegramLimits:
    """Decide, message by message, whether Telegram would accept it now."""

    per_second: int = PER_SECOND
    chat_interval: float = CHAT_INTERVAL
    chat_burst: int = CHAT_BURST
    _window: deque[float] = field(default_factory=deque)  # accepted in the last second
    _chat_due: dict[int, float] = field(default_factory=dict)  # GCRA: theoretical arrival
    _accepted: int = 0
    _refused_total: int = 0
    _refused_chat: int = 0
    _busiest: int = 0

    def admit(self, chat_id: int, now: float) -> int | None:
        """Accept a message to ``chat_id`` arriving at ``now``; or return its retry_after."""
        window = self._window
        while window and window[0] <= now - WINDOW:
            window.popleft()
        if len(window) >= self.per_second:
            self._refused_total += 1
            return max(1, math.ceil(window[0] + WINDOW - now))
        due = self._chat_due.get(chat_id, now)
        tolerance = (self.chat_burst - 1) * self.chat_interval
        if now < due - tolerance:
            self._refused_chat += 1
            return max(1, math.ceil(due - tolerance - now))
        self._chat_due[chat_id] = max(due, now) + self.chat_interval
        window.append(now)
        self._busiest = max(self._busiest, len(window))
        self._accepted += 1
        return None

    def stats(self) -> LimitStats:
        """Return the counts so far."""
        return LimitStats(
            accepted=self._accepted,
            refused_total=self._refused_total,
            refused_chat=self._refused_chat,
            busiest_second=self._busiest,
        )
