"""The demo district's library: the hall's panels, videos, documents, cases, exemplars, and a year of
learning (collective study, online study, hall visits) for its members. Deterministic from the rng.

Videos are real, playable MP4 files made with ffmpeg when it is installed (a still title card for the
video's full length, a few hundred KB each); without ffmpeg the video items are created without a
file and the page says the centre will upload it. PDFs are made with reportlab (CID font STSong-Light).
"""

import datetime
import glob
import io
import os
import random
import shutil
import subprocess
import tempfile

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from zhibu.core.demo import step
from zhibu.orgs.models import Branch, District, Member, MemberRole

from . import demo_content as text
from .models import CollectiveStudy, HallVisit, Item, Progress, StudyDay, Tag
from .search import index_fields

COLOURS = ["#9f1b1b", "#b3261e", "#8c1d18", "#a52a2a", "#7f1d1d", "#b71c1c"]


def pdf_bytes(title: str, sections: list[tuple[str, str]]) -> bytes:
    """A small PDF with Chinese text (reportlab's built-in CID font, nothing to download)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    c.setTitle(title)
    width, height = A4
    c.setFont("STSong-Light", 22)
    c.drawCentredString(width / 2, height - 120, title)
    c.setFont("STSong-Light", 12)
    c.drawCentredString(width / 2, height - 150, "怀柔区支部规范化建设实训中心 编")
    c.showPage()
    for heading, body in sections:
        y = height - 80
        c.setFont("STSong-Light", 16)
        c.drawString(60, y, heading)
        c.setFont("STSong-Light", 12)
        y -= 30
        line = ""
        for ch in body * 3:
            line += ch
            if len(line) >= 38:
                c.drawString(60, y, line)
                y -= 20
                line = ""
        if line:
            c.drawString(60, y, line)
        c.showPage()
    c.save()
    return out.getvalue()


def _cjk_font() -> str | None:
    """A Chinese font file of the machine's, if it has one (a folder may match the name too)."""
    for pattern in ("/usr/share/fonts/**/*CJK*", "/usr/share/fonts/**/*wqy*", "/usr/share/fonts/**/*Hei*"):
        found = sorted(
            f
            for f in glob.glob(pattern, recursive=True)
            if os.path.isfile(f) and f.lower().endswith((".ttf", ".ttc", ".otf", ".otc"))
        )
        if found:
            return found[0]
    return None


def poster_bytes(title: str, colour: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (640, 360), colour)
    draw = ImageDraw.Draw(img)
    font_path = _cjk_font()
    try:
        font = ImageFont.truetype(font_path, 34) if font_path else None
        small = ImageFont.truetype(font_path, 20) if font_path else None
    except OSError:  # a font FreeType cannot read: the poster without its lettering
        font = small = None
    if font is not None:
        draw.text((320, 160), title, fill="white", font=font, anchor="mm")
        draw.text((320, 230), "支部规范化建设实训中心", fill="#f5d5d5", font=small, anchor="mm")
    draw.rectangle((20, 20, 620, 340), outline="#f5d5d5", width=3)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def make_videos(card: bytes, lengths: list[int]) -> list[bytes | None]:
    """Playable MP4s of a still title card, one per length in seconds; None each without ffmpeg.

    One minute is encoded once (a frame every ten seconds, each a keyframe so seeking is exact) and
    looped by stream copy to each length, so even a 40-minute video takes a fraction of a second.
    """
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        return [None] * len(lengths)
    quiet = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y"]
    with tempfile.TemporaryDirectory() as tmp:
        src, base = os.path.join(tmp, "card.png"), os.path.join(tmp, "base.mp4")
        with open(src, "wb") as fh:
            fh.write(card)
        encode = [
            "-loop", "1", "-framerate", "1/10", "-i", src, "-t", "60", "-c:v", "libx264",
            "-preset", "ultrafast", "-tune", "stillimage", "-pix_fmt", "yuv420p", "-g", "1", "-r", "1/10",
        ]  # fmt: skip
        if subprocess.run([*quiet, *encode, base], check=False, timeout=60).returncode:  # noqa: S603
            return [None] * len(lengths)
        results = []
        for i, seconds in enumerate(lengths):
            dst = os.path.join(tmp, f"{i}.mp4")
            loop = [
                "-stream_loop",
                "-1",
                "-i",
                base,
                "-t",
                str(seconds),
                "-c",
                "copy",
                "-movflags",
                "+faststart",
            ]
            ok = subprocess.run([*quiet, *loop, dst], check=False, timeout=60).returncode == 0  # noqa: S603
            with open(dst, "rb") if ok else io.BytesIO() as fh:
                results.append(fh.read() or None)
        return results


def _save(item: Item, tags: list[str], all_tags: dict) -> Item:
    item.search_title, item.search_body = index_fields(item)
    item.save()
    item.tags.set([all_tags[t] for t in tags if t in all_tags])
    return item


