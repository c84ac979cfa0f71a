"""Files: served with Range (206) so videos seek and resume; uploads judged by their content."""

import pytest

from zhibu.library import media
from zhibu.library.models import Item

from .conftest import MP4, PDF, PNG, upload


def test_range_requests_return_the_right_bytes(library, login):
    client = login("member_a")
    url = f"/library/items/{library.video.pk}/file/"
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == MP4
    assert whole["Accept-Ranges"] == "bytes" and whole["Content-Type"] == "video/mp4"
    assert whole["X-Content-Type-Options"] == "nosniff"

    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == MP4[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{len(MP4)}" and part["Content-Length"] == "100"

    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == MP4[-10:]
    rest = client.get(url, HTTP_RANGE=f"bytes={len(MP4) - 5}-")
    assert b"".join(rest.streaming_content) == MP4[-5:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(MP4) + 10}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(MP4)}"
    several = client.get(url, HTTP_RANGE="bytes=0-1,5-6")
    assert several.status_code == 200


def test_pdf_is_served_as_pdf_for_the_browsers_own_viewer(library, login):
    response = login("member_a").get(f"/library/items/{library.document.pk}/file/")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.get("Content-Security-Policy", "frame-ancestors 'self'")
    assert b"".join(response.streaming_content) == PDF


def test_mp4_duration_is_read_from_the_file(library):
    assert library.video.duration == 120


@pytest.mark.parametrize(
    ("kind", "field", "name", "data"),
    [
        ("video", "file", "clip.mp4", b"<html><script>alert(1)</script></html>" + b" " * 64),
        ("video", "file", "clip.mp4", PDF),
        ("document", "file", "book.pdf", b"MZ\x90\x00" + b"\x00" * 80),
        ("document", "file", "book.pdf", MP4),
        (
            "panel",
            "image",
            "panel.png",
            b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>" + b" " * 40,
        ),
    ],
)
def test_uploads_are_refused_by_content(cast, login, kind, field, name, data):
    client = login("centre")
    form = {"title": "上传测试", "published": "on", "duration": "60", "hall_part": "guide", "position": "1"}
    form[field] = upload(name, data, "video/mp4" if kind == "video" else "application/pdf")
    response = client.post(f"/library/new/?kind={kind}", form)
    assert response.status_code == 200
    assert "文件内容不是" in response.content.decode()
    assert not Item.objects.filter(title="上传测试").exists()


def test_size_limits(cast, login, monkeypatch):
    monkeypatch.setitem(media.LIMITS, "image", 32)
    response = login("centre").post(
        "/library/new/?kind=panel",
        {"title": "大图", "hall_part": "guide", "position": "1", "image": upload("p.png", PNG)},
    )
    assert "MB 的上限" in response.content.decode()
    assert not Item.objects.filter(title="大图").exists()


def test_centre_uploads_a_video_and_members_can_play_it(cast, login):
    response = login("centre").post(
        "/library/new/?kind=video",
        {"title": "主题党日活动示范", "summary": "示范", "published": "on", "file": upload("a.bin", MP4)},
    )
    item = Item.objects.get(title="主题党日活动示范")
    assert response.status_code == 302 and item.file.name.endswith(".mp4") and item.file_type == "video/mp4"
    assert item.duration == 120
    assert login("secretary_b").get(f"/library/items/{item.pk}/file/").status_code == 200


def test_parse_range_edge_cases():
    assert media.parse_range(None, 10) is None
    assert media.parse_range("bytes=0-", 10) == (0, 9)
    assert media.parse_range("bytes=5-100", 10) == (5, 9)
    assert media.parse_range("bytes=-0", 10) is False
    assert media.parse_range("bytes=9-3", 10) is False
    assert media.parse_range("items=0-1", 10) is None
