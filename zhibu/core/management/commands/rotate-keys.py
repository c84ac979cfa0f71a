from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from zhibu.core.crypto import EncryptedTextField
from zhibu.core.progress import Bar


class Command(BaseCommand):
    help = (
        "个人信息密钥轮换：把新密钥放在 ZHIBU_FIELD_KEYS 的最前面，运行本命令用新密钥重新加密全部数据，"
        "完成后即可从 ZHIBU_FIELD_KEYS 中去掉旧密钥"
    )

    def handle(self, **options):
        tables = []
        for model in apps.get_models():
            fields = [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)]
            if fields:
                tables.append((model, fields, list(model._default_manager.values_list("pk", flat=True))))
        total = 0
        with Bar(self.stderr, quiet=not options["verbosity"]) as bar:
            bar(0, sum(len(ids) for _, _, ids in tables), "正在重新加密")
            for model, fields, ids in tables:
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
                    bar(total, message=f"正在重新加密 {model._meta.label}")
        for model, _, ids in tables:
            self.stdout.write(f"{model._meta.label}：{len(ids)} 行")
        self.stdout.write(f"已用当前密钥重新加密 {total} 行")
