from django.utils.translation import gettext_lazy as _

from zhibu.core.nav import registry

registry.add("exhibition", _("展厅"), "library:hall", "library.view", order=10)
registry.add("exhibition", _("展厅参观登记"), "library:visits", "library.manage", order=20)
registry.add("library", _("学习资源"), "library:index", "library.view", order=10)
registry.add("library", _("我的学时"), "library:my", "library.view", order=20)
registry.add("library", _("集中学习"), "library:study", "learning.record", order=30)
registry.add("library", _("学时统计"), "library:hours", "learning.view", order=40)
