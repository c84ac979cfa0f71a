"""The demo library's generated media are genuine: PDFs with Chinese text, playable MP4s of the right length."""

import shutil

import pytest

from zhibu.library import media
from zhibu.library.demo import make_videos, pdf_bytes, poster_bytes


def test_demo_pdf_is_a_pdf():
    data = pdf_bytes("党支部工作手册", [("一、职责", "党支部是党的基础组织。")])
    assert media.sniff(data[:64]) == "application/pdf" and data.rstrip().endswith(b"%%EOF")


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed here")
def test_demo_videos_are_mp4s_of_the_stated_length():
    card = poster_bytes("支部党员大会", "#9f1b1b")
    assert media.sniff(card[:64]) == "image/png"
    videos = make_videos(card, [90, 600])
    for data, seconds in zip(videos, [90, 600], strict=True):
        assert media.sniff(data[:64]) == "video/mp4"

        def read(offset, n, data=data):
            return data[offset : offset + n]

        assert media.mp4_duration(read, len(data)) == pytest.approx(seconds, abs=1)
