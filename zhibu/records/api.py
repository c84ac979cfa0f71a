"""This area's REST endpoints (read-only): meetings in reach with attendance, resolutions and attachments.

register(router) is called by zhibu/api.py. Filter with ?town=CODE, ?branch=CODE, ?status=, ?from=YYYY-MM-DD,
?to=: a city's records are read in parts (a list counts up to 10,000), a town and a month at a time.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from zhibu.core.api import ReachViewSetMixin
from zhibu.rules.ledger import parse_date

from .models import Attachment, Attendance, Meeting, Resolution


class AttendanceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["member", "name", "state", "reason", "signed_at", "by_proxy"]

    def to_representation(self, row):
        """One row of ATTENDANCE_COLUMNS (read by with_attendance) as the fields above, which also describe
        the schema: a page of 50 meetings has about 1,250 of these rows, and a model object for each row and
        its member, then DRF going field by field, took longer than reading them."""
        member, name, state, reason, signed_at, by_proxy = row
        return {
            "member": member,
            "name": name,
            "state": state,
            "reason": reason,
            "signed_at": None if signed_at is None else self.fields["signed_at"].to_representation(signed_at),
            "by_proxy": by_proxy,
        }


ATTENDANCE_COLUMNS = ("member_id", "member__name", "state", "reason", "signed_at", "by_proxy")


def with_attendance(meetings: list[Meeting]) -> list[Meeting]:
    """These meetings with their attendance rows (`attendance_rows`, by member) read in one query, names
    included; the members' personal data stays encrypted (not decrypted 2,000 times)."""
    rows: dict[int, list[tuple]] = {m.pk: [] for m in meetings}
    for meeting_id, *row in (
        Attendance.objects.filter(meeting_id__in=list(rows))
        # each meeting's rows by member, without joining the meetings to sort by their order
        .order_by("meeting_id", "member_id")
        .values_list("meeting_id", *ATTENDANCE_COLUMNS)
    ):
        rows[meeting_id].append(tuple(row))
    for m in meetings:
        m.attendance_rows = rows[m.pk]
    return meetings


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
    attendance = AttendanceSerializer(many=True, read_only=True, source="attendance_rows")
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


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("town", str, description="只列这个镇街（代码）的会议"),
            OpenApiParameter("branch", str, description="只列这个支部（代码）的会议"),
            OpenApiParameter("status", str, enum=Meeting.Status.values, description="只列这个状态的会议"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="会议日期不早于这一天"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="会议日期不晚于这一天"),
        ]
    )
)
class MeetingViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """会议纪实 in the reader's reach."""

    queryset = Meeting.objects.select_related("branch").prefetch_related("resolutions", "attachments")
    serializer_class = MeetingSerializer
    view_capability = "records.view"

    def get_queryset(self):
        qs = super().get_queryset().order_by("-date", "-id")
        params = self.request.query_params
        if params.get("town"):
            qs = qs.filter(town__code=params["town"])
        if params.get("branch"):
            qs = qs.filter(branch__code=params["branch"])
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        for key, lookup in (("from", "date__gte"), ("to", "date__lte")):
            day = parse_date(params.get(key) or "")
            if day:
                qs = qs.filter(**{lookup: day})
        return qs

    def paginate_queryset(self, queryset):
        return with_attendance(list(super().paginate_queryset(queryset)))

    def get_object(self):
        return with_attendance([super().get_object()])[0]


def register(router) -> None:
    router.register("meetings", MeetingViewSet, basename="meeting")
