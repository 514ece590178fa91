"""Which port `make lab` serves JupyterLab on, so that the URL it prints is the one that really answers.

usage: python tools/lab_port.py [--fixed] PORT
Without --fixed: PORT if it is free, else the next free port above it (another Jupyter often holds 8888).
With --fixed (the user set PORT=...): PORT itself, or exit 1 with a clear message when it is taken.
"""
from __future__ import annotations

import socket
import sys

HOST = "127.0.0.1"
TRIES = 100


def is_free(port: int, host: str = HOST) -> bool:
    """True when a server could listen on ``host:port`` now (bound the way Jupyter's server binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(preferred: int, host: str = HOST, tries: int = TRIES) -> int:
    """``preferred`` if free, else the first free port above it (at most ``tries`` ports are tried)."""
    for port in range(preferred, min(preferred + tries, 65536)):
        if is_free(port, host):
            return port
    raise SystemExit(f"make lab: no free port in {preferred}-{preferred + tries - 1} on {host}; "
                     "set PORT=... to a free one")


def main(argv: list[str]) -> int:
    fixed = "--fixed" in argv
    args = [a for a in argv if a != "--fixed"]
    if len(args) != 1 or not args[0].isdigit() or not 0 < int(args[0]) < 65536:
        print(f"usage: lab_port.py [--fixed] PORT (a number from 1 to 65535), got {args}", file=sys.stderr)
        return 2
    port = int(args[0])
    if fixed:
        if not is_free(port):
            print(f"make lab: port {port} (PORT={port}) is already in use on {HOST}; another JupyterLab may be "
                  "running there. Choose another PORT=..., or leave PORT unset to pick a free port.", file=sys.stderr)
            return 1
        print(port)
        return 0
    print(pick_port(port))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
