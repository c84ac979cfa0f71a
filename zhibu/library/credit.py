"""How study time becomes 学时: pure calculations, no Django.

Time counts only while a video plays, or a document is open, in a tab the person is looking at:
the page sends a heartbeat every `BEAT_SECONDS` with the seconds it watched since the last one.
The server credits at most the wall-clock time since the previous accepted heartbeat, never more
than `MAX_GAP_SECONDS` per heartbeat (a tab asleep for an hour earns nothing for that hour), and
never more than the item's length in total. A heartbeat claiming more time than has passed is a
forgery or a broken clock: it is not credited at all.

The rule that turns seconds into 学时 (documented constants; change them here):
- `SECONDS_PER_HOUR["video"]`: 45 minutes of watching = 1 学时;
- `SECONDS_PER_HOUR["document"]`: 45 minutes of reading = 1 学时;
- collective study (集中学习) counts the hours the secretary recorded for each attendee;
- the yearly requirement: 32 学时 for members, 56 for branch committee members (the rules
  engine's `learning.hours` defaults).
"""

from dataclasses import dataclass

BEAT_SECONDS = 15
# Network jitter allowed between what the page claims and the time the server saw pass.
TOLERANCE_SECONDS = 2
MAX_GAP_SECONDS = 2 * BEAT_SECONDS
SECONDS_PER_HOUR = {"video": 45 * 60, "document": 45 * 60}
REQUIRED_HOURS = {"member": 32.0, "committee": 56.0}


@dataclass(frozen=True)
class Beat:
    credited: int  # seconds credited by this heartbeat
    accepted: bool  # False: the heartbeat claimed more than it could have and earned nothing
    reason: str = ""


def credit(*, elapsed: float | None, claimed: float, credited_so_far: int, cap: int) -> Beat:
    """Seconds to credit for one heartbeat.

    elapsed: seconds since the previous accepted heartbeat of this person on this item (None: first);
    claimed: seconds the page says it watched/read since its previous heartbeat;
    credited_so_far: seconds already credited on this item; cap: the item's length in seconds.
    """
    if not isinstance(claimed, int | float) or claimed != claimed or claimed < 0:
        return Beat(0, False, "invalid")
    if elapsed is None:
        return Beat(0, True, "start")  # the first heartbeat only starts the clock
    if claimed > elapsed + TOLERANCE_SECONDS:
        return Beat(0, False, "claimed more time than has passed")
    seconds = min(claimed, elapsed, MAX_GAP_SECONDS)
    room = max(0, cap - credited_so_far)
    return Beat(int(min(seconds, room)), True, "capped" if seconds > room else "")


def hours(kind: str, seconds: float) -> float:
    """学时 earned by `seconds` of study of an item of `kind` (video or document)."""
    return seconds / SECONDS_PER_HOUR.get(kind, SECONDS_PER_HOUR["document"])


def required(is_committee: bool) -> float:
    return REQUIRED_HOURS["committee" if is_committee else "member"]


def owed(required_hours: float, done: float) -> float:
    return round(max(0.0, required_hours - done), 1)
