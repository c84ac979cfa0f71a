"""因材施教: who is listed for the 新一届两委 class after a committee election.

Training needs, learning plans, the effect measure and the branch health page are computed from the
other areas' data on read; only the election listing is kept, because it is an event to act upon.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommitteeListing(models.Model):
    """A member of a newly elected branch committee, listed for the 新一届村“两委” class."""

    member = models.ForeignKey("orgs.Member", on_delete=models.CASCADE, related_name="committee_listings")
    election = models.ForeignKey("orgs.Election", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("职务"), max_length=20)
    newcomer = models.BooleanField(_("新进支委"), default=True)
    listed_at = models.DateTimeField(default=timezone.now)
    enrolment = models.ForeignKey(
        "training.Enrolment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    reach_fields = {
        "district": "member__branch__town__district_id",
        "town": "member__branch__town_id",
        "branch": "member__branch_id",
    }
    reach_self = "member_id"

    class Meta:
        verbose_name = _("新一届两委调训名单")
        ordering = ["-election__date", "member__branch__code", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "election"], name="plans_listing_once_per_election")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.election.date}"