def build_library(rng: random.Random, district: District, admin=None) -> int:
    tags = {t.code: t for t in Tag.objects.all()}
    count = 0
    for i, (part, title, summary, body) in enumerate(text.PANELS):
        item = Item(
            district=district,
            kind="panel",
            hall_part=part,
            position=i + 1,
            title=title,
            summary=summary,
            body=body,
        )
        item.image.save("x.png", ContentFile(poster_bytes(title, COLOURS[i % len(COLOURS)])), save=False)
        item.image_type = "image/png"
        _save(item, ["member"], tags)
        count += 1
    posters = [poster_bytes(v[0], COLOURS[i % len(COLOURS)]) for i, v in enumerate(text.VIDEOS)]
    files = make_videos(poster_bytes("支部规范化建设实训课程", COLOURS[0]), [v[2] * 60 for v in text.VIDEOS])
    for (title, summary, minutes, topics, roles), poster, data in zip(
        text.VIDEOS, posters, files, strict=True
    ):
        item = Item(district=district, kind="video", title=title, summary=summary, duration=minutes * 60)
        item.body = f"本片时长约 {minutes} 分钟，适合{'、'.join(tags[r].name for r in roles)}学习。"
        item.image.save("x.png", ContentFile(poster), save=False)
        item.image_type = "image/png"
        if data:
            item.file.save("x.mp4", ContentFile(data), save=False)
            item.file_type, item.file_size = "video/mp4", len(data)
        _save(item, topics + roles, tags)
        count += 1
    for title, summary, minutes, topics, sections in text.DOCUMENTS:
        item = Item(district=district, kind="document", title=title, summary=summary, duration=minutes * 60)
        item.body = "\n".join(f"{h} {t}" for h, t in sections)
        data = pdf_bytes(title, sections)
        item.file.save("x.pdf", ContentFile(data), save=False)
        item.file_type, item.file_size = "application/pdf", len(data)
        _save(item, topics + ["member"], tags)
        count += 1
    branches = list(Branch.objects.filter(town__district=district).select_related("town").order_by("code"))
    by_domain = {d: [b for b in branches if b.domain == d] for d in ("rural", "community")}
    now = timezone.now()
    for n in range(30):
        pattern, domain, topic, background, practice, effect, lessons = text.CASES[n % len(text.CASES)]
        branch = rng.choice(by_domain[domain] or branches)
        item = Item(
            district=district,
            kind="case",
            title=pattern.format(b=branch.name),
            summary=f"{branch.town.name}{branch.name}的做法",
            background=background,
            practice=practice,
            effect=effect,
            lessons=lessons,
            domain=domain,
            branch=branch,
            source="supervision" if n % 3 == 0 else "centre",
            source_ref=f"2024-{n + 1:03d}",
            approved_by=admin,
            approved_at=now if admin else None,
        )
        _save(item, [topic, domain, "secretary"], tags)
        count += 1
    for kind, pattern, story in text.EXEMPLARS:
        branch = rng.choice(branches)
        member = Member.objects.filter(branch=branch, left__isnull=True).order_by("id").first()
        name = member.name if member else "某同志"
        item = Item(
            district=district,
            kind="exemplar",
            subject=kind,
            branch=branch,
            member=member if kind == "person" else None,
            title=pattern.format(n=name, b=branch.name),
            summary=f"{branch.town.name}{branch.name}",
            body=story.format(n=name, b=branch.name),
        )
        _save(item, ["member", branch.domain if branch.domain in tags else "rural"], tags)
        count += 1
    return count


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows at once, without building a model instance for each (the demo's bulk)."""
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10000):
            cursor.executemany(sql, rows[start : start + 10000])


def _day(rng: random.Random, year: int, today: datetime.date, month: int | None = None) -> datetime.date:
    """A day of `month` (or of a month up to today's) in `year`, never after `today`."""
    month = month or rng.randint(1, today.month)
    last = today.day if (year, month) == (today.year, today.month) else 28
    return datetime.date(year, month, rng.randint(1, max(1, last)))


