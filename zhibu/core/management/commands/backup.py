from pathlib import Path

from django.core.management.base import BaseCommand

from zhibu.core.backup import backup


class Command(BaseCommand):
    help = "备份整个实例（数据库和文件）到一个加密文件：zhibu backup OUT.zhibu-backup"

    def add_arguments(self, parser):
        parser.add_argument("out")

    def handle(self, out, **options):
        result = backup(Path(out))
        self.stdout.write(f"已备份到 {out}（{result['files']} 个文件，{result['bytes']} 字节）")
