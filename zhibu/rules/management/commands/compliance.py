"""`zhibu compliance check LEDGER.json --from D --to D [--as-of D] [--config C.json]` (no database needed)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhibu.rules.cli import main


class Command(BaseCommand):
    help = "组织生活合规检查：compliance check LEDGER.json --from D --to D [--as-of D] [--config C.json]"
    requires_system_checks: list[str] = []

    def run_from_argv(self, argv: list[str]) -> None:
        # argv is [program, "compliance", ...]; our own parser reads the rest, so Django's stays out of it.
        sys.exit(main(argv[2:], sys.stdout, sys.stderr))

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("words", nargs=argparse.REMAINDER, help="check LEDGER.json --from D --to D …")

    def handle(self, *args: Any, **options: Any) -> None:
        """For call_command("compliance", "check", ...): same behaviour, errors become CommandError."""
        status = main(list(options["words"]), self.stdout, self.stderr)
        if status:
            raise CommandError(f"compliance exited with status {status}", returncode=status)
