"""After a committee election, its members are listed for the 新一届两委 class (and placed in one if planned)."""

from django.db.models.signals import post_save


def _role_saved(sender, instance, created, raw=False, **kwargs):
    from zhibu.orgs.models import Election, MemberRole

    if raw or not created or instance.role not in MemberRole.COMMITTEE:
        return
    instance = MemberRole.objects.select_related("member__branch__town").get(pk=instance.pk)  # typed dates
    election = Election.objects.filter(branch_id=instance.member.branch_id, date=instance.start).first()
    if election is not None:
        from .services import listing_add

        listing_add(member=instance.member, election=election, role=instance.role)


def _election_saved(sender, instance, created, raw=False, **kwargs):
    from zhibu.orgs.models import Election, MemberRole

    if raw or not created:
        return
    instance = Election.objects.get(pk=instance.pk)  # the date as a date, whatever the caller passed
    from .services import listing_add

    roles = MemberRole.objects.filter(
        member__branch_id=instance.branch_id, start=instance.date, role__in=MemberRole.COMMITTEE
    ).select_related("member")
    for r in roles:
        listing_add(member=r.member, election=instance, role=r.role)


def connect():
    from zhibu.orgs.models import Election, MemberRole

    post_save.connect(_role_saved, sender=MemberRole, dispatch_uid="plans-role-listing")
    post_save.connect(_election_saved, sender=Election, dispatch_uid="plans-election-listing")
