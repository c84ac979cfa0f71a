"""Roster import speed: rows per second of the preview and of the all-or-nothing write.

    .venv/bin/python benchmarks/import_roster.py [--rows 5000] [--branches 20] [--sqlite]

Makes a throwaway PostgreSQL database under the production profile (benchmarks/stack.py) — or, with
--sqlite, a throwaway embedded SQLite database (the default profile) in a temporary directory — with one
district, a town and --branches branches, and a 党员花名册 .xlsx of --rows rows written with openpyxl as an
office keeps it (a title row above the header, the branch by name, dates as text, a party group and
some office-holders, valid ID numbers with their check digit). Then times, in one process and exactly
as the import job does, `zhibu.orgs.roster.plan` (the preview), `zhibu.orgs.roster.apply` (the
write) and `plan` again over the same file (every row must now be "same": the import is idempotent).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stack import Stack, check_services  # noqa: E402

CODE = """
import datetime, io, json, random, resource, time
from openpyxl import Workbook
from zhibu.orgs import roster
from zhibu.orgs.models import Branch, District, Member, Town

ROWS, BRANCHES = {rows}, {branches}
rng = random.Random(2017)
d = District.objects.create(code="roster-d", name="导入测试区")
t = Town.objects.create(district=d, code="roster-t", name="导入测试镇")
branches = [
    Branch.objects.create(town=t, code=f"roster-{{i:03d}}", name=f"第{{i}}村党支部", domain="rural")
    for i in range(1, BRANCHES + 1)
]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(n, born):
    body = f"110116{{born:%Y%m%d}}{{n % 1000:03d}}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


wb = Workbook()
ws = wb.active
ws.append(["党员花名册（导入测试）"])
ws.append(["所在支部", "姓名", "性别", "民族", "出生年月", "学历", "身份证号", "手机号", "入党时间", "转正时间",
           "转入时间", "党小组", "党内职务"])
surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭", "建国秀英志强桂兰海玉明丽涛军华芳伟敏静磊"
for n in range(ROWS):
    born = datetime.date(1950 + n % 50, 1 + n % 12, 1 + n % 28)
    joined = datetime.date(born.year + 25, 7, 1)
    b = branches[n % BRANCHES]
    role = "书记" if n < BRANCHES else ("委员" if n < 3 * BRANCHES else "")
    ws.append([
        b.name, rng.choice(surnames) + rng.choice(given) + rng.choice(given), "男" if n % 2 else "女", "汉族",
        f"{{born:%Y.%m}}", rng.choice(["高中", "大专", "本科", "初中"]), id_number(n, born),
        f"139{{n:08d}}", f"{{joined:%Y年%m月%d日}}", f"{{joined.year + 1}}-07-01", f"{{joined:%Y/%m/%d}}",
        f"第{{n % 3 + 1}}党小组", role,
    ])
buf = io.BytesIO()
wb.save(buf)
data = buf.getvalue()
scope = {{"branch": None, "branches": Branch.objects.filter(town=t)}}
out = {{"rows": ROWS, "branches": BRANCHES, "xlsx_bytes": len(data)}}
for step, fn in (("plan", roster.plan), ("apply", roster.apply), ("plan_again", roster.plan)):
    started = time.perf_counter()
    result = fn(io.BytesIO(data), **scope)
    seconds = time.perf_counter() - started
    out[step] = {{"seconds": round(seconds, 2), "rows_per_second": round(ROWS / seconds, 1), "counts": result["counts"]}}
out["members_in_database"] = Member.objects.filter(branch__town=t).count()
out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(out, ensure_ascii=False))
"""


def run_sqlite(code: str) -> str:
    """The same code under the default (embedded SQLite) profile, in a throwaway directory."""
    with tempfile.TemporaryDirectory(prefix="zhibu-roster-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHIBU_", "DATABASE_", "DJANGO_"))}
        env.update({"ZHIBU_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "zhibu.settings"})
        root = Path(__file__).resolve().parents[1]
        bin_dir = Path(sys.executable).parent
        subprocess.run(
            [str(bin_dir / "zhibu"), "migrate", "--no-input", "-v0"], env=env, cwd=root, check=True
        )
        run = subprocess.run(
            [sys.executable, "-c", "import django\ndjango.setup()\n" + code],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if run.returncode != 0:
            raise RuntimeError(run.stderr[-3000:])
        return run.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--branches", type=int, default=20)
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite profile instead")
    args = parser.parse_args()
    code = CODE.format(rows=args.rows, branches=args.branches)
    if args.sqlite:
        out = run_sqlite(code)
    else:
        reason = check_services()
        if reason:
            print(json.dumps({"benchmark": "import_roster", "skipped": reason}, ensure_ascii=False))
            return 2
        with Stack() as stack:
            stack.prepare()
            out = stack.python(code, timeout=3600)
    report = {
        "benchmark": "import_roster",
        "database": "sqlite" if args.sqlite else "postgresql",
        **json.loads(out.strip().splitlines()[-1]),
    }
    report["idempotent"] = report["plan_again"]["counts"].get("same") == args.rows
    report["all_written"] = report["members_in_database"] == args.rows
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
