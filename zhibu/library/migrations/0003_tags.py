"""The tags every district starts with: audiences (role), domains and common topics."""

from django.db import migrations

TAGS = [
    ("role", "secretary", "支部书记"),
    ("role", "affairs_worker", "党务工作者"),
    ("role", "member", "党员"),
    ("role", "two_committees", "村“两委”新任干部"),
    ("domain", "rural", "农村"),
    ("domain", "community", "社区"),
    ("domain", "agency", "机关"),
    ("domain", "enterprise", "企业"),
    ("domain", "school", "学校"),
    ("topic", "three-one", "三会一课"),
    ("topic", "theme-day", "主题党日"),
    ("topic", "org-life", "组织生活会"),
    ("topic", "recruitment", "发展党员"),
    ("topic", "dues", "党费收缴"),
    ("topic", "governance", "基层治理"),
    ("topic", "revitalisation", "乡村振兴"),
    ("topic", "theory", "理论学习"),
]


def add(apps, schema_editor):
    Tag = apps.get_model("library", "Tag")
    for kind, code, name in TAGS:
        Tag.objects.get_or_create(code=code, defaults={"kind": kind, "name": name})


def remove(apps, schema_editor):
    apps.get_model("library", "Tag").objects.filter(code__in=[c for _, c, _ in TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("library", "0002_search_index")]
    operations = [migrations.RunPython(add, remove)]
