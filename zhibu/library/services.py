"""Writes of the library area: items and their files, heartbeats, collective study, hall visits."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from . import credit, media
from .models import CollectiveStudy, HallVisit, Item, Photo, Progress, StudyDay
from .search import index_fields


def checked_upload(upload, expected: str, field: str) -> str:
    """The sniffed type of an uploaded file of the `expected` kind; ValidationError naming the field."""
    head = upload.read(64)
    upload.seek(0)
    try:
        return media.check(head, upload.size, expected)
    except ValueError as exc:
        raise ValidationError({field: str(exc)}) from None


def _store(field_file, upload, mime: str) -> None:
    field_file.save(f"x.{media.EXTENSIONS[mime]}", upload, save=False)


@transaction.atomic
def item_save(*, item: Item, file=None, image=None, photo=None, photo_caption: str = "", tags=None) -> Item:
    """Create or update a library item; files are checked by content before anything is stored."""
    file_type = checked_upload(file, "document" if item.is_document else "video", "file") if file else None
    image_type = checked_upload(image, "image", "image") if image else None
    photo_type = checked_upload(photo, "image", "photo") if photo else None
    if file_type:
        _store(item.file, file, file_type)
        item.file_type, item.file_size = file_type, file.size
        if file_type == "video/mp4" and not item.duration:
            with item.file.open("rb") as fh:

                def read(offset, n, fh=fh):
                    fh.seek(offset)
                    return fh.read(n)

                seconds = media.mp4_duration(read, item.file_size)
            item.duration = round(seconds or 0)
    if image_type:
        _store(item.image, image, image_type)
        item.image_type = image_type
    if item.is_video and item.file and not item.duration:
        raise ValidationError({"duration": "请填写视频时长（秒），学时按实际观看时间计，最多计到视频长度"})
    if item.is_document and not item.duration:
        item.duration = 3600
    item.search_title, item.search_body = index_fields(item)
    item.full_clean(exclude=["file", "image", "district"])
    item.save()
    if tags is not None:
        item.tags.set(tags)
    if photo_type:
        p = Photo(item=item, image_type=photo_type, caption=photo_caption[:100])
        _store(p.image, photo, photo_type)
        p.save()
    return item


@transaction.atomic
def heartbeat(*, member, item: Item, played, position, now: datetime.datetime | None = None) -> credit.Beat:
    """Credit one heartbeat of study (see credit.py for the rule). Returns what was credited."""
    now = now or timezone.now()
    try:
        played = float(played)
        position = float(position or 0)
    except (TypeError, ValueError):
        return credit.Beat(0, False, "invalid")
    progress, _ = Progress.objects.select_for_update().get_or_create(member=member, item=item)
    # One person, one clock: time since their last accepted heartbeat on this item or any other.
    others = Progress.objects.filter(member=member).exclude(pk=progress.pk).aggregate(m=Max("last_beat"))["m"]
    last = max([t for t in (progress.last_beat, others) if t], default=None)
    elapsed = None if progress.last_beat is None else (now - last).total_seconds()
    beat = credit.credit(elapsed=elapsed, claimed=played, credited_so_far=progress.seconds, cap=item.duration)
    if not beat.accepted:
        Progress.objects.filter(pk=progress.pk).update(refused=F("refused") + 1)
        return beat
    progress.last_beat = now
    if position == position and 0 <= position:  # not NaN
        progress.position = min(position, float(item.duration or position))
    progress.seconds += beat.credited
    progress.save(update_fields=["last_beat", "position", "seconds", "updated"])
    if beat.credited:
        day = timezone.localdate(now)
        row, _ = StudyDay.objects.get_or_create(
            member=member, item=item, day=day, defaults={"kind": item.kind}
        )
        StudyDay.objects.filter(pk=row.pk).update(seconds=F("seconds") + beat.credited)
    return beat


def _attendees(branch, members, day, field="attendees"):
    members = list(members)
    if not members:
        raise ValidationError({field: "请至少选择一名参加人员"})
    on_day = set(branch.members_on(day).values_list("pk", flat=True))
    outside = [m.name for m in members if m.pk not in on_day]
    if outside:
        raise ValidationError({field: f"{'、'.join(outside[:5])} 在 {day} 不是{branch.name}的党员"})
    return members


@transaction.atomic
def collective_study_record(*, branch, date, topic, hours, attendees, user) -> CollectiveStudy:
    """Record a branch's offline collective study (集中学习) for the members who attended."""
    today = timezone.localdate()
    errors = {}
    if date is None or date > today:
        errors["date"] = "日期不能晚于今天"
    elif date.year < today.year - 1:
        errors["date"] = "只能登记今年和去年的集中学习"
    if not (topic or "").strip():
        errors["topic"] = "请填写学习主题"
    try:
        hours = Decimal(str(hours))
        if not (Decimal("0.5") <= hours <= Decimal("8")):
            errors["hours"] = "学时应在 0.5 到 8 之间（一次集中学习）"
    except Exception:
        errors["hours"] = "学时应为数字，如 2 或 1.5"
    if errors:
        raise ValidationError(errors)
    members = _attendees(branch, attendees, date)
    study = CollectiveStudy.objects.create(
        branch=branch, date=date, topic=topic.strip(), hours=hours, recorded_by=user
    )
    study.attendees.set(members)
    transaction.on_commit(_shortfall_changed)  # the secretaries' to-dos count the new hours at once
    return study


def _shortfall_changed() -> None:
    from zhibu.core.figures import changed

    from .todos import BRANCH_SHORTFALL

    changed(BRANCH_SHORTFALL)


@transaction.atomic
def hall_visit_record(*, branch, date, attendees, guests=0, guide="", note="", user) -> HallVisit:
    """Record a branch's guided visit to the exhibition hall; each attendee is one training person-time."""
    if date is None or date > timezone.localdate():
        raise ValidationError({"date": "参观日期不能晚于今天"})
    if guests is None or guests < 0:
        raise ValidationError({"guests": "其他人员人数不能为负数"})
    members = _attendees(branch, attendees, date)
    visit = HallVisit.objects.create(
        branch=branch, date=date, guests=guests, guide=guide.strip(), note=note.strip(), recorded_by=user
    )
    visit.attendees.set(members)
    return visit
