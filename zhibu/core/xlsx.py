"""Excel helpers: safe reading of uploaded workbooks and writing of exports."""

import io
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 200_000


class WorkbookError(ValueError):
    pass


def open_workbook(fileobj):
    """Open an uploaded .xlsx, refusing what is not one, is too large, or unpacks to far more (a zip bomb)."""
    data = fileobj.read()
    if len(data) > MAX_UPLOAD_BYTES:
        raise WorkbookError(f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请拆分后再导入")
    if not data.startswith(b"PK"):
        raise WorkbookError("文件不是 Excel（.xlsx）格式；如为 .xls 请先另存为 .xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise WorkbookError("文件解压后过大，无法导入")
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except WorkbookError:
        raise
    except Exception as exc:
        raise WorkbookError("文件已损坏或不是有效的 .xlsx 文件") from exc


def safe_cell(value):
    """Neutralise spreadsheet formula injection: text that starts like a formula is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def workbook_bytes(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """Write sheets of (title, header, rows) to .xlsx bytes, with a bold header and sensible widths."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="F2DCDB")
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        for i, name in enumerate(header, start=1):
            width = max([len(str(name))] + [len(str(r[i - 1])) for r in rows[:200] if i - 1 < len(r)]) + 4
            ws.column_dimensions[get_column_letter(i)].width = min(width * 1.6, 60)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
