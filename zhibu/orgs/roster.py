"""党员花名册 import and export, as organisation departments really keep their spreadsheets.

Reading is tolerant (header names that vary, dates in many forms, full-width digits, blank and
title rows); writing is strict: a preview gives every row's fate, and nothing is written until
the whole file is valid. Re-importing the same file changes nothing.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models.signals import post_save
from django.utils.translation import gettext_noop

from zhibu.core.crypto import blind_index
from zhibu.core.dates import normalise, parse_date
from zhibu.core.xlsx import MAX_ROWS, WorkbookError, open_workbook

from .models import Branch, Group, Member, MemberRole

# Column → the header names seen in real rosters (compared after normalising).
HEADERS = {
    "branch": ["所在支部", "所在党支部", "党支部", "支部", "支部名称", "党组织", "所在党组织", "支部编码"],
    "name": ["姓名", "名字", "党员姓名"],
    "gender": ["性别"],
    "ethnicity": ["民族"],
    "birth_date": ["出生日期", "出生年月", "出生时间", "生日", "出生年月日"],
    "education": ["学历", "文化程度", "最高学历", "全日制学历"],
    "id_number": ["身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码"],
    "phone": ["手机号", "手机号码", "手机", "联系电话", "电话", "联系方式"],
    "party_joined": ["入党时间", "入党日期", "入党年月"],
    "full_since": ["转正时间", "转正日期", "转正年月"],
    "category": ["党员类别", "人员类别", "党籍状态", "正式/预备"],
    "joined": ["转入时间", "转入日期", "转入本支部时间", "接收时间", "进入支部时间"],
    "group": ["党小组", "所在党小组", "所属党小组"],
    "role": ["党内职务", "职务", "支部职务"],
}
LABELS = {key: names[0] for key, names in HEADERS.items()}
_LOOKUP = {normalise(n): key for key, names in HEADERS.items() for n in names}

EDUCATION = [
    ("博士", "doctor"),
    ("硕士", "master"),
    ("研究生", "master"),
    ("本科", "bachelor"),
    ("大学", "bachelor"),
    ("大专", "college"),
    ("专科", "college"),
    ("高中", "senior"),
    ("中专", "senior"),
    ("中技", "senior"),
    ("职高", "senior"),
    ("技校", "senior"),
    ("初中", "junior"),
    ("小学", "primary"),
]
ROLES = [
    ("副书记", "deputy_secretary"),
    ("书记", "secretary"),
    ("党小组长", "group_leader"),
    ("小组长", "group_leader"),
    ("委员", "committee_member"),
]
FIELDS = [
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "id_number",
    "phone",
    "party_joined",
    "full_since",
    "joined",
    "group",
]
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


@dataclass
class Row:
    number: int  # the spreadsheet's own row number, as the user sees it
    values: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)  # [(column label, message)]
    warnings: list = field(default_factory=list)
    fate: str = ""  # create | update | same | error | skip
    changes: list = field(default_factory=list)
    branch_id: int | None = None
    member_id: int | None = None

    def error(self, column: str, message: str) -> None:
        self.errors.append((LABELS.get(column, column), message))


def valid_id_number(text: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == text[17]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise(str(value))


def _find_header(rows: list[tuple]) -> tuple[int, dict[int, str]]:
    """The header row among the first rows (titles and merged banners may stand above it)."""
    best = (-1, {})
    for index, row in enumerate(rows[:15]):
        columns = {}
        for col, cell in enumerate(row):
            key = _LOOKUP.get(_text(cell))
            if key and key not in columns.values():
                columns[col] = key
        if len(columns) > len(best[1]):
            best = (index, columns)
    if "name" not in best[1].values():
        raise WorkbookError("没有找到表头：第一张工作表的前 15 行中应有“姓名”列")
    return best


def read_rows(fileobj) -> tuple[list[Row], list[str]]:
    """Read the first sheet into rows of raw values keyed by column; also the recognised columns."""
    wb = open_workbook(fileobj)
    ws = wb.worksheets[0]
    raw = []
    for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if n > MAX_ROWS:
            raise WorkbookError(f"行数超过 {MAX_ROWS}，请拆分后再导入")
        raw.append(values)
    wb.close()
    header_index, columns = _find_header(raw)
    rows = []
    for offset, values in enumerate(raw[header_index + 1 :], start=header_index + 2):
        row = Row(offset, {key: values[col] for col, key in columns.items() if col < len(values)})
        rows.append(row)
    return rows, [LABELS[k] for k in columns.values()]


def _clean(row: Row) -> None:
    """Turn raw cells into typed values, collecting each problem with its column."""
    v = row.values
    if all(_text(x) == "" for x in v.values()):
        row.fate = "skip"
        return
    out = {}
    out["name"] = re.sub(r"\s+", "", str(v.get("name") or "")).strip()
    if not out["name"]:
        row.error("name", "姓名不能为空")
    elif len(out["name"]) > 50:
        row.error("name", "姓名过长")
    idn = _text(v.get("id_number")).upper()
    if idn and not valid_id_number(idn):
        row.error("id_number", f"身份证号“{idn}”不是有效的18位身份证号（位数或校验位不对）")
    out["id_number"] = idn
    phone = re.sub(r"[\s\-]", "", _text(v.get("phone")))
    if phone and not re.fullmatch(r"1[3-9]\d{9}|0\d{9,11}|\d{7,8}", phone):
        row.error("phone", f"手机号“{phone}”应为11位手机号或带区号的固定电话")
    out["phone"] = phone
    for key in ("birth_date", "party_joined", "full_since", "joined"):
        try:
            out[key] = parse_date(v.get(key))
        except ValueError as exc:
            row.error(key, str(exc))
            out[key] = None
    gender = _text(v.get("gender"))
    out["gender"] = {"男": "M", "女": "F", "": ""}.get(gender)
    if out["gender"] is None:
        row.error("gender", f"性别“{gender}”应为 男 或 女")
        out["gender"] = ""
    if idn and valid_id_number(idn):
        born = datetime.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))
        if out["birth_date"] is None:
            out["birth_date"] = born
        elif (out["birth_date"].year, out["birth_date"].month) != (born.year, born.month):
            row.warnings.append((LABELS["birth_date"], "出生日期与身份证号不一致，以表格为准"))
        if not out["gender"]:
            out["gender"] = "M" if int(idn[16]) % 2 else "F"
    ethnicity = _text(v.get("ethnicity"))
    out["ethnicity"] = ethnicity if not ethnicity or ethnicity.endswith("族") else ethnicity + "族"
    edu = _text(v.get("education"))
    out["education"] = next((code for word, code in EDUCATION if word in edu), "")
    if edu and not out["education"]:
        row.error("education", f"无法识别的学历“{edu}”")
    category = _text(v.get("category"))
    probationary = "预备" in category
    if out["party_joined"] is None:
        row.error("party_joined", "入党时间不能为空")
    if probationary:
        out["full_since"] = None
    elif out["full_since"] is None and out["party_joined"] and not category:
        # Rosters often leave 转正时间 empty for full members: one year after joining is the rule.
        try:
            out["full_since"] = out["party_joined"].replace(year=out["party_joined"].year + 1)
        except ValueError:
            out["full_since"] = out["party_joined"] + datetime.timedelta(days=365)
    elif out["full_since"] is None and not probationary and category:
        row.error("full_since", "正式党员应填写转正时间")
    if out["joined"] is None:
        out["joined"] = out["party_joined"]
    today = datetime.date.today()
    for key in ("birth_date", "party_joined", "full_since", "joined"):
        if out[key] and out[key] > today:
            row.error(key, f"日期 {out[key]} 晚于今天")
    if out["party_joined"] and out["full_since"] and out["full_since"] < out["party_joined"]:
        row.error("full_since", "转正时间早于入党时间")
    if (
        out["birth_date"]
        and out["party_joined"]
        and (out["party_joined"] - out["birth_date"]).days < 18 * 365
    ):
        row.error("party_joined", "入党时未满18周岁，请核对入党时间或出生日期")
    out["group"] = _text(v.get("group"))
    out["branch"] = _text(v.get("branch"))
    role = _text(v.get("role"))
    out["role"] = next((code for word, code in ROLES if word in role), "") if role and role != "无" else ""
    out["role_title"] = role if out["role"] == "committee_member" else ""
    row.values = out


def _match_branch(row: Row, branch: Branch | None, branches: dict[str, Branch]) -> Branch | None:
    name = row.values["branch"]
    if branch is not None:
        if name and name not in (normalise(branch.name), branch.code):
            row.error("branch", f"“{name}”不是本支部（{branch.name}）；请在上级页面导入多个支部的名册")
        return branch
    if not name:
        row.error("branch", "按乡镇或全区导入时，每行须填写所在支部")
        return None
    found = branches.get(name)
    if found is None:
        row.error("branch", f"找不到支部“{name}”，或不在您的管理范围内")
    return found


def plan(fileobj, *, branch: Branch | None = None, branches=None, progress=None) -> dict:
    """Read a roster and decide every row's fate against the database, writing nothing."""
    rows, columns = read_rows(fileobj)
    return {"columns": columns, **plan_rows(rows, branch=branch, branches=branches, progress=progress)}


