"""Rotating, signed, short-lived QR codes (meeting and class sign-in) and plain QR images.

A screen in the room shows a code that changes every `ROTATE_SECONDS`; each code is a signed
token naming what it signs into and when it was made, accepted for `max_age` seconds. A photo of
yesterday's code, or a forged one, is refused.
"""

import io

import segno
from django.core import signing

ROTATE_SECONDS = 20
_SALT = "zhibu.signin"


def make_token(purpose: str, object_id) -> str:
    """A token for signing in to one object (e.g. purpose "meeting", the meeting's id)."""
    return signing.TimestampSigner(salt=_SALT).sign_object({"p": purpose, "id": object_id}, compress=True)


def read_token(token: str, purpose: str, max_age: int = 3 * ROTATE_SECONDS):
    """The object id a token signs into; ValueError with a Chinese message if forged, expired or for something else."""
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise ValueError("二维码已过期，请扫描屏幕上最新的二维码") from None
    except signing.BadSignature:
        raise ValueError("二维码无效，请扫描会场屏幕上的二维码") from None
    if data.get("p") != purpose:
        raise ValueError("这个二维码不是本次活动的签到码")
    return data["id"]


def svg(text: str, scale: int = 8) -> str:
    """An SVG image of a QR code for `text` (inline in a page, no external request)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def png(text: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
