"""The standard procedure of each meeting type, as data: what the secretary steps through in session.

The same steps are what drills are scored on and what the supervision board shows live.
"""

from django.utils.translation import gettext_lazy as _

PROCEDURES = {
    "general_meeting": [
        _("清点人数并宣布会议是否有效"),
        _("宣布议程"),
        _("讨论"),
        _("表决"),
        _("宣布表决结果"),
        _("总结"),
    ],
    "committee_meeting": [
        _("清点到会委员人数，宣布会议是否有效"),
        _("通报上次会议决定事项落实情况"),
        _("逐项讨论议题"),
        _("表决（少数服从多数）"),
        _("明确分工和落实责任"),
        _("总结"),
    ],
    "theme_day": [
        _("签到并清点人数"),
        _("重温入党誓词"),
        _("集中学习"),
        _("交流研讨"),
        _("开展主题活动或志愿服务"),
        _("总结"),
    ],
    "party_lecture": [
        _("签到并清点人数"),
        _("主持人介绍授课人和主题"),
        _("授课"),
        _("互动交流"),
        _("总结"),
    ],
    "group_meeting": [
        _("签到并清点人数"),
        _("传达支部决定和学习内容"),
        _("讨论交流"),
        _("收集意见建议"),
        _("总结"),
    ],
    "org_life_meeting": [
        _("清点人数并宣布会议开始"),
        _("通报会前学习和征求意见情况"),
        _("支部书记代表支委会作检视剖析"),
        _("党员逐一对照检查、开展批评和自我批评"),
        _("明确整改措施"),
        _("总结"),
    ],
    "democratic_appraisal": [
        _("清点人数并宣布会议是否有效"),
        _("学习评议标准"),
        _("个人自评"),
        _("党员互评"),
        _("民主测评"),
        _("宣布评议结果"),
        _("总结"),
    ],
}

# A sitting with several types follows the procedure of its weightiest type.
PRECEDENCE = [
    "general_meeting",
    "democratic_appraisal",
    "org_life_meeting",
    "committee_meeting",
    "theme_day",
    "party_lecture",
    "group_meeting",
]


def procedure_for(types) -> list:
    for t in PRECEDENCE:
        if t in types:
            return PROCEDURES[t]
    return PROCEDURES["theme_day"]
