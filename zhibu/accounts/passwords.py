"""Password policy and lock-out back-off."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """At least three of: upper-case letters, lower-case letters, digits, symbols."""

    classes = [r"[A-Z]", r"[a-z]", r"[0-9]", r"[^A-Za-z0-9]"]

    def validate(self, password, user=None):
        if sum(1 for c in self.classes if re.search(c, password)) < 3:
            raise ValidationError(self.get_help_text(), code="password_classes")

    def get_help_text(self):
        return _("密码须包含大写字母、小写字母、数字、符号中的至少三类")


def cool_off(request) -> datetime.timedelta:
    """Lock-out back-off: 5 minutes after the limit, doubling with every further failure, at most a day."""
    from axes.models import AccessAttempt

    username = (request.POST.get("username") if request is not None else "") or ""
    failures = (
        AccessAttempt.objects.filter(username=username)
        .order_by("-failures_since_start")
        .values_list("failures_since_start", flat=True)
        .first()
        or 0
    )
    extra = max(0, failures - 5)
    return min(datetime.timedelta(minutes=5 * 2**extra), datetime.timedelta(days=1))
