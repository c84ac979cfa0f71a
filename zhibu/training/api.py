"""This area's REST endpoints (read-only): classes and rosters in the user's reach.

register(router) is called by zhibu/api.py.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from zhibu.core.api import ReachViewSetMixin

from .models import Enrolment, TrainingClass


class TrainingClassSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = TrainingClass
        fields = ["id", "name", "category", "category_label", "start", "end", "status", "audience"]


class EnrolmentSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch = serializers.CharField(source="member.branch.code", read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "klass",
            "member",
            "member_name",
            "branch",
            "status",
            "source",
            "attendance",
            "exam_score",
            "drill_total",
            "result",
        ]


class TrainingClassViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = TrainingClass.objects.order_by("-start", "-id")
    serializer_class = TrainingClassSerializer
    view_capability = "training.view"


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("klass", int, description="只列这个培训班（编号）的学员")]
    )
)
class EnrolmentViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Enrolment.objects.select_related("member__branch").order_by("klass_id", "id")
    serializer_class = EnrolmentSerializer
    view_capability = "training.view"

    def get_queryset(self):
        qs = super().get_queryset()
        klass = self.request.query_params.get("klass", "")
        return qs.filter(klass_id=int(klass)) if klass.isdigit() else qs


def register(router) -> None:
    router.register("training/classes", TrainingClassViewSet, basename="training-class")
    router.register("training/enrolments", EnrolmentViewSet, basename="training-enrolment")