_CHUNK = 400  # values per IN (...) list: two lists stay under SQLite's oldest limit of 999 parameters


def _chunks(values) -> list[list]:
    values = sorted(values)
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


@dataclass
class _Known:
    """What the database already holds for the rows of one file, read in a few queries for all of them."""

    members: dict = field(default_factory=dict)  # pk → Member (one instance per person)
    by_index: dict = field(default_factory=dict)  # blind index of the ID number → current members
    by_name: dict = field(default_factory=dict)  # (branch id, name) → current members
    groups: set = field(default_factory=set)  # (branch id, group name)
    roles: set = field(default_factory=set)  # (member id, role) still held


def _prefetch(rows: list[Row]) -> _Known:
    known = _Known()
    indexes = {blind_index(r.values["id_number"]) for r in rows if r.values["id_number"]}
    names = {r.values["name"] for r in rows}
    branch_ids = {r.branch_id for r in rows}
    current = Member.objects.filter(left__isnull=True).select_related("branch", "group").order_by("id")
    for chunk in _chunks(indexes):
        for m in current.filter(id_number_index__in=chunk):
            m = known.members.setdefault(m.pk, m)
            known.by_index.setdefault(m.id_number_index, []).append(m)
    by_branch = current.filter(branch_id__in=branch_ids) if len(branch_ids) <= _CHUNK else current
    for chunk in _chunks(names):
        for m in by_branch.filter(name__in=chunk):
            if m.branch_id in branch_ids:
                m = known.members.setdefault(m.pk, m)
                known.by_name.setdefault((m.branch_id, m.name), []).append(m)
    for chunk in _chunks(branch_ids):
        known.groups.update(Group.objects.filter(branch_id__in=chunk).values_list("branch_id", "name"))
    return known


