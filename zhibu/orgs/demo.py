"""The demo district: 怀柔区 with its 16 towns and streets and 303 village and community branches.

Everyone in it is synthetic; the same seed gives the same district.
"""

import datetime
import random

from django.db import transaction

from zhibu.core.crypto import blind_index
from zhibu.core.demo import step

from .models import Branch, District, Election, Group, Member, MemberRole, Town

# (code, name, kind, villages, communities)
TOWNS = [
    ("QH", "泉河街道", "street", 0, 12),
    ("LS", "龙山街道", "street", 0, 11),
    ("HRZ", "怀柔镇", "town", 18, 3),
    ("YQ", "雁栖镇", "town", 25, 1),
    ("MC", "庙城镇", "town", 16, 2),
    ("BF", "北房镇", "town", 18, 2),
    ("YS", "杨宋镇", "town", 18, 2),
    ("QZ", "桥梓镇", "town", 23, 1),
    ("HB", "怀北镇", "town", 13, 1),
    ("THK", "汤河口镇", "town", 24, 1),
    ("BH", "渤海镇", "town", 20, 1),
    ("JDH", "九渡河镇", "town", 18, 1),
    ("LLM", "琉璃庙镇", "town", 22, 0),
    ("BS", "宝山镇", "town", 20, 1),
    ("CSY", "长哨营满族乡", "township", 16, 0),
    ("LBGM", "喇叭沟门满族乡", "township", 13, 0),
]
assert sum(t[3] + t[4] for t in TOWNS) == 303

VILLAGE_HEAD = list("东西南北前后上下大小石柳杨榆桃杏梨黄白红青龙凤马牛鹿沙泉河峪岭松桦栗枣碾磨井")
VILLAGE_TAIL = [
    "庄",
    "营",
    "峪",
    "沟",
    "台",
    "坨",
    "甸",
    "湾",
    "店",
    "屯",
    "寨",
    "堡",
    "铺",
    "岭",
    "坊",
    "园",
    "口",
    "窝",
    "场",
    "洼",
]
COMMUNITY_NAMES = [
    "幸福",
    "和平",
    "建设",
    "团结",
    "文化",
    "新村",
    "丽湖",
    "雁湖",
    "杨林",
    "翠屏",
    "南园",
    "东关",
    "西关",
    "北街",
    "南街",
    "滨河",
    "望山",
    "明珠",
    "紫云",
    "康居",
    "怡园",
    "松园",
    "槐园",
    "丰泽",
    "金秋",
    "永安",
    "春晓",
    "阳光",
    "锦绣",
    "清源",
    "花园",
    "湖光",
    "绿荫",
    "宁静",
    "安居",
    "朝阳",
    "华侨",
    "书香",
    "科苑",
    "青溪",
    "馨园",
    "欣苑",
]
SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹常武乔贺"
)
MALE = list("建国军伟强磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳志海春生福德成山全宝振")
FEMALE = list("秀英桂兰玉芳丽娟敏静霞艳娜燕红梅琴云莲萍慧颖婷雪琳晶洁欣悦淑珍凤荣爱月翠菊")
ETHNICITIES = ["汉族"] * 90 + ["满族"] * 7 + ["回族", "蒙古族", "朝鲜族"]
EDUCATION_RURAL = ["primary"] * 3 + ["junior"] * 8 + ["senior"] * 5 + ["college"] * 2 + ["bachelor"]
EDUCATION_COMMUNITY = ["junior"] * 2 + ["senior"] * 4 + ["college"] * 4 + ["bachelor"] * 4 + ["master"]
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(rng: random.Random, born: datetime.date, male: bool, used: set) -> str:
    """A synthetic 18-digit number with a valid check digit (region 110116)."""
    while True:
        seq = rng.randint(0, 49) * 2 + (1 if male else 0)
        body = f"110116{born:%Y%m%d}{rng.randint(0, 9)}{seq:02d}"
        total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
        number = body + "10X98765432"[total % 11]
        if number not in used:
            used.add(number)
            return number


def person_name(rng: random.Random, male: bool) -> str:
    chars = MALE if male else FEMALE
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _village_names(rng: random.Random, count: int, used: set) -> list[str]:
    names = []
    while len(names) < count:
        name = rng.choice(VILLAGE_HEAD) + rng.choice(VILLAGE_TAIL)
        if rng.random() < 0.35:
            name = rng.choice("大小东西南北前后上下") + name
        if name not in used:
            used.add(name)
            names.append(name + "村")
    return names


def _branch_size(rng: random.Random, domain: str) -> int:
    if domain == "community":
        return rng.randint(18, 95)
    if rng.random() < 0.06:
        return rng.randint(3, 8)  # tiny mountain villages
    return int(min(80, max(10, rng.gauss(38, 16))))


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


