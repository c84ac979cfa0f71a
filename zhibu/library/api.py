"""This area's REST endpoints; register(router) is called by zhibu/api.py."""

from rest_framework import serializers, viewsets
from rest_framework.response import Response

from zhibu.core.api import ReachViewSetMixin

from .models import Item
from .search import search


class ItemSerializer(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Item
        fields = ["id", "kind", "title", "summary", "hall_part", "duration", "tags", "updated"]


class ItemViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Library items; `?q=` searches in Chinese (ranked, with highlighted snippets), `kind` and `tag` filter."""

    queryset = Item.objects.filter(published=True).prefetch_related("tags")
    serializer_class = ItemSerializer
    view_capability = "library.view"
    change_capability = "library.manage"

    def list(self, request, *args, **kwargs):
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            page = 1
        filters = {k: request.query_params.get(k, "") for k in ("kind", "tag")}
        results = search(
            request.user, request.query_params.get("q", ""), filters, offset=(page - 1) * 20, limit=20
        )
        items = []
        for hit in results.hits:
            data = ItemSerializer(hit.item).data
            data["snippet"] = str(hit.snippet)
            data["rank"] = hit.rank
            items.append(data)
        return Response({"count": results.total, "page": page, "results": items})


def register(router) -> None:
    router.register("library/items", ItemViewSet, basename="library-item")
