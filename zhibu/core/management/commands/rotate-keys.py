from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from zhibu.core.crypto import EncryptedTextField


class Command(BaseCommand):
    help = (
        "个人信息密钥轮换：把新密钥放在 ZHIBU_FIELD_KEYS 的最前面，运行本命令用新密钥重新加密全部数据，"
        "完成后即可从 ZHIBU_FIELD_KEYS 中去掉旧密钥"
    )

    def handle(self, **options):
        total = 0
        for model in apps.get_models():
            fields = [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            ids = list(model._default_manager.values_list("pk", flat=True))
            for start in range(0, len(ids), 1000):
                with transaction.atomic():
                    for row in model._default_manager.filter(pk__in=ids[start : start + 1000]).values(
                        "pk", *fields
                    ):
                        pk = row.pop("pk")
                        model._default_manager.filter(pk=pk).update(
                            **row
                        )  # decrypted with any key, re-encrypted with the first
                        total += 1
            self.stdout.write(f"{model._meta.label}：{len(ids)} 行")
        self.stdout.write(f"已用当前密钥重新加密 {total} 行")
