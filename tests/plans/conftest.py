import datetime

import pytest


@pytest.fixture
def world(cast):
    from zhibu.orgs.models import Election, Member
    from zhibu.plans.models import CommitteeListing

    election = Election.objects.create(branch=cast.a, date=datetime.date(2026, 7, 1))
    cast.listing_a = CommitteeListing.objects.create(
        member=Member.objects.get(name="甲党务"), election=election, role="committee_member"
    )
    return cast
