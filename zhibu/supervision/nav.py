from django.utils.translation import gettext_lazy as _

from zhibu.core.nav import registry

registry.add("supervision", _("督导大屏"), "supervision:board", "supervision.view", order=10)
registry.add("supervision", _("督导意见与整改"), "supervision:index", "supervision.view", order=20)
registry.add("supervision", _("督导意见与整改"), "supervision:index", "supervision.respond", order=20)
registry.add("supervision", _("调度指令"), "supervision:dispatches", "supervision.view", order=30)
registry.add("supervision", _("综合评估"), "supervision:evaluations", "supervision.view", order=40)
registry.add("supervision", _("推荐与回炉"), "supervision:proposals", "supervision.view", order=50)
registry.add("supervision", _("会议直播墙"), "supervision:wall", "supervision.view", order=15)
