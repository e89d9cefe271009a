"""CSV files as offices really produce them: exported from Excel, often in a Russian locale.

They arrive with a byte-order mark, ``;`` delimiters, DD.MM.YYYY dates, or as an .xlsx saved
under a .csv name. The registry and contacts importers share these readers, and both report
problems as "line N: what is wrong". Exports go out through ``csv_lines``, which keeps text that
people sent us from running as a formula when staff open the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator

PROBLEMS_SHOWN = 50

ISO_COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """.split()
)
# Codes people write that ISO 3166 spells otherwise.
COUNTRY_HINTS = {"UK": "GB", "EL": "GR"}
FILE_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
    b"%PDF": "a PDF document",
}


class CsvFileError(ValueError):
    """The file cannot be read at all; ``problems`` reads "line N: what is wrong"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "the file is not usable")
        self.problems = problems

    def summary(self, limit: int = PROBLEMS_SHOWN) -> str:
        """List the first ``limit`` problems, so a garbage file does not flood the terminal."""
        shown = self.problems[:limit]
        if len(self.problems) > limit:
            shown = [*shown, f"and {len(self.problems) - limit} more"]
        return "\n".join(shown)

    def __str__(self) -> str:
        return self.summary()


def decode_csv(data: bytes) -> str:
    """Turn the bytes into text, naming the lines that are not UTF-8 rather than guessing."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvFileError(["line 1: the file is UTF-16; save it as CSV UTF-8"])
    for signature, kind in FILE_SIGNATURES.items():
        if data.startswith(signature):
            raise CsvFileError([f"line 1: this is {kind}, not a CSV file"])
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise CsvFileError([f"line {line}: binary data (NUL bytes); this is not a CSV file"])
    data = data.removeprefix(b"\xef\xbb\xbf")
    problems = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                f"line {number}: not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                f"{exc.start + 1}); save the file as CSV UTF-8"
            )
    if problems:
        raise CsvFileError(problems)
    text = data.decode("utf-8")
    if not text.strip():
        raise CsvFileError(["line 1: the file is empty"])
    return text


def sniff_delimiter(data: bytes) -> str:
    """Pick the delimiter from the header line only: destinations hold ``;`` inside fields."""
    header = data.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n").split(b"\n", 1)[0]
    counts = {delimiter: header.count(delimiter.encode()) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter])  # ties go to ","


def read_date(value: str, column: str, found: list[str]) -> dt.date | None:
    """Read YYYY-MM-DD or DD.MM.YYYY (as the region writes dates); empty means not stated."""
    if not value:
        return None
    try:
        if match := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value):
            year, month, day = match.groups()
        elif match := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value):
            day, month, year = match.groups()
        else:
            found.append(f"{column} {value!r} is not a date (write YYYY-MM-DD or DD.MM.YYYY)")
            return None
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        found.append(f"{column} {value!r} is not a real date")
        return None


class CsvRecords:
    """The non-blank records of a CSV file, each with the line it starts on.

    ``last_line`` is the last physical line read, so a caller can name the line of a
    ``csv.Error`` (``last_line + 1``) or of what is missing after the header.
    """

    def __init__(self, data: bytes) -> None:
        self._text = decode_csv(data)  # raises CsvFileError for a file that is no CSV text
        self._delimiter = sniff_delimiter(data)
        self.last_line = 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(
            io.StringIO(self._text, newline=""), delimiter=self._delimiter, strict=True
        )
        for record in reader:
            line, self.last_line = self.last_line + 1, reader.line_num
            if any(cell.strip() for cell in record):
                yield line, record


# --- Writing CSV for spreadsheets ----------------------------------------------------------------

# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
# (``=HYPERLINK(...)`` in an SMS someone sent us would run when staff open an export), also in
# the full-width forms some spreadsheets accept.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_cell(value: object) -> str:
    """The text of ``value`` as a spreadsheet shows it, never as a formula.

    A leading ``'`` is the spreadsheets' own "this is text" mark: the cell shows the original
    text and the ``'`` is not part of the value.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, a line at a time (to stream a large export).

    Starts with a byte-order mark so Excel reads Cyrillic as UTF-8, and neutralises every cell
    (see ``spreadsheet_cell``).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([spreadsheet_cell(cell) for cell in header])
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheet_cell(cell) for cell in row])
        yield buffer.getvalue()
