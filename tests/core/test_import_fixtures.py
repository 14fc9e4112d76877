"""Helpers that write the import test files (no tests here): every fixture is made by code."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

REF = datetime(2024, 3, 10, 15, 30)

HEADER = ["评论内容", "评价时间", "评分", "渠道", "用户昵称", "评论ID"]
ROWS = [
    ["物流很快，包装完好，好评！", "2024-03-01 10:00", "5", "淘宝", "小王", "A1"],
    ["质量一般，客服回复太慢", "2024-03-02 11:30", "3", "淘宝", "李女士", "A2"],
    ["收到就坏了，差评", "2024-03-03 09:15", "1", "京东", "张三", "A3"],
    ["味道不错，下次还来", "2024-03-04 20:45", "4", "美团", "阿花", "A4"],
]


def write_csv(path: Path, header=HEADER, rows=ROWS, *, encoding="utf-8", delimiter=",", newline="\n",
              title: list[str] | None = None) -> Path:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    for line in title or []:
        w.writerow([line])
    if header is not None:
        w.writerow(header)
    for r in rows:
        w.writerow(r)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header=HEADER, rows=ROWS, *, title: list[str] | None = None, sheet="评价",
               epoch1904=False, extra_sheets: dict | None = None, before: dict | None = None) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    if epoch1904:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    first = ws
    for name, data in (before or {}).items():
        ws.title = name
        for r in data:
            ws.append(r)
        ws = wb.create_sheet(sheet)
    ws.title = sheet
    for line in title or []:
        ws.append([line])
    if header is not None:
        ws.append(header)
    for r in rows:
        ws.append(r)
    for name, data in (extra_sheets or {}).items():
        extra = wb.create_sheet(name)
        for r in data:
            extra.append(r)
    del first
    wb.save(path)
    return path


def write_xls(path: Path, header=HEADER, rows=ROWS, *, sheet="评价") -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for c, v in enumerate(header):
        ws.write(0, c, v)
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row):
            if isinstance(v, datetime):
                ws.write(r, c, v, date_style)
            else:
                ws.write(r, c, v)
    wb.save(str(path))
    return path


def write_html(path: Path, header=HEADER, rows=ROWS, *, encoding="gb18030", charset="gb2312") -> Path:
    cells = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>\n" for r in rows)
    html = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"></head>'
            f"<body><table border=1><tr>{cells}</tr>\n{body}</table></body></html>")
    path.write_bytes(html.encode(encoding))
    return path


def rewrite_zip(src: Path, dst: Path, change) -> Path:
    """Copy a workbook, passing each member through change(name, data) -> data | None (None drops it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst
