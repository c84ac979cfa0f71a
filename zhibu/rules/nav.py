from django.utils.translation import gettext_lazy as _

from zhibu.core.nav import registry

registry.add("rules", _("合规检查"), "rules:index", "rules.view", order=10)
registry.add("rules", _("规则配置"), "rules:config", "rules.view", order=20)
