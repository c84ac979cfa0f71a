"""This area's REST endpoints; register(router) is called by zhibu/api.py."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from zhibu.core.api import ReachViewSetMixin

from .models import Item
from .search import search

PAGE_SIZE = 20
# No library holds anywhere near 20 × 10 000 items; a larger page number is simply not there, and would
# overflow the database's OFFSET.
MAX_PAGE = 10_000


class ItemSerializer(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Item
        fields = ["id", "kind", "title", "summary", "hall_part", "duration", "tags", "updated"]


class HitSerializer(ItemSerializer):
    snippet = serializers.CharField(help_text="命中片段（HTML，检索词以 <mark> 标出）")
    rank = serializers.FloatField(help_text="相关度，越大越靠前")

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "snippet", "rank"]


@extend_schema_serializer(many=False)
class SearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="命中总数")
    page = serializers.IntegerField(help_text="页码，每页 20 条")
    results = HitSerializer(many=True)


class ItemViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Library items; `?q=` searches in Chinese (ranked, with highlighted snippets), `kind` and `tag` filter."""

    queryset = Item.objects.filter(published=True).prefetch_related("tags")
    serializer_class = ItemSerializer
    view_capability = "library.view"
    change_capability = "library.manage"

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="检索词（中文按词检索，按相关度排序）"),
            OpenApiParameter("kind", str, description="资料类别：" + "、".join(Item.Kind.values)),
            OpenApiParameter("tag", str, description="标签代码"),
        ],
        responses=SearchPageSerializer,
    )
    def list(self, request, *args, **kwargs):
        # A page number as the other lists take it: not a whole number from 1, or past the results, is 404.
        try:
            page = int(request.query_params.get("page", "1"))
        except ValueError:
            raise NotFound("无效页面。") from None
        if not 1 <= page <= MAX_PAGE:
            raise NotFound("无效页面。")
        filters = {k: request.query_params.get(k, "") for k in ("kind", "tag")}
        results = search(
            request.user,
            request.query_params.get("q", ""),
            filters,
            offset=(page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
        if page > 1 and not results.hits:
            raise NotFound("无效页面。")
        items = []
        for hit in results.hits:
            data = ItemSerializer(hit.item).data
            data["snippet"] = str(hit.snippet)
            data["rank"] = hit.rank
            items.append(data)
        return Response({"count": results.total, "page": page, "results": items})


def register(router) -> None:
    router.register("library/items", ItemViewSet, basename="library-item")