def _existing(row: Row, known: _Known) -> Member | None:
    v = row.values
    if v["id_number"]:
        found = known.by_index.get(blind_index(v["id_number"]), [])
        for m in found:
            if m.branch_id != row.branch_id:
                row.error("id_number", f"此人已是“{m.branch.name}”的党员，请办理组织关系转接，不要重复导入")
                return None
        if found:
            return found[0]
    candidates = [
        m for m in known.by_name.get((row.branch_id, v["name"]), []) if not m.id_number or not v["id_number"]
    ]
    if v["birth_date"]:
        candidates = [m for m in candidates if m.birth_date in (None, v["birth_date"])]
    if len(candidates) > 1:
        row.error("name", "本支部有多名同名党员，请填写身份证号以区分")
        return None
    return candidates[0] if candidates else None


def _compare(rows: list[Row]) -> _Known:
    """Each row against the member it matches (if any), with everything read up front."""
    known = _prefetch(rows)
    matched = {}
    for row in rows:
        v = row.values
        if v["group"] and (row.branch_id, v["group"]) not in known.groups:
            row.warnings.append((LABELS["group"], f"将新建党小组“{v['group']}”"))
        member = _existing(row, known)
        if not row.errors and member is not None:
            matched[row.number] = member
    for chunk in _chunks({m.pk for m in matched.values()}):
        known.roles.update(
            MemberRole.objects.filter(member_id__in=chunk, end__isnull=True).values_list("member_id", "role")
        )
    for row in rows:
        if row.errors:
            continue
        member = matched.get(row.number)
        if member is None:
            row.fate = "create"
            continue
        v = row.values
        row.member_id = member.pk
        for key in FIELDS:
            if key == "group":
                old = member.group.name if member.group else ""
            else:
                old = getattr(member, key)
            new = v[key]
            if new not in ("", None) and new != old:
                row.changes.append(LABELS[key])
        if v["role"] and (member.pk, v["role"]) not in known.roles:
            row.changes.append(LABELS["role"])
        row.fate = "update" if row.changes else "same"
    return known


