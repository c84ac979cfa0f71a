"""/api/v1/ endpoints of 督: board rows and events (read-only, through the reach mechanism)."""

from rest_framework import serializers, viewsets

from zhibu.core.api import ReachViewSetMixin

from .models import Dispatch, Finding


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = [
            "id",
            "branch",
            "meeting_id",
            "category",
            "severity",
            "text",
            "fix",
            "deadline",
            "status",
            "created_at",
            "closed_at",
        ]


class DispatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dispatch
        fields = ["id", "title", "body", "priority", "deadline", "scope", "created_at"]


class FindingViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Finding.objects.order_by("-id")
    serializer_class = FindingSerializer
    view_capability = "supervision.view"


class DispatchViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Dispatch.objects.order_by("-id")
    serializer_class = DispatchSerializer
    view_capability = "supervision.view"

    def get_queryset(self):
        return super().get_queryset().distinct()


def register(router):
    router.register("supervision/findings", FindingViewSet, basename="supervision-finding")
    router.register("supervision/dispatches", DispatchViewSet, basename="supervision-dispatch")
