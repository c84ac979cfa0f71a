from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhibu.core.backup import restore


class Command(BaseCommand):
    help = "把备份恢复到一个空实例：zhibu migrate 之后运行 zhibu restore IN.zhibu-backup"

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, path, **options):
        try:
            result = restore(Path(path))
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已恢复（{result['files']} 个文件）。请运行 zhibu records verify 检查纪实链是否完整。"
        )
