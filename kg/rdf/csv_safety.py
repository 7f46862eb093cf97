"""CSV cells a spreadsheet would run as formulas, made plain text.

A SPARQL result in ``text/csv`` carries customers' own words: a message such as
``=HYPERLINK("http://…","click")`` or ``=cmd|' /C calc'!A0`` would run when an analyst opens the
download in a spreadsheet (CSV injection). A cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return, and is not a number, gets a leading apostrophe, which spreadsheets
show as text (OWASP's advice). Numbers such as ``-3.5`` stay numbers. The web app's console
applies the same rule to its own CSV download.
"""

from __future__ import annotations

import csv
import io
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralised(cell: str) -> str:
    """The cell, or the cell behind an apostrophe when a spreadsheet would read a formula."""
    if cell.startswith(FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def neutralise_csv(payload: bytes) -> bytes:
    """A CSV document (UTF-8, RFC 4180 as SPARQL's CSV results format writes it) with every
    cell neutralised; quoting is redone only where a cell changed."""
    text = payload.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not any(cell.startswith(FORMULA_START) for row in rows for cell in row):
        return payload
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(
        [[neutralised(cell) for cell in row] for row in rows])
    return out.getvalue().encode("utf-8")
