from django.db.models import Count, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from zhibu.accounts.reach import can
from zhibu.core.api import ReachViewSetMixin
from zhibu.core.pagination import count_related

from .models import Branch, District, Election, Group, Member, MemberRole, Town


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "code", "name"]


class TownSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Town
        fields = ["id", "code", "name", "kind", "district"]


class BranchSerializer(serializers.ModelSerializer):
    town = serializers.SlugRelatedField(slug_field="code", read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Branch
        fields = [
            "id",
            "code",
            "name",
            "domain",
            "established",
            "committee_elected",
            "town",
            "town_name",
            "member_count",
        ]
        read_only_fields = ["code", "committee_elected"]


class GroupSerializer(serializers.ModelSerializer):
    branch = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Group
        fields = ["id", "branch", "name"]


class ElectionSerializer(serializers.ModelSerializer):
    branch = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Election
        fields = ["id", "branch", "date", "note"]


class RoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = MemberRole
        fields = ["role", "title", "start", "end"]


class MemberSerializer(serializers.ModelSerializer):
    """Phones and ID numbers are masked unless the reader may see them in full."""

    branch = serializers.SlugRelatedField(slug_field="code", read_only=True)
    group = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    roles = RoleSerializer(many=True, read_only=True)
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = [
            "id",
            "branch",
            "group",
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "education",
            "phone",
            "id_number",
            "party_joined",
            "full_since",
            "joined",
            "left",
            "roles",
        ]
        read_only_fields = fields

    def _unmasked(self, obj) -> bool:
        cache = self.context.setdefault("_pii_branches", {})
        if obj.branch_id not in cache:
            cache[obj.branch_id] = can(self.context["request"].user, "members.pii", obj.branch)
        return cache[obj.branch_id]

    def get_phone(self, obj) -> str:
        return obj.phone if self._unmasked(obj) else obj.phone_masked

    def get_id_number(self, obj) -> str:
        return obj.id_number if self._unmasked(obj) else obj.id_number_masked


class DistrictViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """区."""

    queryset = District.objects.all()
    serializer_class = DistrictSerializer
    view_capability = "org.view"


class TownViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """乡镇（街道）."""

    queryset = Town.objects.select_related("district")
    serializer_class = TownSerializer
    view_capability = "org.view"
    lookup_field = "code"


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("town", str, description="只列这个镇街（代码）的支部"),
            OpenApiParameter(
                "domain", str, description="只列这个领域的支部：" + "、".join(Branch.Domain.values)
            ),
        ]
    )
)
class BranchViewSet(ReachViewSetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """党支部: filter with ?town=CODE and ?domain=rural."""

    queryset = Branch.objects.select_related("town").order_by("code")
    serializer_class = BranchSerializer
    view_capability = "org.view"
    change_capability = "org.manage"
    lookup_field = "code"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":  # one branch: counted with it; a list counts its page's (below)
            qs = qs.annotate(member_count=Count("members", filter=Q(members__left__isnull=True)))
        if town := self.request.query_params.get("town"):
            qs = qs.filter(town__code=town)
        if domain := self.request.query_params.get("domain"):
            qs = qs.filter(domain=domain)
        return qs

    def paginate_queryset(self, queryset):
        """The page's members counted for its branches alone: grouping a city's 2.5 million members by
        branch before the page was cut took the city administrator's list 1.55 s."""
        page = super().paginate_queryset(queryset)
        count_related(page, Member.objects.filter(left__isnull=True), "branch", "member_count")
        return page


class GroupViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """党小组."""

    queryset = Group.objects.select_related("branch").order_by("id")
    serializer_class = GroupSerializer
    view_capability = "org.view"


class ElectionViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """换届选举."""

    queryset = Election.objects.select_related("branch").order_by("-date", "id")
    serializer_class = ElectionSerializer
    view_capability = "org.view"


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("branch", str, description="只列这个支部（代码）的党员"),
            OpenApiParameter("q", str, description="姓名中含有这些字"),
            OpenApiParameter("all", str, enum=["1"], description="1：连同已离开的党员"),
        ]
    )
)
class MemberViewSet(ReachViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """党员: filter with ?branch=CODE, ?q=name; ?all=1 includes those who left."""

    queryset = Member.objects.select_related("branch").prefetch_related("roles").order_by("id")
    serializer_class = MemberSerializer
    view_capability = "members.view"

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("all") != "1":
            qs = qs.filter(left__isnull=True)
        if branch := self.request.query_params.get("branch"):
            qs = qs.filter(branch__code=branch)
        if q := self.request.query_params.get("q"):
            qs = qs.filter(name__contains=q)
        return qs
