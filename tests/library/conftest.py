import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

# A few bytes that are, by their header, an MP4 (ftyp box) with an mvhd of 120 s, and a PDF.
MP4 = (
    b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    + b"\x00\x00\x00\x6cmoov"
    + b"\x00\x00\x00\x64mvhd\x00\x00\x00\x00"
    + b"\x00\x00\x00\x00\x00\x00\x00\x00"
    + (1000).to_bytes(4, "big")
    + (120_000).to_bytes(4, "big")
    + b"\x00" * 80
    + bytes(range(256)) * 40
)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def library(cast):
    """A small library of the cast's district: a video, a document, a panel, a case with a photo."""
    from types import SimpleNamespace

    from zhibu.library import services
    from zhibu.library.models import CollectiveStudy, HallVisit, Item, Tag

    district = cast.a.town.district
    video = services.item_save(
        item=Item(
            district=district, kind="video", title="三会一课规范流程演示", summary="支部党员大会的召开程序"
        ),
        file=upload("v.mp4", MP4),
        image=upload("p.png", PNG),
        tags=Tag.objects.filter(code__in=["three-one", "member"]),
    )
    document = services.item_save(
        item=Item(
            district=district,
            kind="document",
            title="党支部工作手册",
            body="主题党日活动的组织方法",
            duration=600,
        ),
        file=upload("d.pdf", PDF),
    )
    panel = services.item_save(
        item=Item(
            district=district, kind="panel", title="党的建设总要求", hall_part="guide", body="展板正文"
        ),
        image=upload("p.png", PNG),
    )
    case = services.item_save(
        item=Item(
            district=district,
            kind="case",
            title="村民议事会推动环境整治",
            background="背景",
            practice="支部牵头成立议事会",
            effect="成效",
            lessons="启示",
        ),
        photo=upload("p.png", PNG),
        photo_caption="议事会现场",
    )
    hidden = services.item_save(
        item=Item(district=district, kind="document", title="未发布的文档", published=False),
        file=upload("d.pdf", PDF),
    )
    study = CollectiveStudy.objects.create(
        branch=cast.a, date=datetime.date.today(), topic="学习党章", hours=2, recorded_by=cast.secretary_a
    )
    study.attendees.set([cast.member_of_a])
    visit = HallVisit.objects.create(branch=cast.a, date=datetime.date.today(), recorded_by=cast.centre)
    visit.attendees.set([cast.member_of_a])
    return SimpleNamespace(
        video=video,
        document=document,
        panel=panel,
        case=case,
        photo=case.photos.get(),
        hidden=hidden,
        study=study,
        visit=visit,
    )
