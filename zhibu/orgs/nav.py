from django.utils.translation import gettext_lazy as _

from zhibu.core.nav import registry

registry.add("orgs", _("组织架构"), "orgs:tree", "org.view", order=10)
registry.add("orgs", _("党员名册"), "orgs:members", "members.view", order=20)
registry.add("orgs", _("导入名册"), "orgs:import", "members.manage", order=30)
