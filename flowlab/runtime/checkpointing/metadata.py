"""A completed checkpoint's ``_metadata`` and state files: what is written, and how it is read back.

``_metadata`` names every operator (by its operator id, as Flink keys state) and, per subtask, its state:
inline when smaller than ``execution.checkpointing.data-inline-threshold``, else a reference to a state file
next to ``_metadata`` (``chk-<n>/<uuid>``) with its size and SHA-256. Unaligned checkpoints add the
in-flight data per subtask (channel state). Subtasks that had finished (FLIP-147) are marked ``finished``.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flowlab.runtime.checkpointing.file_format import METADATA, STATE, CheckpointFileError, frame, unframe
from flowlab.runtime.state.snapshot_codec import PickleRefusedError, from_plain


class RawJSON:
    """JSON text written verbatim into a document (an already encoded state fragment)."""

    __slots__ = ("text",)

    def __init__(self, text: bytes) -> None:
        self.text = text


def to_json(obj: Any) -> bytes:
    """Compact JSON of ``obj``, with ``RawJSON`` parts inserted as they are."""
    if isinstance(obj, RawJSON):
        return obj.text
    if isinstance(obj, dict):
        return b"{" + b",".join(json.dumps(k).encode() + b":" + to_json(v) for k, v in obj.items()) + b"}"
    if isinstance(obj, list):
        return b"[" + b",".join(to_json(v) for v in obj) + b"]"
    return json.dumps(obj, ensure_ascii=False).encode()


def file_name(*parts: Any) -> str:
    """A UUID-shaped name for a state file, derived from what it holds (deterministic, unique per checkpoint)."""
    h = hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def build(header: dict[str, Any], operators: list[dict[str, Any]], channel_state: list[dict[str, Any]],
          inline_threshold: int | None) -> tuple[bytes, dict[str, bytes]]:
    """The framed ``_metadata`` and the framed state files (name -> bytes) of one checkpoint.

    In ``operators`` and ``channel_state`` every ``RawJSON`` fragment is placed inline, or into a file when it
    is at least ``inline_threshold`` bytes (None: always inline, the jobmanager storage)."""
    files: dict[str, bytes] = {}

    def place(fragment: RawJSON | None, *name: Any) -> Any:
        if fragment is None:
            return None
        if inline_threshold is None or len(fragment.text) < inline_threshold:
            return fragment
        fname = file_name(header["job_id"], header["checkpoint_id"], *name)
        files[fname] = frame(STATE, fragment.text)
        return {"file": fname, "bytes": len(fragment.text), "sha256": hashlib.sha256(fragment.text).hexdigest()}

    ops = []
    for op in operators:
        subs = [{**s, "state": place(s["state"], op["operator_id"], s["subtask"])} for s in op["subtasks"]]
        ops.append({**op, "subtasks": subs})
    channels = [{**c, "input": place(c["input"], c["vertex"], c["subtask"], "input"),
                 "output": place(c["output"], c["vertex"], c["subtask"], "output")} for c in channel_state]
    body = to_json({**header, "operators": ops, "channel_state": channels})
    return frame(METADATA, body), files


def read(metadata: bytes, path: str, load_file: Callable[[str], bytes],
         trusted: Callable[[str], bool]) -> dict[str, Any]:
    """Decode a framed ``_metadata`` (and the state files it references) into plain Python data.

    ``load_file(name)`` gives the bytes of a state file next to it; ``trusted(sha256)`` says whether pickled
    values in a body with that checksum may be unpickled. Every file is checked before it is parsed."""
    body, digest = unframe(metadata, path, METADATA)
    doc = json.loads(body)
    folder = path.rsplit("/", 1)[0] if "/" in path else ""

    def state(ref: Any, decode_fn: Callable[[Any, bool, str], Any]) -> Any:
        if ref is None:
            return None
        if isinstance(ref, dict) and "file" in ref and "sha256" in ref:
            fpath = f"{folder}/{ref['file']}" if folder else ref["file"]
            try:
                raw = load_file(ref["file"])
            except FileNotFoundError:
                raise CheckpointFileError(fpath, f"is missing: '{path}' refers to it") from None
            fbody, fdigest = unframe(raw, fpath, STATE)
            if fdigest != ref["sha256"]:
                raise CheckpointFileError(fpath, f"does not match the checksum '{path}' records for it")
            return decode_fn(json.loads(fbody), trusted(fdigest), fpath)
        return decode_fn(ref, trusted(digest), path)

    try:
        operators = {}
        for op in doc["operators"]:
            operators[op["operator_id"]] = {
                "name": op["name"], "node": op.get("node"), "uid": op.get("uid"), "vertex": op["vertex"],
                "parallelism": op["parallelism"],
                "max_parallelism": op["max_parallelism"],
                "subtasks": {s["subtask"]: {"finished": s["finished"], "state": state(s["state"], _snapshot)}
                             for s in op["subtasks"]}}
            if "coordinator" in op:                 # a source's split enumerator (Flink's coordinator state)
                operators[op["operator_id"]]["coordinator"] = from_plain(op["coordinator"], trusted(digest), path)
        channels = {(c["vertex"], c["subtask"]): {"input": state(c["input"], _channels) or [],
                                                  "output": state(c["output"], _channels) or []}
                    for c in doc["channel_state"]}
    except PickleRefusedError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointFileError(path, f"has a valid checksum but an unexpected structure ({exc!r}): it was not "
                                  "written by this version of flowlab") from None
    out = {k: v for k, v in doc.items() if k not in ("operators", "channel_state")}
    out.update(operators=operators, channel_state=channels)
    return out


def _snapshot(plain: dict[str, Any], allow_pickle: bool, source: str) -> dict[str, Any]:
    def val(p: Any) -> Any:
        return from_plain(p, allow_pickle, source)
    keyed = None
    if "key_groups" in plain:
        keyed = {}
        for kg, g in plain["key_groups"]:
            keyed[kg] = {
                "states": {name: [(val(k), val(ns), val(v)) for k, ns, v in entries]
                           for name, entries in g["states"].items()},
                "event_timers": [(ts, val(k), val(ns)) for ts, k, ns in g["event_timers"]],
                "processing_timers": [(ts, val(k), val(ns)) for ts, k, ns in g["processing_timers"]]}
    return {"keyed": keyed, "keyed_meta": plain.get("keyed_meta"),
            "operator_state": val(plain["operator_state"]) if "operator_state" in plain else None,
            "operator": val(plain["operator"]) if "operator" in plain else None}


def _channels(plain: list[Any], allow_pickle: bool, source: str) -> list[Any]:
    out = []
    for edge, index, elements in plain:
        out.append((edge, index, [from_plain(e, allow_pickle, source) if not isinstance(e, str) else e
                                  for e in elements]))
    return out
