"""The REST API, /api/v1/: every area registers its endpoints on this router."""

from rest_framework.routers import DefaultRouter

from zhibu.library import api as library_api
from zhibu.notifications.api import NotificationViewSet
from zhibu.orgs.api import (
    BranchViewSet,
    DistrictViewSet,
    ElectionViewSet,
    GroupViewSet,
    MemberViewSet,
    TownViewSet,
)
from zhibu.plans import api as plans_api
from zhibu.records import api as records_api
from zhibu.rules import api as rules_api
from zhibu.supervision import api as supervision_api
from zhibu.targets import api as targets_api
from zhibu.training import api as training_api


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

for area in (rules_api, records_api, library_api, training_api, supervision_api, targets_api, plans_api):
    area.register(router)
