"""`zhibu ledger import FILE.json` (all or nothing, idempotent) and `zhibu ledger export CODE --year Y`."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhibu.rules.ledger import LedgerError, load_ledger, loads_json
from zhibu.rules.ledger_io import export_year, import_ledger


class Command(BaseCommand):
    help = "支部台账（zhibu.branch-ledger/1）导入与导出"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入支部台账 JSON（全部成功或全部不导入；重复导入不产生变化）")
        imp.add_argument("file")
        exp = sub.add_parser("export", help="导出支部某一年的台账 JSON 到标准输出")
        exp.add_argument("code", help="支部编码")
        exp.add_argument("--year", type=int, required=True)

    def handle(self, action, **options):
        if action == "export":
            from zhibu.orgs.models import Branch

            try:
                doc = export_year(options["code"], options["year"])
            except Branch.DoesNotExist:
                raise CommandError(f"没有编码为 {options['code']} 的支部", returncode=2) from None
            self.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        path = options["file"]
        try:
            load_ledger(path)  # reads and validates the whole file first
            with open(path, encoding="utf-8") as f:
                data = loads_json(f.read())
            counts = import_ledger(data)
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc.strerror}", returncode=2) from None
        except LedgerError as exc:
            raise CommandError(f"{path}: {exc}（未导入任何内容）", returncode=2) from None
        except ValidationError as exc:
            raise CommandError(f"{path}: {'; '.join(exc.messages)}（未导入任何内容）", returncode=2) from None
        self.stdout.write(f"导入完成：新增 {counts['created']} 项，更新 {counts['changed']} 项")
