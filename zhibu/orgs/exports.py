"""The roster's export (党员花名册), as core.exports makes it: at once for a branch, by the queue for a district."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_noop

from zhibu.accounts.reach import can, get_visible_or_404, has_capability, visible
from zhibu.core.exports import Export

from . import roster
from .models import Branch
from .selectors import members_for


def roster_export(user, params: dict) -> Export:
    """The members the user may export, of one branch (`branch`: its code) or of all they reach; with the
    full identity numbers and phones (`full` = "1") where they may also see those."""
    code = params.get("branch") or ""
    members = members_for(user, "members.export").prefetch_related("roles").order_by("branch__code", "id")
    if code:
        branch = get_visible_or_404(Branch.objects.all(), user, "org.view", code=code)
        if not can(user, "members.export", branch):
            raise PermissionDenied("您的角色没有导出名册的权限")
        members = members.filter(branch=branch)
    elif not has_capability(user, "members.export"):
        raise PermissionDenied("您的角色没有导出名册的权限")
    unmasked = params.get("full") == "1" and has_capability(user, "members.pii")
    if unmasked:  # identities only of the branches where the user may see them
        members = members.filter(branch__in=visible(Branch.objects.all(), user, "members.pii"))

    def sheets():
        header, rows = roster.export_rows(members.iterator(chunk_size=2000), unmasked=unmasked)
        return [("党员花名册", header, rows)]

    return Export(
        title=gettext_noop("党员花名册"),
        filename=f"roster-{code or 'all'}.xlsx",
        rows=members.count(),
        sheets=sheets,
        action="roster.export",
        detail={"branch": code or None, "unmasked": unmasked},
    )