def build_history(rng: random.Random, district: District, today: datetime.date) -> str:
    year = today.year
    members = list(
        Member.objects.filter(branch__town__district=district, left__isnull=True, joined__lte=today)
        .order_by("id")
        .values_list("id", "branch_id")
    )
    committee = set(
        MemberRole.objects.filter(
            member__branch__town__district=district, role__in=MemberRole.COMMITTEE, end__isnull=True
        ).values_list("member_id", flat=True)
    )
    branch_a = (
        Branch.objects.filter(town__district=district, town__code="YQ", domain="rural")
        .order_by("code")
        .first()
    )
    demo_member = Member.objects.filter(branch=branch_a, roles__isnull=True, left__isnull=True).first()
    by_branch: dict[int, list[int]] = {}
    for mid, bid in members:
        by_branch.setdefault(bid, []).append(mid)
    diligence = {mid: rng.uniform(0.6, 1.0) for mid, _ in members}

    # Collective study: about one session a month per branch, a few for the committee, and (for the
    # complete last year) the annual day of centralised training. Last year has no online study.
    studies, attendance = [], []
    for y, last_month, sessions, board_sessions in ((year - 1, 12, 12, 6), (year, today.month, 10, 4)):
        end = today if y == year else datetime.date(y, 12, 31)
        months = list(range(1, last_month + 1))
        for bid, mids in by_branch.items():
            plan = [(m, rng.choice(text.STUDY_TOPICS), rng.choice([2.5, 3, 3, 3.5, 4])) for m in months]
            plan = sorted(rng.sample(plan, min(len(plan), sessions)))
            if y < year:
                plan.append((rng.randint(3, 11), "年度党员集中轮训", 8))
            for month, topic, hours in plan:
                who = [m for m in mids if rng.random() < diligence[m]]
                day = _day(rng, y, end, month)
                studies.append((CollectiveStudy(branch_id=bid, date=day, topic=topic, hours=hours), who))
            board = [m for m in mids if m in committee]
            for month in sorted(rng.sample(months, min(len(months), board_sessions))) if board else []:
                day = _day(rng, y, end, month)
                topic = rng.choice(text.COMMITTEE_TOPICS)
                studies.append((CollectiveStudy(branch_id=bid, date=day, topic=topic, hours=4), board))
    CollectiveStudy.objects.bulk_create([s for s, _ in studies], batch_size=2000)
    through = CollectiveStudy.attendees.through
    for s, who in studies:
        attendance.extend((s.pk, m) for m in who)
    _insert(through, ["collectivestudy_id", "member_id"], attendance)

    # Online study: each member finished a handful of videos and documents.
    studied = list(
        Item.objects.filter(district=district, kind__in=["video", "document"])
        .exclude(file="")
        .values_list("id", "kind", "duration")
    )
    days, progress = [], []
    now = timezone.now()
    ops = connection.ops
    adapted: dict[datetime.date, tuple] = {}
    for mid, _ in members:
        if demo_member and mid == demo_member.pk:
            continue  # the demo member has their online study still ahead of them
        k = int(len(studied) * diligence[mid] * (1.0 if mid in committee else 0.8))
        for item_id, kind, duration in rng.sample(studied, min(k, len(studied))):
            seconds = duration if rng.random() < 0.8 else int(duration * rng.uniform(0.2, 0.9))
            day = _day(rng, year, today)
            if day not in adapted:  # adapting a date for the database is slow enough to do once per day
                beat = now.replace(year=year, month=day.month, day=day.day)
                adapted[day] = (ops.adapt_datefield_value(day), ops.adapt_datetimefield_value(beat))
            on, beat = adapted[day]
            days.append((mid, item_id, kind, on, seconds))
            progress.append((mid, item_id, seconds, float(min(seconds, duration)), beat, 0, beat))
    _insert(StudyDay, ["member_id", "item_id", "kind", "day", "seconds"], days)
    _insert(
        Progress, ["member_id", "item_id", "seconds", "position", "last_beat", "refused", "updated"], progress
    )

    # Guided hall visits.
    visits = []
    for _ in range(40):
        bid = rng.choice(list(by_branch))
        mids = by_branch[bid]
        visits.append(
            (
                HallVisit(
                    branch_id=bid,
                    date=_day(rng, year, today),
                    guide=rng.choice(["张老师", "李老师", "刘老师"]),
                    guests=rng.randint(0, 5),
                ),
                rng.sample(mids, min(len(mids), rng.randint(8, 25))),
            )
        )
    HallVisit.objects.bulk_create([v for v, _ in visits])
    vthrough = HallVisit.attendees.through
    _insert(vthrough, ["hallvisit_id", "member_id"], [(v.pk, m) for v, who in visits for m in who])
    return f"{len(studies)} 次集中学习，{len(days)} 条在线学习记录，{len(visits)} 次展厅参观"


@step("看·学：展厅、学习资源和学时", order=40)
@transaction.atomic
def build(rng: random.Random, today: datetime.date) -> str:
    district = District.objects.filter(code="huairou").first()
    if district is None:
        return "没有演示区，跳过"
    if Item.objects.filter(district=district).exists():
        return "已存在，跳过"
    count = build_library(rng, district)
    history = build_history(rng, district, today)
    videos = Item.objects.filter(district=district, kind="video").exclude(file="").count()
    note = "" if videos else "（未安装 ffmpeg：视频条目已建，文件待实训中心上传）"
    return f"{count} 条学习资源{note}；{history}"
