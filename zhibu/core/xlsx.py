"""Excel helpers: safe reading of uploaded workbooks and writing of exports."""

import io
import itertools
import tempfile
import zipfile

from django.http import FileResponse
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
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


# Excel opens no more rows than this in a sheet (the header included); a longer sheet goes on in another.
SHEET_ROWS = 1_048_576


def write_workbook(out, sheets, progress=None) -> list[int]:
    """Write sheets of (title, header, rows) as .xlsx to the binary file `out`, with a bold header, sensible
    widths and the header row frozen; the number of rows written to each sheet.

    Streamed (openpyxl's write-only mode keeps rows in a file on disk, not as cells in memory): `rows` may be
    any iterable, such as a generator over a query, and a sheet of 150,000 members needs no more memory than
    one of 150. The widths come from the first 200 rows. A sheet longer than Excel opens (SHEET_ROWS, such
    as a city's members) goes on in sheets titled "（2）", "（3）"…, each with the header. `progress(rows)`, if
    given, hears of the rows written so far (all sheets) every thousand rows.
    """
    wb = Workbook(write_only=True)
    counts, written = [], 0
    for title, header, rows in sheets:
        rows = iter(rows)
        first = list(itertools.islice(rows, 200))
        widths = [
            min((max([len(str(name))] + [len(str(r[i])) for r in first if i < len(r)]) + 4) * 1.6, 60)
            for i, name in enumerate(header)
        ]
        n, part, ws = 0, 0, None
        for n, row in enumerate(itertools.chain(first, rows), start=1):  # noqa: B007 — n is the count
            if ws is None or (n - 1) % (SHEET_ROWS - 1) == 0:
                part += 1
                ws = _sheet(wb, title, part, header, widths)
            ws.append([safe_cell(v) for v in row])
            if progress is not None and (written + n) % 1000 == 0:
                progress(written + n)
        if ws is None:  # no rows: the sheet still shows its header
            _sheet(wb, title, 1, header, widths)
        counts.append(n)
        written += n
    wb.save(out)
    return counts


def _sheet(wb, title: str, part: int, header, widths):
    suffix = f"（{part}）" if part > 1 else ""
    ws = wb.create_sheet(title[: 31 - len(suffix)] + suffix)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append([_header_cell(ws, name) for name in header])
    return ws


def _header_cell(ws, name) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=name)
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="F2DCDB")
    return cell


def workbook_bytes(sheets) -> bytes:
    """The .xlsx of `sheets` (as write_workbook takes them) in memory: for small workbooks."""
    out = io.BytesIO()
    write_workbook(out, sheets)
    return out.getvalue()


def download(sheets, filename: str) -> tuple[FileResponse, list[int]]:
    """A download of `sheets` (as write_workbook takes them) and the rows of each: written to a temporary
    file on disk and sent from there, so a worker holds no more than a few rows in memory however long the
    export is."""
    f = tempfile.TemporaryFile()
    counts = write_workbook(f, sheets)
    f.seek(0)
    return FileResponse(f, as_attachment=True, filename=filename, content_type=XLSX_TYPE), counts


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
