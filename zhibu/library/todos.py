"""What the learning library asks of a person now, for their home page."""

from django.urls import reverse
from django.utils import timezone

from zhibu.core.nav import registry

from . import selectors


@registry.todos
def learning_todos(user) -> list[dict]:
    member = getattr(user, "member", None)
    if member is None or not member.is_current:
        return []
    today = timezone.localdate()
    row = selectors.member_rows([member], today.year)[0]
    if not row.owed or today.month < 7:
        return []
    return [
        {
            "priority": 40 if today.month >= 10 else 60,
            "title": f"今年学时还差 {row.owed}（已完成 {row.total} / {row.required:g}）",
            "url": reverse("library:my"),
        }
    ]
