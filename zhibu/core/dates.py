"""Dates as Chinese offices write them: 2001.07, 2001年7月, 2001-7-1, Excel serials, full-width digits."""

import datetime
import re
import unicodedata

_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_PATTERNS = [
    re.compile(r"^(\d{4})[.\-/年](\d{1,2})(?:[.\-/月](\d{1,2})日?|月)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})?$"),
]


def normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII, spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def parse_date(value) -> datetime.date | None:
    """A date from a cell or a string; None for blank. Month-only dates mean the 1st. ValueError if unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 80000:
            return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"无法识别的日期“{value}”，请写成 2001-07-01、2001.07 或 2001年7月")
        value = str(int(value))
    text = normalise(str(value)).rstrip(".")
    if not text:
        return None
    if text.isdigit() and 1 <= int(text) < 80000 and len(text) <= 5:
        return _EXCEL_EPOCH + datetime.timedelta(days=int(text))
    for pattern in _PATTERNS:
        m = pattern.match(text)
        if m:
            year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
            try:
                return datetime.date(year, month, day)
            except ValueError:
                break
    raise ValueError(f"无法识别的日期“{value}”，请写成 2001-07-01、2001.07 或 2001年7月")