@step("组织与党员", order=10)
@transaction.atomic
def build(rng: random.Random, today: datetime.date) -> str:
    if District.objects.filter(code="huairou").exists():
        return "已存在，跳过"
    district = District.objects.create(code="huairou", name="怀柔区")
    used_names: set[str] = set()
    used_ids: set[str] = set()
    members: list[Member] = []
    roles: list[tuple[int, str, str, datetime.date]] = []  # (member index, role, title, start)
    elections: list[Election] = []
    groups_for: dict[int, list[Group]] = {}
    branches: list[Branch] = []
    for code, name, kind, villages, communities in TOWNS:
        town = Town.objects.create(district=district, code=code, name=name, kind=kind)
        names = [(n, "rural") for n in _village_names(rng, villages, used_names)]
        community_pool = [c for c in COMMUNITY_NAMES if c not in used_names]
        for c in rng.sample(community_pool, communities):
            used_names.add(c)
            names.append((c + "社区", "community"))
        for i, (unit, domain) in enumerate(names, start=1):
            established = datetime.date(
                rng.choice([1949, 1956, 1958, 1965, 1978, 1984, 1992]), rng.randint(1, 12), 1
            )
            if domain == "community":
                established = datetime.date(rng.randint(2001, 2016), rng.randint(1, 12), 1)
            branches.append(
                Branch(
                    town=town,
                    code=f"HR-{code}-{i:03d}",
                    name=f"{unit}党支部",
                    domain=domain,
                    established=established,
                )
            )
    Branch.objects.bulk_create(branches)
    branches = list(Branch.objects.filter(town__district=district).order_by("code"))

    for branch in branches:
        size = _branch_size(rng, branch.domain)
        # Villages and communities elect every five years: 2021, then spring 2026; a few are overdue.
        term_start = datetime.date(2021, rng.choice([6, 7, 7, 8]), rng.randint(1, 28))
        elected = datetime.date(2026, rng.choice([3, 4, 4, 5, 6]), rng.randint(1, 28))
        if rng.random() < 0.04 or elected > today:
            elected = term_start  # not yet re-elected: overdue once the term has run out
        for day in sorted({term_start, elected}):
            elections.append(Election(branch=branch, date=day, note="换届选举"))
        branch.committee_elected = elected
        if size > 50:
            groups_for[branch.pk] = [
                Group(branch=branch, name=f"第{n}党小组") for n in "一二三四五"[: size // 20]
            ]
        start = len(members)
        for _ in range(size):
            male = rng.random() < (0.68 if branch.domain == "rural" else 0.5)
            age = int(rng.triangular(24, 88, 62 if branch.domain == "rural" else 48))
            born = datetime.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            joined_party = _date_between(
                rng, born.replace(year=born.year + 19), min(today, born.replace(year=born.year + 60))
            )
            probationary = (today - joined_party).days < 365
            full = (
                None
                if probationary
                else joined_party.replace(year=joined_party.year + 1)
                if joined_party.month != 2 or joined_party.day != 29
                else joined_party + datetime.timedelta(days=365)
            )
            member_joined = max(joined_party, branch.established or joined_party)
            idn = id_number(rng, born, male, used_ids)
            members.append(
                Member(
                    branch=branch,
                    name=person_name(rng, male),
                    gender="M" if male else "F",
                    ethnicity=rng.choice(
                        ETHNICITIES
                        if branch.town.code not in ("CSY", "LBGM")
                        else ["满族"] * 5 + ["汉族"] * 5
                    ),
                    birth_date=born,
                    education=rng.choice(
                        EDUCATION_RURAL if branch.domain == "rural" else EDUCATION_COMMUNITY
                    ),
                    phone=""
                    if rng.random() < (0.12 if age > 75 else 0.02)
                    else f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
                    id_number=idn,
                    id_number_index=blind_index(idn),
                    party_joined=joined_party,
                    full_since=full,
                    joined=member_joined,
                )
            )
        # The committee: the longest-standing full members under 70 make a plausible one.
        full_idx = [i for i in range(start, len(members)) if members[i].full_since]
        candidates = sorted(
            full_idx, key=lambda i: (today.year - members[i].birth_date.year > 70, members[i].party_joined)
        )
        if len(full_idx) >= 7:
            committee = candidates[: rng.choice([3, 5, 5, 5, 7])]
            titles = [
                ("secretary", ""),
                ("deputy_secretary", ""),
                ("committee_member", "组织委员"),
                ("committee_member", "宣传委员"),
                ("committee_member", "纪检委员"),
                ("committee_member", "青年委员"),
                ("committee_member", "妇女委员"),
            ]
            if len(committee) == 3:
                titles = [
                    ("secretary", ""),
                    ("committee_member", "组织委员"),
                    ("committee_member", "纪检委员"),
                ]
        else:
            committee = candidates[:1]
            titles = [("secretary", "")]
        for i, (role, title) in zip(committee, titles, strict=False):
            # Re-elected committees keep their people: the roles run from the 2021 election.
            roles.append((i, role, title, max(term_start, members[i].joined)))

    # Large branches have groups; members fall into them in turn.
    Branch.objects.bulk_update(branches, ["committee_elected"])
    Election.objects.bulk_create(elections)
    all_groups = [g for gs in groups_for.values() for g in gs]
    Group.objects.bulk_create(all_groups)
    for m in members:
        gs = groups_for.get(m.branch_id)
        if gs:
            m.group = gs[rng.randrange(len(gs))]
    Member.objects.bulk_create(members, batch_size=2000)
    MemberRole.objects.bulk_create(
        [
            MemberRole(member=members[i], role=role, title=title, start=start)
            for i, role, title, start in roles
        ],
        batch_size=2000,
    )
    group_leaders = []
    for gs in groups_for.values():
        for g in gs:
            first = next((m for m in members if m.group_id == g.pk and m.full_since), None)
            if first:
                group_leaders.append(MemberRole(member=first, role="group_leader", start=first.joined))
    MemberRole.objects.bulk_create(group_leaders)
    return f"{len(TOWNS)} 个乡镇街道，{len(branches)} 个支部，{len(members)} 名党员"
