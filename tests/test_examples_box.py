"""Examples stay in their box: their folder, their process group, no network; real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from refsite.examples.check import Checked, ExamplesError, Runner
from refsite.examples.collect import Example
from refsite.examples.report import format_json, format_markdown, sort_out
from refsite.examples.runner import Result, run_all
from refsite.examples.sandbox import ISOLATED

UNAVAILABLE = "process group only (namespaces unavailable: "


def _run(code: str, *, timeout: float = 5, namespaces: bool = True) -> Result:
    [result] = run_all([code], prelude="", timeout=timeout, workers=1, namespaces=namespaces)
    return result


def _namespaces_work() -> bool | None:
    """Whether this machine lets a user make the namespaces, asked of util-linux; None: unknown."""
    if shutil.which("unshare") is None:
        return None
    done = subprocess.run(
        ["unshare", "--user", "--net", "--mount", "true"], capture_output=True, timeout=10
    )
    return done.returncode == 0


@pytest.fixture(scope="module")
def isolated() -> bool:
    """Whether examples run in namespaces here; if not, the results say why."""
    said = _run("pass\n")["sandbox"]
    if _namespaces_work():
        assert said == ISOLATED  # the namespaces work here: no silent fallback
    if said != ISOLATED:
        assert said.startswith(UNAVAILABLE), said
    return bool(said == ISOLATED)


def test_an_example_writes_in_its_own_folder_only(isolated: bool, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    inside = "import tempfile\nopen('here', 'w').write('x')\ntempfile.mkstemp()\n"
    assert _run(inside)["status"] == "passed"
    if not isolated:  # the fallback says so (the fixture checked how); nothing to refuse
        assert _run("pass\n")["sandbox"].startswith(UNAVAILABLE)
        return
    wrote = _run(f"open({str(outside)!r}, 'w').write('x')\n")
    assert (wrote["status"], wrote["error"], wrote["line"]) == ("failed", "OSError", 1)
    assert "Read-only file system" in wrote["message"]
    # It holds every capability in its user namespace, yet cannot make the mounts writable.
    undo = (
        "import ctypes\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "clear_read_only = (ctypes.c_uint64 * 4)(0, 1, 0, 0)\n"
        "libc.syscall(ctypes.c_long(442), ctypes.c_int(-100), b'/', ctypes.c_uint(0x8000),\n"
        "             clear_read_only, ctypes.c_size_t(32))\n"
        f"open({str(outside)!r}, 'w').write('x')\n"
    )
    assert _run(undo)["error"] == "OSError"
    assert not outside.exists()


def _gone(pid: int) -> bool:
    """Whether the ``sleep`` that had ``pid`` ended (within a few seconds)."""
    for _ in range(250):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if command != b"sleep\x001000\x00" or state in ("Z", "X"):
            return True  # dead, or its pid taken by another process
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("namespaces", [True, False])
@pytest.mark.parametrize("loops", [True, False])
def test_a_process_the_example_starts_ends_with_it(loops: bool, namespaces: bool) -> None:
    read, write = os.pipe()
    code = (
        "import os, subprocess\n"
        "child = subprocess.Popen(['sleep', '1000'])\n"
        f"os.write({write}, str(child.pid).encode())\n"
    ) + ("while True:\n    pass\n" if loops else "")
    try:
        result = _run(code, timeout=1, namespaces=namespaces)
    finally:
        os.close(write)
    with os.fdopen(read, "rb") as pipe:
        pid = int(pipe.read())
    assert result["error"] == ("TimeoutError" if loops else None), result
    assert _gone(pid)


def test_a_process_the_example_starts_reaches_no_other_host(isolated: bool) -> None:
    if not isolated:  # only the namespace refuses a child's connection: none is tried
        assert _run("pass\n")["sandbox"].startswith(UNAVAILABLE)
        return
    # 10.255.255.1 is a private address nothing answers; no route leads there in the box.
    connect = "import socket; s = socket.socket(); s.settimeout(2); s.connect(('10.255.255.1', 9))"
    code = (
        "import subprocess, sys\n"
        f"done = subprocess.run([sys.executable, '-S', '-c', {connect!r}], capture_output=True)\n"
        "raise RuntimeError(done.stderr.decode().strip().splitlines()[-1])\n"
    )
    start = time.monotonic()
    result = _run(code)
    assert time.monotonic() - start < 4  # refused at once, not timed out
    assert (result["error"], result["message"]) == (
        "RuntimeError",
        "OSError: [Errno 101] Network is unreachable",
    )


@pytest.mark.parametrize("namespaces", [True, False])
@pytest.mark.parametrize(
    ("kind", "use"),
    [
        ("SOCK_STREAM", "connect(ADDRESS)"),
        ("SOCK_STREAM", "connect_ex(ADDRESS)"),
        ("SOCK_DGRAM", "sendto(b'x', ADDRESS)"),
    ],
)
def test_the_socket_module_underneath_is_refused_too(kind: str, use: str, namespaces: bool) -> None:
    code = (
        "import _socket\n"
        "ADDRESS = ('10.255.255.1', 9)\n"
        f"s = _socket.socket(_socket.AF_INET, _socket.{kind})\n"
        "s.settimeout(1)\n"
        f"s.{use}\n"
    )
    result = _run(code, namespaces=namespaces)
    assert (result["error"], result["message"]) == (
        "ConnectionRefusedError",
        "examples run without network (10.255.255.1)",
    )


def test_a_prelude_that_never_ends_is_stopped_with_one_line() -> None:
    runner = Runner("while True:\n    pass\n")
    start = time.monotonic()
    with pytest.raises(ExamplesError) as raised:
        runner.run(["x = 1\n"], timeout=1, workers=1)
    assert time.monotonic() - start < 1 + 3
    assert str(raised.value) == (
        "the examples' prelude still runs after 1 s (examples.timeout); fix examples.prelude"
    )


@pytest.mark.parametrize("namespaces", [True, False])
def test_the_report_says_which_limits_held(namespaces: bool, isolated: bool) -> None:
    result = _run("pass\n", namespaces=namespaces)
    expected = ISOLATED if namespaces and isolated else result["sandbox"]
    if not namespaces:
        assert expected == "process group only (namespaces off)"
    checked = [Checked(Example("p.f", "p.py", 1, "pass\n"), result)]
    never_ran = Checked(Example("p.g", "p.py", 9, "x\n"), {"status": "passed"})
    report = sort_out([*checked, never_ran], [])
    assert f"sandbox: {expected}" in format_markdown(report).splitlines()
    assert json.loads(format_json(report))["sandbox"] == expected
    assert json.loads(format_json(sort_out([never_ran], [])))["sandbox"] is None
