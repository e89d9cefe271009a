"""CSV exports: what people and providers wrote never runs as a spreadsheet formula."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.spreadsheet import FORMULA_STARTS, csv_lines, spreadsheet_cell


def written_then_read(cells: list[str]) -> list[str]:
    text = "".join(csv_lines(["cell"] * len(cells), [cells]))
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    return rows[1]


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("+996555123456", "'+996555123456"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("＝1+1", "'＝1+1"),
        ("Ak-Jol took my passport", "Ak-Jol took my passport"),
        ("a = b", "a = b"),
        ("", ""),
    ],
)
def test_a_cell_that_would_be_a_formula_is_shown_as_text(cell: str, shown: str) -> None:
    assert written_then_read([cell]) == [shown]


def test_values_that_are_not_text_are_written_as_text() -> None:
    assert [spreadsheet_cell(value) for value in (None, 42, -1, 2.5)] == ["", "42", "'-1", "2.5"]


def test_the_file_starts_with_a_byte_order_mark_for_excel() -> None:
    assert next(csv_lines(["телефон"], [])).startswith("\ufeffтелефон")


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_any_text_reads_back_as_written_or_marked_as_text(cells: list[str]) -> None:
    for written, read in zip(cells, written_then_read(cells), strict=True):
        if written.startswith(FORMULA_STARTS):
            assert read == "'" + written
        else:
            assert read == written
        assert not read.startswith(FORMULA_STARTS)
