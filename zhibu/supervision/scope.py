"""Which part of the district a user's board covers: the district, or their town(s)."""

from __future__ import annotations

from dataclasses import dataclass

from zhibu.accounts.reach import reaches
from zhibu.core.events import district_group, town_group


@dataclass(frozen=True)
class BoardScope:
    district_ids: tuple[int, ...]
    town_ids: tuple[int, ...]

    @property
    def groups(self) -> list[str]:
        return [district_group(d) for d in self.district_ids] + [town_group(t) for t in self.town_ids]

    @property
    def empty(self) -> bool:
        return not self.district_ids and not self.town_ids

    def event_filter(self):
        from django.db.models import Q

        q = Q(pk__in=[])
        if self.district_ids:
            q |= Q(district_id__in=self.district_ids)
        if self.town_ids:
            q |= Q(town_id__in=self.town_ids)
        return q

    def covers(self, event: dict) -> bool:
        return event.get("district_id") in self.district_ids or event.get("town_id") in self.town_ids


def board_scope(user, capability: str = "supervision.view") -> BoardScope:
    districts, towns = set(), set()
    for r in reaches(user):
        if capability not in r.capabilities:
            continue
        if r.level == "district":
            districts.add(r.district_id)
        elif r.level == "town":
            towns.add(r.town_id)
    return BoardScope(tuple(sorted(districts)), tuple(sorted(towns)))
