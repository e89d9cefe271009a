"""CSV exports keep hostile text inert: no cell reads as a formula, and nothing else changes."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from hotline.spreadsheet import FORMULA_STARTS, csv_lines
from tests.fuzz.conftest import CASES, fuzz_settings
from tests.fuzz.hostile import hostile_text

FORMULAS = (
    '=HYPERLINK("https://evil.example","click")',
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "=cmd|' /C calc'!A0",
    "\t=1",
    "\r=1",
    "＝1+1",
    'DDE("cmd";"/C calc";"!A0")',
)
cells = st.sampled_from(FORMULAS) | hostile_text | st.integers() | st.none()


@fuzz_settings(CASES * 2)
@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=5))
def test_no_exported_cell_is_a_formula_and_text_survives(rows: list[list[object]]) -> None:
    text = "".join(csv_lines(["a", "b", "c"], rows))
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text[1:], newline="")))

    assert len(parsed) == len(rows) + 1
    for written, read in zip(rows, parsed[1:], strict=True):
        for value, cell in zip(written, read, strict=True):
            assert not cell.startswith(FORMULA_STARTS)
            original = "" if value is None else str(value)
            assert cell in (original, "'" + original)
