"""The one visibility mechanism: what a user may see and do, for every scoped model.

Every page, API endpoint, export, search, chart and background job asks here. A scoped model
declares where it sits in the organisation tree with `reach_fields`, the paths from the model to
the ids of its district, town and branch, from the top down to its own depth, e.g.

    class Member(models.Model):
        reach_fields = {"district": "branch__town__district_id", "town": "branch__town_id",
                        "branch": "branch_id"}

A grant over a unit shows an object when the object lies in that unit, or when the object is an
ancestor of that unit (a branch secretary sees their own town's name, not its other branches).
A model may also declare `reach_self`, the path to the member it belongs to, so a member sees
what is their own. Out of reach is indistinguishable from not found (404); in reach without the
capability to write is 403.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from zhibu.orgs.models import Member

LEVELS = ("district", "town", "branch")


@dataclass(frozen=True)
class Reach:
    """One grant, flattened: its level, the ids of its unit and of the unit's ancestors, its capabilities."""

    level: str
    district_id: int
    town_id: int | None
    branch_id: int | None
    capabilities: frozenset[str]

    def unit_id(self, level: str) -> int | None:
        return getattr(self, f"{level}_id")


def reaches(user) -> list[Reach]:
    """The user's grants, loaded once per user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_zhibu_reaches", None)
    if cached is None:
        cached = []
        grants = user.grants.select_related("role", "town", "branch__town")
        for g in grants:
            if g.district_id:
                ids = (g.district_id, None, None)
            elif g.town_id:
                ids = (g.town.district_id, g.town_id, None)
            else:
                ids = (g.branch.town.district_id, g.branch.town_id, g.branch_id)
            cached.append(Reach(g.level, *ids, frozenset(g.role.capabilities)))
        user._zhibu_reaches = cached
    return cached


def forget(user) -> None:
    """Drop the cached grants (and the units of the user's own branch) after they change."""
    user.__dict__.pop("_zhibu_reaches", None)
    user.__dict__.pop("_zhibu_own_units", None)


def capabilities(user) -> set[str]:
    return {c for r in reaches(user) for c in r.capabilities}


def has_capability(user, capability: str) -> bool:
    return capability in capabilities(user)


def _level_for(model, reach: Reach) -> str:
    """Compare at the grant's level, or at the model's own depth when the model sits higher."""
    fields = model.reach_fields
    return LEVELS[min(LEVELS.index(reach.level), max(LEVELS.index(k) for k in fields))]


def _q_for(model, reach: Reach) -> Q:
    level = _level_for(model, reach)
    return _condition(model, model.reach_fields[level], reach.unit_id(level))


def _condition(model, path: str, value) -> Q:
    """`path` equals `value`; across a to-many relation (a class's enrolments) as a semi-join, `IN (SELECT
    ...)`, not a join. A join repeats each object once per related row, so its list needs DISTINCT, and
    a grant's condition OR-ed with the member's own (reach_self) across two joined tables can use no
    index: a branch secretary's class list read every roster row of a city (2.3 s), now a few rows."""
    parts = path.split("__")
    current = model
    for i, name in enumerate(parts[:-1]):
        field = current._meta.get_field(name)
        if field.one_to_many:  # a reverse foreign key: the related rows' key column, the rest below it
            inner = field.related_model._base_manager.filter(
                _condition(field.related_model, "__".join(parts[i + 1 :]), value)
            )
            key = field.field.target_field.name  # what the foreign key points at (the primary key)
            return Q(**{"__".join(parts[:i] + [key, "in"]): inner.values(field.field.attname)})
        current = field.related_model
    return Q(**{path: value})


def reach_q(model, user, capability: str) -> Q | None:
    """The filter for what `user` may see of `model` with `capability`; None means nothing."""
    q = None
    for reach in reaches(user):
        if capability in reach.capabilities:
            q = _q_for(model, reach) if q is None else q | _q_for(model, reach)
    self_path = getattr(model, "reach_self", None)
    member_id = getattr(user, "member_id", None)
    if self_path and member_id and capability.endswith(".view") and not _own_covered(model, user, capability):
        own = _condition(model, self_path, member_id)
        q = own if q is None else q | own
    return q


def _own_covered(model, user, capability: str) -> bool:
    """Whether a grant already shows the user's own rows: one over their own branch (or its town or
    district) whose path goes through the same member as reach_self. Then the own condition is left out:
    OR-ed across two tables (`member.branch_id = 1 OR enrolment.member_id = 1`) it can use no index, and a
    branch secretary's roster rows read every roster row of a city (1.6 s)."""
    member = model.reach_self.removesuffix("_id") + "__"
    grants = [
        (level, reach.unit_id(level))
        for reach in reaches(user)
        if capability in reach.capabilities
        for level in [_level_for(model, reach)]
        if model.reach_fields[level].startswith(member)
    ]
    if not grants:
        return False
    units = getattr(user, "_zhibu_own_units", None)
    if units is None:
        found = (
            Member.objects.filter(pk=user.member_id)
            .values_list("branch__town__district_id", "branch__town_id", "branch_id")
            .first()
        )
        units = user._zhibu_own_units = dict(zip(LEVELS, found or (None, None, None), strict=True))
    return any(units[level] == unit for level, unit in grants)


def visible(queryset, user, capability: str) -> QuerySet:
    """Restrict a model or queryset to what `user` may see with `capability`."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    q = reach_q(queryset.model, user, capability)
    return queryset.none() if q is None else queryset.filter(q)


def get_visible_or_404(queryset, user, capability: str, **lookup):
    """The object if the user may see it; otherwise 404 exactly as if it did not exist."""
    qs = visible(queryset, user, capability)
    try:
        return qs.get(**lookup)
    except qs.model.DoesNotExist:
        raise Http404 from None


def can(user, capability: str, obj: Model) -> bool:
    q = reach_q(type(obj), user, capability)
    return q is not None and type(obj)._default_manager.filter(q, pk=obj.pk).exists()


def require(user, capability: str, obj: Model) -> None:
    """For an object the user can see: refuse (403) an action their role does not allow."""
    if not can(user, capability, obj):
        raise PermissionDenied("您的角色没有此项操作权限")