def _row_dict(row: Row) -> dict:
    shown = {k: (x.isoformat() if isinstance(x, datetime.date) else x) for k, x in row.values.items()}
    if shown.get("id_number"):
        shown["id_number"] = shown["id_number"][:3] + "*" * 11 + shown["id_number"][-4:]
    if shown.get("phone"):
        shown["phone"] = shown["phone"][:3] + "****" + shown["phone"][-4:]
    return {
        "number": row.number,
        "fate": row.fate,
        "name": shown.get("name", ""),
        "branch_id": row.branch_id,
        "errors": row.errors,
        "warnings": row.warnings,
        "changes": row.changes,
    }


CHECKING = gettext_noop("正在核对名册")
WRITING = gettext_noop("正在写入名册")


@transaction.atomic
def apply(fileobj, *, branch: Branch | None = None, branches=None, progress=None) -> dict:
    """Import a roster: all of it, or (if any row has an error) nothing.

    `progress(done, total, message)` hears of the rows checked, then of the rows written (those with
    nothing to write count as written from the start)."""

    def checking(done: int, total: int | None = None) -> None:
        progress(done, total, CHECKING)

    def writing(written: int, of: int) -> None:
        progress(unchanged + len(todo) * written // (of or 1), len(rows), WRITING)

    rows, _ = read_rows(fileobj)
    result, known = _plan_rows(
        rows, branch=branch, branches=branches, progress=checking if progress else None
    )
    if not result["valid"]:
        raise WorkbookError("名册中有错误，未导入任何数据；请按预览中的错误修改后重新上传")
    todo = [r for r in rows if r.fate in ("create", "update")]
    unchanged = len(rows) - len(todo)
    _write(todo, known, progress=writing if progress else None)
    return result


def plan_rows(rows: list[Row], *, branch=None, branches=None, progress=None) -> dict:
    return _plan_rows(rows, branch=branch, branches=branches, progress=progress)[0]


def _plan_rows(rows: list[Row], *, branch=None, branches=None, progress=None) -> tuple[dict, _Known]:
    by_name = {}
    if branch is None:
        for b in branches:
            by_name[normalise(b.name)] = b
            by_name[b.code] = b
    seen_ids: dict[str, int] = {}
    for i, row in enumerate(rows):
        if progress and i % 200 == 0:
            progress(i, len(rows))
        _clean(row)
        if row.fate == "skip":
            continue
        target = _match_branch(row, branch, by_name)
        idn = row.values["id_number"]
        if idn:
            if idn in seen_ids:
                row.error("id_number", f"身份证号与第 {seen_ids[idn]} 行重复")
            else:
                seen_ids[idn] = row.number
        if target is not None and not row.errors:
            row.branch_id = target.pk
        if row.errors:
            row.fate = "error"
    known = _compare([r for r in rows if r.fate == "" and r.branch_id is not None])
    if progress:
        progress(len(rows), len(rows))
    for row in rows:
        if row.errors:
            row.fate = "error"
    counts = {f: sum(1 for r in rows if r.fate == f) for f in ("create", "update", "same", "error", "skip")}
    result = {
        "rows": [_row_dict(r) for r in rows],
        "counts": counts,
        "valid": counts["error"] == 0 and (counts["create"] + counts["update"] + counts["same"]) > 0,
    }
    return result, known


def _write(rows: list[Row], known: _Known, progress=None) -> None:
    """Write the planned rows in bulk: new party groups, new and changed members, new office-holders;
    `progress(members written, of)` before and after each batch of members."""
    wanted = {(r.branch_id, r.values["group"]) for r in rows if r.values["group"]}
    Group.objects.bulk_create(
        [Group(branch_id=b, name=name) for b, name in sorted(wanted - known.groups)], ignore_conflicts=True
    )
    groups = {}
    for chunk in _chunks({b for b, _ in wanted}):
        for g in Group.objects.filter(branch_id__in=chunk):
            groups[(g.branch_id, g.name)] = g
    written, created, updated = [], [], {}
    for row in rows:
        v = row.values
        if row.member_id:
            member = updated.setdefault(row.member_id, known.members[row.member_id])
        else:
            member = Member(branch_id=row.branch_id)
            created.append(member)
        for key in FIELDS:
            if key == "group":
                if v["group"]:
                    member.group = groups[(row.branch_id, v["group"])]
            elif v[key] not in ("", None) or member.pk is None:
                setattr(member, key, v[key] if v[key] is not None else getattr(member, key))
        member.set_index()
        written.append((row, member))
    # In batches, as bulk_create's and bulk_update's batch_size would, to report between them.
    # SQLite and PostgreSQL give the new keys.
    changed, fields = list(updated.values()), [*FIELDS, "id_number_index"]
    report = progress or (lambda written, of: None)
    of = len(created) + len(changed)
    report(0, of)
    for start in range(0, len(created), _CHUNK):
        Member.objects.bulk_create(created[start : start + _CHUNK])
        report(min(start + _CHUNK, len(created)), of)
    for start in range(0, len(changed), 200):
        Member.objects.bulk_update(changed[start : start + 200], fields)
        report(len(created) + min(start + 200, len(changed)), of)

    elected = {}
    for chunk in _chunks({r.branch_id for r in rows if r.values["role"]}):
        elected.update(Branch.objects.filter(pk__in=chunk).values_list("pk", "committee_elected"))
    today = datetime.date.today()
    held, roles = set(known.roles), []
    for row, member in written:
        v = row.values
        if v["role"] and (member.pk, v["role"]) not in held:
            held.add((member.pk, v["role"]))
            start = elected[member.branch_id] or today
            roles.append(
                MemberRole(
                    member=member, role=v["role"], title=v["role_title"], start=max(start, member.joined)
                )
            )
    MemberRole.objects.bulk_create(roles, batch_size=_CHUNK)
    for role in roles:  # what save() would have announced (the 新一届两委 listing listens)
        post_save.send(
            MemberRole, instance=role, created=True, raw=False, using=connection.alias, update_fields=None
        )


def export_rows(members, *, unmasked: bool) -> tuple[list[str], Iterator[list]]:
    """The roster as a spreadsheet: the same columns the import reads, so an export re-imports unchanged.

    The rows come one by one as `members` (any iterable) yields them, so a district's roster is never held
    whole in memory."""
    header = [
        LABELS[k]
        for k in (
            "branch",
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "education",
            "id_number",
            "phone",
            "party_joined",
            "full_since",
            "category",
            "joined",
            "group",
            "role",
        )
    ]
    today = datetime.date.today()

    def rows():
        for m in members:
            roles = [r for r in m.roles.all() if r.end is None or r.end >= today]
            yield [
                m.branch.name,
                m.name,
                m.get_gender_display(),
                m.ethnicity,
                m.birth_date,
                m.get_education_display(),
                m.id_number if unmasked else m.id_number_masked,
                m.phone if unmasked else m.phone_masked,
                m.party_joined,
                m.full_since,
                "正式党员" if m.full_since and m.full_since <= today else "预备党员",
                m.joined,
                m.group.name if m.group else "",
                "、".join(r.title or r.get_role_display() for r in roles),
            ]

    return header, rows()
