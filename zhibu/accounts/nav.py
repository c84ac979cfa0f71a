from django.utils.translation import gettext_lazy as _

from zhibu.core.nav import registry

registry.add("orgs", _("账号与授权"), "accounts:users", "accounts.manage", order=80)
registry.add("orgs", _("角色与安全"), "accounts:roles", "security.manage", order=85)
registry.add("orgs", _("审计记录"), "audit", "audit.view", order=90)
