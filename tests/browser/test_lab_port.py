"""`make lab` when port 8888 is taken: it serves on a free port and prints the URL that really answers."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "lab_port.py"


def _some_port() -> int:
    """A port nobody listens on now (only the `make lab` test uses 8888, so the tests cannot collide)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def occupied(port: int):
    """Listen on ``port``; if someone else already listens there, it is occupied all the same."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)     # a TIME_WAIT leftover must not stop us
    try:
        try:
            s.bind(("127.0.0.1", port))
            s.listen(1)
        except OSError:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                pass                                             # raises unless another server listens
        yield
    finally:
        s.close()


def _tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True, timeout=30)


def test_a_taken_port_is_skipped():
    """With the preferred port taken, the tool answers a higher one, free to listen on."""
    taken = _some_port()
    with occupied(taken):
        out = _tool(str(taken))
        port = int(out.stdout)
        assert out.returncode == 0 and port > taken
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))


def test_a_free_port_is_kept():
    """A free preferred port is answered as is."""
    free = _some_port()
    assert _tool(str(free)).stdout.strip() == str(free)


def test_an_explicit_port_wins_and_a_taken_one_is_refused_clearly():
    """--fixed (PORT=... given): a free port is kept; a taken one exits 1 naming it and what to do."""
    taken = _some_port()
    with occupied(taken):
        out = _tool("--fixed", str(taken))
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.startswith(f"make lab: port {taken} (PORT={taken}) is already in use on 127.0.0.1")
    assert "leave PORT unset to pick a free port" in out.stderr


def test_make_lab_prints_the_url_that_serves(tmp_path: Path):
    """`make lab` with 8888 taken prints a URL on another port, and JupyterLab answers on it."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("make lab needs the project's .venv")
    env = dict(os.environ, TOKEN="flowlab-test-token", JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               IPYTHONDIR=str(tmp_path / "ipython"), JUPYTER_PLATFORM_DIRS="1")
    env.pop("PORT", None)
    with occupied(8888):
        proc = subprocess.Popen(["make", "-s", "lab"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            url = None
            deadline = time.monotonic() + 60
            while url is None and time.monotonic() < deadline:
                line = proc.stdout.readline()
                m = re.search(r"flowlab JupyterLab:  (http://127\.0\.0\.1:(\d+)/lab\?token=flowlab-test-token)", line)
                if m:
                    url, port = m.group(1), int(m.group(2))
            assert url is not None and port != 8888
            status = f"http://127.0.0.1:{port}/api/status?token=flowlab-test-token"
            while True:
                try:
                    with urllib.request.urlopen(status, timeout=5) as resp:
                        assert resp.status == 200
                        break
                except OSError:
                    assert time.monotonic() < deadline, "JupyterLab did not answer on the printed port"
                    time.sleep(0.5)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
