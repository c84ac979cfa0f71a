"""`zhibu audit verify`: check the audit trail's hash chain; fail naming the first broken event.

Its progress goes to standard error (core.progress.Bar); standard output keeps only the result."""

from django.core.management.base import BaseCommand, CommandError

from zhibu.core.audit import verify
from zhibu.core.progress import Bar

CHECKING = "正在校验审计链"


class Command(BaseCommand):
    help = "检查审计记录的哈希链：zhibu audit verify"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, action, **options):
        with Bar(self.stderr, quiet=not options["verbosity"]) as bar:
            bar(0, None, CHECKING)
            count, broken = verify(progress=bar)
        if broken is not None:
            raise CommandError(
                f"审计链在第 {count + 1} 条（编号 {broken.pk}，{broken.at:%Y-%m-%d %H:%M:%S}，"
                f"{broken.username} {broken.action}）处断开：该记录或其前一条被改动过"
            )
        self.stdout.write(f"审计链完整：共 {count} 条")
