"""/api/v1/ endpoints of 干: key tasks, branch targets and progress reports (read-only, by reach)."""

from rest_framework import serializers, viewsets

from zhibu.core.api import ReachViewSetMixin

from .models import KeyTask, Milestone, Report, Target


class KeyTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = KeyTask
        fields = ["id", "year", "title", "description", "created_at"]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["title", "due", "done_on"]


class TargetSerializer(serializers.ModelSerializer):
    branch = serializers.SlugRelatedField(slug_field="code", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "task",
            "branch",
            "title",
            "unit",
            "planned",
            "achieved",
            "due",
            "status",
            "milestones",
        ]


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = [
            "id",
            "target",
            "milestone",
            "text",
            "figure",
            "status",
            "submitted_at",
            "reviewed_at",
            "comment",
            "case",
        ]


class KeyTaskViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = KeyTask.objects.order_by("-year", "id")
    serializer_class = KeyTaskSerializer
    view_capability = "targets.view"


class TargetViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Target.objects.select_related("branch").prefetch_related("milestones").order_by("id")
    serializer_class = TargetSerializer
    view_capability = "targets.view"


class ReportViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Report.objects.order_by("-id")
    serializer_class = ReportSerializer
    view_capability = "targets.view"


def register(router):
    router.register("targets/tasks", KeyTaskViewSet, basename="targets-task")
    router.register("targets/targets", TargetViewSet, basename="targets-target")
    router.register("targets/reports", ReportViewSet, basename="targets-report")
