"""Capabilities: what a role may do within its reach. Roles are data (accounts.Role rows)."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES = {
    "org.view": _("查看组织架构"),
    "org.manage": _("维护组织架构（乡镇、支部、党小组、换届）"),
    "members.view": _("查看党员名册"),
    "members.manage": _("维护党员信息、导入名册、办理转接"),
    "members.pii": _("查看完整身份证号和手机号"),
    "members.export": _("导出党员名册"),
    "accounts.manage": _("管理账号与授权"),
}

# The roles a district starts with; a district admin may change them (they are rows, not code).
DEFAULT_ROLES = {
    "district_admin": (
        _("区委组织部管理员"),
        [
            "org.view",
            "org.manage",
            "members.view",
            "members.manage",
            "members.pii",
            "members.export",
            "accounts.manage",
        ],
    ),
    "centre_staff": (_("实训中心工作人员"), ["org.view", "members.view"]),
    "town_supervisor": (_("乡镇督导员"), ["org.view", "members.view", "members.export"]),
    "branch_secretary": (
        _("支部书记"),
        [
            "org.view",
            "members.view",
            "members.manage",
            "members.pii",
            "members.export",
        ],
    ),
    "affairs_worker": (
        _("党务工作者"),
        [
            "org.view",
            "members.view",
            "members.manage",
            "members.pii",
            "members.export",
        ],
    ),
    "member": (_("党员"), ["org.view"]),
    "instructor": (_("教员"), ["org.view"]),
    "auditor": (_("审计员（只读）"), ["org.view", "members.view"]),
}
