"""Hostile values: what an attacker, a broken carrier or a confused phone might send.

Strategies mix plain random data with hand-picked payloads, because random text almost never
happens upon ``]]>`` or ``' OR 1=1 --`` by itself, and those are the strings that break things.
"""

from __future__ import annotations

from hypothesis import strategies as st

XML_SPECIALS = ("<", ">", "&", '"', "'", "]]>", "<![CDATA[", "&amp;", "&#0;", "&lt;", "-->")
XML_PAYLOADS = (
    "<Say>injected</Say>",
    "</Say><Dial>+996555000000</Dial><Say>",
    "<Hangup/>",
    '"/><Redirect>https://evil.example/x</Redirect><x a="',
    "]]><Dial>+1</Dial><![CDATA[",
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    "&xxe;",
    "<!-- comment -->",
)
SQL_PAYLOADS = (
    "' OR 1=1 --",
    "'; DROP TABLE agencies; --",
    ";DROP TABLE contacts",
    '" OR ""="',
    "%",
    "_",
    "%%",
    "\\",
    "\\'",
    "%' OR '1'='1",
    "1; SELECT pg_sleep(5)",
    "') UNION SELECT NULL--",
    "*",
    "$1",
    ":name",
)
PATH_PAYLOADS = (
    "../",
    "..",
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e",
    "%2e%2e%2f",
    "%252e%252e%252f",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "//etc/passwd",
    "C:\\Windows\\win.ini",
    "%00",
    "main_menu%00",
    "....//",
    "%c0%ae%c0%ae/",
    "~root",
)
UNICODE_SAMPLES = (
    "Ак-Жол Тревел",  # Kyrgyz Cyrillic
    "Өмүр Ысык-Көл ҢҮ",
    "Oʻzbekiston gʻalla",  # Uzbek Latin with the modifier apostrophe
    "O‘zbekiston",
    "مرحبا بالعالم",  # right to left
    "\u202eevil\u202c",  # RTL override
    "שלום",
    "👩‍👩‍👧‍👦🇰🇬🇺🇿",  # emoji with joiners and flags
    "a\u0301\u0302\u0303\u0304",  # stacked combining marks
    "Z̴̡̛̗͓̻̏̀a̵̧͙̓l̶̰̂g̶͎̈́o̵̫̓",
    "\ufeff\u200b\u200d\u2060",  # BOM and zero-width characters
    "\ud7ff\ue000\uffff",
    "\U0010ffff",
    "ǅǈǋ ﬁ ß ẞ İı",  # case folding traps
    "²³¹½",  # str.isdigit() but not int()
    "٠١٢٣",  # Arabic-Indic digits int() accepts
    "０１２３",  # full-width digits
)
CONTROL_SAMPLES = ("\x00", "\x00\x00", "\r\n", "\n\n", "\t", "\x1b[31m", "\x7f", "\x0b\x0c")
NUMBER_SAMPLES = (
    "0",
    "-1",
    "1e9",
    "99999999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "²",
    "1²",
    "٣",
    "0x10",
    " 1",
    "NaN",
    "+996555123456",
    "996555123456",
    "0555123456",
    "+7 (912) 345-67-89",
    "+99855512345678901234567890",
)

# Every hand-picked payload in one place, for fields of any kind.
PAYLOADS = (
    XML_SPECIALS
    + XML_PAYLOADS
    + SQL_PAYLOADS
    + PATH_PAYLOADS
    + UNICODE_SAMPLES
    + CONTROL_SAMPLES
    + NUMBER_SAMPLES
)


def _very_long(seed: str, length: int) -> str:
    return (seed * (length // max(len(seed), 1) + 1))[:length]


long_text = st.builds(
    _very_long,
    st.sampled_from(["x", "Ж", "<", "9", "👍", "' OR 1=1 --"]),
    st.sampled_from([201, 1601, 5000]),  # past every field limit; the body limit has its own probe
)
# Text that is random, hand-picked, or a mix of both; sometimes very long.
hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(PAYLOADS),
    st.lists(st.sampled_from(PAYLOADS) | st.text(max_size=5), min_size=1, max_size=4).map("".join),
    long_text,
)
# Bytes a client can put on the wire: random, not UTF-8 at all, or truncated multi-byte text.
INVALID_UTF8 = (
    b"\xff\xfe",
    b"\xc3\x28",
    b"\xe2\x82",
    b"\xf0\x28\x8c\x28",
    b"\xed\xa0\x80",
    b"\x80",
)
hostile_bytes = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(INVALID_UTF8),
    st.lists(st.sampled_from(INVALID_UTF8) | st.binary(max_size=8), max_size=6).map(b"".join),
    hostile_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
)
CONTENT_TYPES = (
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "application/json",
    "application/json; charset=utf-16",
    "text/xml",
    "text/plain",
    "application/octet-stream",
    "",
    "garbage/;;;=",
)
content_types = st.sampled_from(CONTENT_TYPES)
