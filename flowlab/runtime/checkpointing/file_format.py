"""flowlab's checkpoint file format: a one-line header, then a JSON body.

    FLOWLAB-CHECKPOINT-METADATA v1 <body length in bytes> <sha256 of the body, hex>\\n<body>

(``FLOWLAB-CHECKPOINT-STATE`` for a state file next to ``_metadata``.) The header is checked before the body
is parsed, so a file that was cut short, padded, altered or is not a checkpoint at all is named and refused
with what is wrong, never half read. The body is UTF-8 JSON (see ``flowlab.runtime.state.snapshot_codec``),
so a checkpoint can also be read with a text editor. The format is flowlab's own, not Flink's (Flink's
``_metadata`` is a binary ``MetadataV4`` stream); its version is checked, newer versions are refused.
"""
from __future__ import annotations

import hashlib

VERSION = 1
METADATA = "FLOWLAB-CHECKPOINT-METADATA"
STATE = "FLOWLAB-CHECKPOINT-STATE"


class CheckpointFileError(ValueError):
    """A checkpoint file that cannot be used: truncated, corrupted, of another kind or version."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"checkpoint file '{path}' {problem}")
        self.path = path
        self.problem = problem


def frame(kind: str, body: bytes) -> bytes:
    """``body`` with its header (magic, version, length, SHA-256)."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{kind} v{VERSION} {len(body)} {digest}\n".encode("ascii") + body


def body_digest(framed: bytes) -> str:
    """The SHA-256 a framed file's header announces (the file is trusted to be well-formed)."""
    return framed[: framed.index(b"\n")].split(b" ")[3].decode("ascii")


def unframe(data: bytes, path: str, kind: str) -> tuple[bytes, str]:
    """The checked body of a framed file and its SHA-256; ``CheckpointFileError`` says what is wrong."""
    end = data.find(b"\n", 0, 200)
    if end < 0:
        if not data:
            raise CheckpointFileError(path, "is empty: nothing was written to it (a crash while writing?)")
        raise CheckpointFileError(path, "is not a flowlab checkpoint file: it has no header line")
    parts = data[:end].split(b" ")
    magic = parts[0].decode("ascii", "replace")
    if magic not in (METADATA, STATE):
        raise CheckpointFileError(path, f"is not a flowlab checkpoint file (it starts with {data[:24]!r})")
    if magic != kind:
        raise CheckpointFileError(path, f"is a {magic} file, not a {kind} file")
    try:
        version = int(parts[1].decode("ascii").lstrip("v"))
        length = int(parts[2])
        digest = parts[3].decode("ascii")
        if len(parts) != 4 or len(digest) != 64:
            raise ValueError
    except (ValueError, IndexError):
        raise CheckpointFileError(path, "has a corrupted header line") from None
    if version > VERSION:
        raise CheckpointFileError(path, f"has format version {version}; this flowlab reads version {VERSION} and "
                                  "older: read it with a newer flowlab")
    body = data[end + 1:]
    if len(body) < length:
        raise CheckpointFileError(path, f"is truncated: it holds {len(body):,} of the {length:,} bytes its header "
                                  "announces (a crash while writing, or a copy cut short); use another checkpoint")
    if len(body) > length:
        raise CheckpointFileError(path, f"is corrupted: {len(body) - length:,} bytes follow the {length:,} its header "
                                  "announces")
    if hashlib.sha256(body).hexdigest() != digest:
        raise CheckpointFileError(path, "is corrupted: its content does not match the SHA-256 checksum in its "
                                  "header (a changed or damaged file); use another checkpoint")
    return body, digest
