"""/api/v1/ endpoints of 因材施教: the 新一届两委 listing and a member's learning plan (read-only, by reach)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zhibu.core.api import ReachViewSetMixin

from .models import CommitteeListing


class ListingSerializer(serializers.ModelSerializer):
    branch = serializers.CharField(source="member.branch.code", read_only=True)
    name = serializers.CharField(source="member.name", read_only=True)
    election_date = serializers.DateField(source="election.date", read_only=True)
    klass = serializers.IntegerField(
        source="enrolment.klass_id", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = CommitteeListing
        fields = ["id", "member", "name", "branch", "role", "newcomer", "election_date", "klass"]


class RecommendationSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="item（学习资料）/ drill（演练）/ class（培训班）")
    title = serializers.CharField()
    url = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="推荐理由")
    score = serializers.FloatField()


class PlanSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    layers = serializers.ListField(child=serializers.CharField(), help_text="所在层级，如 支部书记")
    domain = serializers.CharField(help_text="支部领域，如 农村")
    hours_owed = serializers.FloatField(help_text="本年度尚差学时")
    recommendations = RecommendationSerializer(many=True)


class ListingViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = CommitteeListing.objects.select_related("member__branch", "election", "enrolment").order_by(
        "-id"
    )
    serializer_class = ListingSerializer
    view_capability = "plans.view"

    @extend_schema(responses=PlanSerializer)
    @action(detail=False, url_path=r"plan/(?P<member_id>\d+)")
    def plan(self, request, member_id=None):
        """The personal learning plan of a member, each recommendation with its reasons."""
        from django.utils import timezone

        from zhibu.accounts.reach import get_visible_or_404
        from zhibu.orgs.models import Member

        from .selectors import plan_for

        member = get_visible_or_404(
            Member.objects.select_related("branch__town"), request.user, "plans.view", pk=member_id
        )
        plan = plan_for(member, request.user, timezone.localdate())
        return Response(
            {
                "member": member.pk,
                "layers": plan["layers"],
                "domain": plan["domain"],
                "hours_owed": plan["hours"].owed,
                "recommendations": [
                    {"kind": r.kind, "title": r.title, "url": r.url, "reasons": r.reasons, "score": r.score}
                    for r in plan["recommendations"]
                ],
            }
        )


def register(router):
    router.register("plans/listings", ListingViewSet, basename="plans-listing")
