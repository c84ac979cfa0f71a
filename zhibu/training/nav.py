from django.utils.translation import gettext_lazy as _

from zhibu.core.nav import registry

registry.add("training", _("培训班"), "training:index", None, order=10)
registry.add("training", _("课表与场地"), "training:timetable", "training.view", order=20)
registry.add("training", _("补训"), "training:retraining", None, order=30)
registry.add("training", _("题库"), "training:bank", "training.manage", order=40)
registry.add("training", _("培训统计"), "training:stats", "training.view", order=50)
