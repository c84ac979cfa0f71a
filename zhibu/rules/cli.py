"""`zhibu compliance check LEDGER.json --from D --to D [--as-of D] [--config C.json]` — no database needed.

Prints the compliance report on stdout (exit 0), or one line naming the problem on stderr (exit 2).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import IO, Any, NoReturn

from .engine import ConfigError, Settings, Window, check, settings_from_config
from .ledger import LedgerError, load_ledger, loads_json, parse_date

USAGE_ERROR = 2


class _Stop(Exception):
    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that writes to the given streams and never calls sys.exit."""

    def __init__(self, *args: Any, out: IO[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.out = out

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            self.out.write(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _Stop(status, message or "")

    def error(self, message: str) -> NoReturn:
        raise _Stop(USAGE_ERROR, f"{self.prog}: {message}")


def _parser(stdout: IO[str]) -> _Parser:
    parser = _Parser(prog="zhibu compliance", description="组织生活合规检查（一规）", out=stdout)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("check", help="检查一个支部台账文件", out=stdout)
    run.add_argument("ledger", help="支部台账 JSON 文件（zhibu.branch-ledger/1）")
    run.add_argument("--from", dest="from_", required=True, metavar="YYYY-MM-DD", help="起始日期（含）")
    run.add_argument("--to", required=True, metavar="YYYY-MM-DD", help="截止日期（含）")
    run.add_argument("--as-of", metavar="YYYY-MM-DD", help="统计时点，默认等于 --to")
    run.add_argument("--config", metavar="C.json", help="规则配置 JSON，逐项覆盖默认配置")
    return parser


def main(argv: list[str], stdout: IO[str], stderr: IO[str]) -> int:
    """Run `compliance` with `argv` (the words after `compliance`); returns the exit status."""
    try:
        options = _parser(stdout).parse_args(argv)
        report = _run_check(options)
    except _Stop as stop:
        if stop.message:
            stderr.write(stop.message.rstrip("\n") + "\n")
        return stop.status
    stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 0


def _run_check(options: argparse.Namespace) -> dict[str, Any]:
    window = Window(
        from_=_date_option(options.from_, "--from"),
        to=_date_option(options.to, "--to"),
        as_of=_date_option(options.as_of, "--as-of") if options.as_of else None,
    )
    if window.from_ > window.to:
        raise _Stop(USAGE_ERROR, f"zhibu compliance: --from {window.from_} is after --to {window.to}")
    settings = _read_settings(options.config) if options.config else settings_from_config(None)
    try:
        ledger = load_ledger(options.ledger)
    except OSError as exc:
        raise _Stop(USAGE_ERROR, f"zhibu compliance: cannot read {options.ledger}: {exc.strerror}") from exc
    except LedgerError as exc:
        raise _Stop(USAGE_ERROR, f"zhibu compliance: {options.ledger}: {exc}") from exc
    return check(ledger, window, settings)


def _date_option(value: str, option: str) -> date:
    parsed = parse_date(value)
    if parsed is None:
        raise _Stop(USAGE_ERROR, f"zhibu compliance: {option}: not a date (YYYY-MM-DD): {value!r}")
    return parsed


def _read_settings(path: str) -> Settings:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _Stop(USAGE_ERROR, f"zhibu compliance: cannot read config {path}: {exc}") from exc
    try:
        return settings_from_config(loads_json(text))
    except (LedgerError, ConfigError) as exc:  # invalid JSON, or a bad value at exc.path
        raise _Stop(USAGE_ERROR, f"zhibu compliance: {path}: {exc}") from exc
