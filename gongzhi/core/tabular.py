"""Reading and writing spreadsheets (Excel .xlsx via openpyxl, or UTF-8 CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from .errors import ActionError

MAX_ROWS = 200_000


def read_table(data: bytes, filename: str, aliases: dict[str, str]) -> list[dict[str, str]]:
    """Rows as dicts keyed by canonical column names. ``aliases`` maps header text (Chinese or
    English, case-insensitive) to canonical names; unknown headers are ignored."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise ActionError(
                _("The file is not a readable .xlsx workbook."), code="bad_file"
            ) from exc
        raw_rows = [
            ["" if v is None else str(v).strip() for v in row]
            for row in wb.worksheets[0].iter_rows(values_only=True)
        ]
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ActionError(_("CSV files must be UTF-8 encoded."), code="bad_file") from exc
        raw_rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise ActionError(_("Upload an .xlsx or .csv file."), code="bad_file")
    raw_rows = [r for r in raw_rows if any(r)]
    if not raw_rows:
        raise ActionError(_("The file is empty."), code="empty")
    if len(raw_rows) - 1 > MAX_ROWS:
        raise ActionError(_("At most %(n)d rows per file.") % {"n": MAX_ROWS}, code="too_many_rows")
    lowered = {k.lower(): v for k, v in aliases.items()}
    header = [lowered.get(h.strip().lower(), "") for h in raw_rows[0]]
    rows = []
    for r in raw_rows[1:]:
        rows.append({h: (r[i] if i < len(r) else "") for i, h in enumerate(header) if h})
    return rows


def write_xlsx(headers: list[str], rows: Iterable[Iterable], title: str = "Sheet1") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    for i in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 18
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
