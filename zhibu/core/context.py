from functools import cache, lru_cache

from django.conf import settings
from django.urls import get_script_prefix, reverse

from zhibu.accounts.reach import capabilities

from .nav import SECTIONS, registry


@lru_cache(maxsize=256)
def _sections(caps: frozenset[str], script_prefix: str) -> list[dict]:
    """The menu for a set of capabilities, worked out once per process (the labels are translated when
    shown). Do not change what it returns: it is shared by every request with those capabilities."""
    sections = []
    for code, label in SECTIONS:
        entries = [
            {"label": e.label, "url": reverse(e.url_name)}
            for e in sorted(registry.entries, key=lambda e: e.order)
            if e.section == code and (e.capability is None or e.capability in caps)
        ]
        if entries:
            sections.append({"code": code, "label": label, "entries": entries})
    return sections


def navigation(request):
    """The menu a user sees: only sections with an entry they may use.

    Worked out only when a template shows it (a partial, a sign-in confirmation or a JSON page pays
    nothing), and once per request however often the template refers to it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"platform_name": settings.ZHIBU_NAME}

    @cache
    def nav_sections():
        return _sections(frozenset(capabilities(user)), get_script_prefix())

    @cache
    def unread_count():
        from zhibu.notifications.services import unread_count

        return unread_count(user)

    return {"platform_name": settings.ZHIBU_NAME, "nav_sections": nav_sections, "unread_count": unread_count}
