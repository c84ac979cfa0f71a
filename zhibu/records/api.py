"""This area's REST endpoints (read-only): meetings in reach with attendance, resolutions and attachments.

register(router) is called by zhibu/api.py. Filter with ?branch=CODE, ?status=, ?from=YYYY-MM-DD, ?to=.
"""

from rest_framework import serializers, viewsets

from zhibu.core.api import ReachViewSetMixin
from zhibu.rules.ledger import parse_date

from .models import Attachment, Attendance, Meeting, Resolution


class AttendanceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["member", "name", "state", "reason", "signed_at", "by_proxy"]


class ResolutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resolution
        fields = ["title", "yes", "no", "abstain", "declared"]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "kind", "name", "content_type", "size", "sha256"]


class MeetingSerializer(serializers.ModelSerializer):
    branch = serializers.SlugRelatedField(slug_field="code", read_only=True)
    attendance = AttendanceSerializer(many=True, read_only=True)
    resolutions = ResolutionSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "branch",
            "types",
            "date",
            "start_time",
            "place",
            "topic",
            "chair",
            "recorder",
            "lecturer",
            "lecturer_text",
            "group",
            "election",
            "status",
            "submitted",
            "step",
            "schedule_item",
            "minutes",
            "attendance",
            "resolutions",
            "attachments",
        ]
        read_only_fields = fields


class MeetingViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """会议纪实 in the reader's reach."""

    queryset = Meeting.objects.select_related("branch").prefetch_related(
        "attendance__member", "resolutions", "attachments"
    )
    serializer_class = MeetingSerializer
    view_capability = "records.view"

    def get_queryset(self):
        qs = super().get_queryset().order_by("-date", "-id")
        params = self.request.query_params
        if params.get("branch"):
            qs = qs.filter(branch__code=params["branch"])
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        for key, lookup in (("from", "date__gte"), ("to", "date__lte")):
            day = parse_date(params.get(key) or "")
            if day:
                qs = qs.filter(**{lookup: day})
        return qs


def register(router) -> None:
    router.register("meetings", MeetingViewSet, basename="meeting")
