"""Generate a city into PostgreSQL with COPY: 100,000 branches, 2.5 million members, 5 million meetings.

    .venv/bin/python benchmarks/city.py [--scale 0.01] [--db zhibu_city] [--pg URL] [--year 2025]

At --scale 1: 16 districts, 320 towns, 100,000 branches (two party groups each), 2.5 million members
(10-40 a branch, 25 on average; personal data encrypted and indexed as the application does), a
secretary and two committee members per branch, 50 meetings a branch-year (5 million: monthly 主题党日,
four of them with a 支部党员大会 and four with a 党课, monthly 支委会 and 党小组会, one 组织生活会 and one 民主评议),
the attendance of every meeting (about 70 million rows; --no-attendance to leave it out), online learning
(StudyDay, --study-days per member) and training (classes, enrolments of every secretary and 5% of
members). The data is deterministic (--seed).

The database named by --db is DROPPED and made again, migrated by `zhibu migrate`, then filled: each
large table's secondary indexes and constraints are dropped, the rows streamed with COPY, and the
indexes and constraints built again (timed separately). Prints one JSON object: rows and rows per
second per table, index seconds, total seconds and the database size.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stack import pg_connect, with_db  # noqa: E402

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "建国秀英志强桂兰海玉明丽涛军华芳伟敏静磊洋艳勇杰娟超霞平刚桂芝红梅文春秋冬雪松柏"
EDUCATION = ["junior", "senior", "senior", "college", "bachelor", "bachelor", "master"]
PER_BRANCH_MEETINGS = 50


def plan(scale: float) -> dict:
    branches = max(1, round(100_000 * scale))
    districts = max(1, min(16, round(16 * scale**0.5)))
    towns = max(districts, min(branches, round(320 * scale**0.5)))
    return {"districts": districts, "towns": towns, "branches": branches}


class City:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.year = args.year
        self.shape = plan(args.scale)
        b = self.shape["branches"]
        # Members per branch: 10-40, mean 25; ids are contiguous per branch.
        self.member_count = [self.rng.randint(10, 40) for _ in range(b)]
        self.member_start = []
        total = 0
        for n in self.member_count:
            self.member_start.append(total + 1)
            total += n
        self.member_total = total
        self.figures: dict[str, dict] = {}

    # --- helpers -----------------------------------------------------------------------------------------

    def copy(self, model, fields: list[str], rows, *, rebuild: bool = True) -> None:
        """COPY rows into the model's table, with its secondary indexes and constraints dropped and rebuilt."""
        from django.db import connection

        table = model._meta.db_table
        columns = [model._meta.get_field(f).column for f in fields]
        raw = connection.connection
        with raw.cursor() as cur:
            saved = self._drop_indexes(cur, table) if rebuild else ([], [])
            started = time.monotonic()
            count = 0
            cols = ", ".join(f'"{c}"' for c in columns)
            with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            raw.commit()
            loaded = time.monotonic() - started
            started = time.monotonic()
            self._restore_indexes(cur, table, *saved)
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table}"), 1))'
            )
            cur.execute(f'ANALYZE "{table}"')
            raw.commit()
            indexed = time.monotonic() - started
        self.figures[table] = {
            "rows": count,
            "copy_seconds": round(loaded, 2),
            "rows_per_second": round(count / loaded) if loaded else None,
            "index_seconds": round(indexed, 2),
        }
        print(f"{table}: {count} rows, {loaded:.1f} s + {indexed:.1f} s indexes", file=sys.stderr)

    @staticmethod
    def _drop_indexes(cur, table: str):
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
            [table],
        )
        constraints = cur.fetchall()
        for name, _ in constraints:
            cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
            [table],
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")
        return indexes, constraints

    @staticmethod
    def _restore_indexes(cur, table: str, indexes, constraints) -> None:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cur.execute(definition)
        for name, definition in constraints:
            cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')

    @staticmethod
    def _reset_sequence(model) -> None:
        from django.db import connection

        table = model._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table}"), 1))'
            )

    def name(self, rng: random.Random) -> str:
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

    # --- tables --------------------------------------------------------------------------------------------

    def orgs(self) -> None:
        from zhibu.orgs.models import Branch, District, Group, Town

        d, t, b = self.shape["districts"], self.shape["towns"], self.shape["branches"]
        self.copy(
            District, ["id", "code", "name"], ((i, f"c{i:02d}", f"示范市第{i}区") for i in range(1, d + 1))
        )
        kinds = ("town", "town", "street", "township")
        self.copy(
            Town,
            ["id", "district", "code", "name", "kind"],
            ((i, (i - 1) % d + 1, f"c{i:04d}", f"第{i}镇街", kinds[i % 4]) for i in range(1, t + 1)),
        )
        domains = ("rural",) * 5 + ("community",) * 3 + ("agency", "enterprise", "school", "other")
        elected = datetime.date(self.year - 2, 7, 1)
        self.copy(
            Branch,
            ["id", "town", "code", "name", "domain", "established", "committee_elected"],
            (
                (i, (i - 1) % t + 1, f"c{i:06d}", f"第{i}党支部", domains[i % len(domains)], None, elected)
                for i in range(1, b + 1)
            ),
        )
        self.copy(
            Group,
            ["id", "branch", "name"],
            ((2 * i - 1 + k, i, f"第{k + 1}党小组") for i in range(1, b + 1) for k in range(2)),
        )

    def members(self) -> None:
        from zhibu.core.crypto import blind_index, encrypt
        from zhibu.orgs.models import Member, MemberRole

        rng = random.Random(f"{self.args.seed}:members")
        fields = [
            "id", "branch", "group", "name", "gender", "ethnicity", "birth_date", "education", "phone",
            "id_number", "id_number_index", "party_joined", "full_since", "joined", "left", "left_reason",
        ]  # fmt: skip

        def rows():
            for b, (start, n) in enumerate(zip(self.member_start, self.member_count, strict=True), 1):
                for k in range(n):
                    mid = start + k
                    born = datetime.date(rng.randint(1945, 2000), rng.randint(1, 12), rng.randint(1, 28))
                    gender = rng.choice("MF")
                    idn = f"1101{b % 100:02d}{born:%Y%m%d}{mid % 1000:03d}X"
                    joined_party = datetime.date(born.year + rng.randint(20, 40), rng.randint(1, 12), 1)
                    joined_party = min(joined_party, datetime.date(self.year - 1, 6, 1))
                    full = joined_party.replace(year=joined_party.year + 1)
                    yield (
                        mid, b, 2 * b - 1 + k % 2, self.name(rng), gender, "汉族", born,
                        rng.choice(EDUCATION), encrypt(f"13{rng.randint(100000000, 999999999)}"), encrypt(idn),
                        blind_index(idn), joined_party, full, joined_party, None, "",
                    )  # fmt: skip

        self.copy(Member, fields, rows())
        start = datetime.date(self.year - 2, 7, 1)
        titles = ("", "组织委员", "宣传委员")
        kinds = ("secretary", "committee_member", "committee_member")
        self.copy(
            MemberRole,
            ["id", "member", "role", "title", "start", "end"],
            (
                (3 * (b - 1) + k + 1, s + k, kinds[k], titles[k], start, None)
                for b, s in enumerate(self.member_start, 1)
                for k in range(3)
            ),
        )

    def meetings(self) -> None:
        from zhibu.records.models import Attendance, Meeting

        y = self.year
        # One branch-year: (types, month, day, who attends: all | committee | group 0/1).
        pattern = []
        for month in range(1, 13):
            types = ["theme_day"]
            if month % 3 == 1:
                types.append("general_meeting")
            if month % 3 == 2:
                types.append("party_lecture")
            pattern.append((types, month, 8, "all"))
            pattern.append((["committee_meeting"], month, 3, "committee"))
            pattern.append((["group_meeting"], month, 15, "g0"))
            pattern.append((["group_meeting"], month, 16, "g1"))
        pattern.append((["org_life_meeting"], 12, 20, "all"))
        pattern.append((["democratic_appraisal"], 12, 21, "all"))
        assert len(pattern) == PER_BRANCH_MEETINGS
        self.pattern = pattern

        towns = self.shape["towns"]  # branch b is in town (b - 1) % towns + 1 (orgs)

        def meeting_rows():
            for b in range(1, self.shape["branches"] + 1):
                s = self.member_start[b - 1]
                for j, (types, month, day, who) in enumerate(pattern):
                    mid = (b - 1) * PER_BRANCH_MEETINGS + j + 1
                    date = datetime.date(y, month, day)
                    group = 2 * b - 1 + int(who[1]) if who.startswith("g") else None
                    lecturer = s if "party_lecture" in types else None
                    yield (
                        mid, b, (b - 1) % towns + 1, json.dumps(types), date, datetime.time(9, 0), "党员活动室", s, s + 1,
                        f"{month}月{'、'.join(types)}", "传达学习上级精神，研究部署本月工作。", lecturer, "",
                        group, False, "approved", date + datetime.timedelta(days=3), 5, f"c{mid}", None,
                        datetime.datetime(y, month, day, 12, 0, tzinfo=datetime.UTC),
                    )  # fmt: skip

        fields = [
            "id", "branch", "town", "types", "date", "start_time", "place", "chair", "recorder", "topic", "minutes",
            "lecturer", "lecturer_text", "group", "election", "status", "submitted", "step", "external_id",
            "created_by", "created_at",
        ]  # fmt: skip
        self.copy(Meeting, fields, meeting_rows())
        if self.args.no_attendance:
            return
        rng = random.Random(f"{self.args.seed}:attendance")

        def attendance_rows():
            aid = 0
            for b in range(1, self.shape["branches"] + 1):
                s, n = self.member_start[b - 1], self.member_count[b - 1]
                for j, (_, month, day, who) in enumerate(pattern):
                    mid = (b - 1) * PER_BRANCH_MEETINGS + j + 1
                    if who == "all":
                        people = range(s, s + n)
                    elif who == "committee":
                        people = range(s, s + 3)
                    else:
                        people = range(s + int(who[1]), s + n, 2)
                    signed = datetime.datetime(y, month, day, 1, 0, tzinfo=datetime.UTC)
                    for m in people:
                        aid += 1
                        r = rng.random()
                        if r < 0.9:
                            yield aid, mid, m, "present", "", signed, False
                        elif r < 0.97:
                            yield aid, mid, m, "leave", "外出务工", None, False
                        else:
                            yield aid, mid, m, "absent", "", None, False

        fields = ["id", "meeting", "member", "state", "reason", "signed_at", "by_proxy"]
        rows = attendance_rows()
        if any(f.name == "imported" for f in Attendance._meta.get_fields()):
            # Every generated meeting carries a ledger number (external_id): its rows count as imported,
            # as the migration that added the flag marks them.
            fields.append("imported")
            rows = (row + (True,) for row in rows)
        self.copy(Attendance, fields, rows)

    def learning(self) -> None:
        from zhibu.library.models import Item, StudyDay

        districts = self.shape["districts"]
        items = [(d, k) for d in range(1, districts + 1) for k in range(10)]
        # A few rows: through the ORM, so every field takes its model default.
        Item.objects.bulk_create(
            Item(id=i, district_id=d, kind="video" if k % 2 else "document", title=f"学习材料{k + 1}")
            for i, (d, k) in enumerate(items, 1)
        )
        self._reset_sequence(Item)
        per = self.args.study_days
        if not per:
            return
        rng = random.Random(f"{self.args.seed}:study")
        town_district = {t: (t - 1) % districts + 1 for t in range(1, self.shape["towns"] + 1)}

        def rows():
            sid = 0
            for b in range(1, self.shape["branches"] + 1):
                district = town_district[(b - 1) % self.shape["towns"] + 1]
                for m in range(self.member_start[b - 1], self.member_start[b - 1] + self.member_count[b - 1]):
                    for k in range(per):
                        sid += 1
                        item = (district - 1) * 10 + (m + k) % 10 + 1
                        day = datetime.date(self.year, 1 + (k * 12 // per) % 12, rng.randint(1, 28))
                        kind = "video" if item % 2 == 0 else "document"
                        yield sid, m, item, kind, day, rng.randint(1200, 14400)

        self.copy(StudyDay, ["id", "member", "item", "kind", "day", "seconds"], rows())

    def training(self) -> None:
        from zhibu.training.models import Enrolment, TrainingClass

        districts = self.shape["districts"]
        cats = ("secretary", "rotation", "affairs", "member")
        classes = [(d, c) for d in range(1, districts + 1) for c in range(8)]
        TrainingClass.objects.bulk_create(
            TrainingClass(
                id=i,
                district_id=d,
                name=f"{self.year}年第{c + 1}期培训班",
                category=cats[c % 4],
                start=datetime.date(self.year, c + 2, 10),
                end=datetime.date(self.year, c + 2, 14),
                status="closed",
            )
            for i, (d, c) in enumerate(classes, 1)
        )
        self._reset_sequence(TrainingClass)
        rng = random.Random(f"{self.args.seed}:training")
        towns = self.shape["towns"]

        def rows():
            eid = 0
            for b in range(1, self.shape["branches"] + 1):
                district = ((b - 1) % towns) % districts + 1
                s, n = self.member_start[b - 1], self.member_count[b - 1]
                for m in range(s, s + n):
                    if m != s and rng.random() >= 0.05:
                        continue
                    eid += 1
                    klass = (district - 1) * 8 + (0 if m == s else 1 + rng.randrange(7)) + 1
                    passed = rng.random() < 0.93
                    yield (
                        eid, klass, m, "confirmed", "rule", "", None, False, rng.choice((90.0, 100.0)),
                        float(rng.randint(55, 100)), float(rng.randint(60, 100)),
                        "passed" if passed else "failed", "",
                    )  # fmt: skip

        fields = [
            "id", "klass", "member", "status", "source", "leave_reason", "leave_decided_by", "leave_refused",
            "attendance", "exam_score", "drill_total", "result", "result_note",
        ]  # fmt: skip
        self.copy(Enrolment, fields, rows())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 branches; 0.01 for a quick run")
    parser.add_argument("--db", default="zhibu_city", help="database to (re)create (default zhibu_city)")
    parser.add_argument(
        "--pg", default=os.environ.get("ZHIBU_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--year", type=int, default=datetime.date.today().year - 1)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--study-days", type=int, default=4, help="online-learning rows per member")
    parser.add_argument("--no-attendance", action="store_true", help="meetings without attendance rows")
    args = parser.parse_args()

    started = time.monotonic()
    with pg_connect(args.pg, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db}"')
    os.environ["DATABASE_URL"] = with_db(args.pg, args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    t = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = time.monotonic() - t

    city = City(args)
    generate_started = time.monotonic()
    city.orgs()
    city.members()
    city.meetings()
    city.learning()
    city.training()
    generate_seconds = time.monotonic() - generate_started

    # The board's per-branch rows (BranchStatus), as the nightly `zhibu supervision rebuild` makes them;
    # this year's violations are left to the nightly evaluation.
    from zhibu.supervision import status

    t = time.monotonic()
    status.rebuild(compliance=False)
    board_seconds = time.monotonic() - t
    print(f"supervision_branchstatus: {board_seconds:.1f} s", file=sys.stderr)

    from django.db import connection

    # Statistics for every table the large ones did not cover (classes, board rows, roles, ...): without
    # them the planner takes a table of 128 classes for one row and joins 220,000 enrolments the slow way.
    # A server's autovacuum would make them in time, but it may be off (as in CI) or not yet round.
    t = time.monotonic()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NULL AND last_autoanalyze IS NULL"
        )
        for (table,) in cur.fetchall():
            cur.execute(f'ANALYZE "{table}"')
    analyze_seconds = time.monotonic() - t

    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        size = cur.fetchone()[0]
    rows = sum(f["rows"] for f in city.figures.values())
    print(
        json.dumps(
            {
                "benchmark": "city",
                "scale": args.scale,
                "database": args.db,
                "year": args.year,
                **city.shape,
                "members": city.member_total,
                "meetings": city.figures["records_meeting"]["rows"],
                "tables": city.figures,
                "rows": rows,
                "rows_per_second": round(rows / generate_seconds),
                "migrate_seconds": round(migrate_seconds, 1),
                "generate_seconds": round(generate_seconds, 1),
                "board_rows_seconds": round(board_seconds, 1),
                "analyze_seconds": round(analyze_seconds, 1),
                "total_seconds": round(time.monotonic() - started, 1),
                "database_bytes": size,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
