"""The REST API, /api/v1/: every area registers its endpoints on this router."""

from rest_framework.routers import DefaultRouter

from zhibu.notifications.api import NotificationViewSet
from zhibu.orgs.api import (
    BranchViewSet,
    DistrictViewSet,
    ElectionViewSet,
    GroupViewSet,
    MemberViewSet,
    TownViewSet,
)


class Router(DefaultRouter):
    include_format_suffixes = False


router = Router()
router.register("districts", DistrictViewSet)
router.register("towns", TownViewSet)
router.register("branches", BranchViewSet)
router.register("groups", GroupViewSet)
router.register("elections", ElectionViewSet)
router.register("members", MemberViewSet)
router.register("notifications", NotificationViewSet, basename="notification")
