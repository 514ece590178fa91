"""Operator IDs: the names state is stored under in checkpoints and savepoints (Flink's ``OperatorID``).

Every function here is a flowlab extension (an analysis helper; PyFlink 2.3 has none of them: Flink computes
the IDs when it builds the JobGraph). A program sets them with PyFlink's ``uid`` and ``set_uid_hash``.

A restore maps state to operators by these IDs, so they must come out the same for the same program:

* ``uid("x")``: the ID is Murmur3-128 (seed 0, x64 variant, as Guava computes it) of the UTF-8 bytes of
  ``x``, written as 32 hex digits — Flink's ``StreamGraphHasherV2.generateUserSpecifiedHash``. uid ``count``
  gives ``b71731f1c0df9c3076c4a455334d0ad6``, as in a real Flink run.
* ``set_uid_hash("<32 hex>")``: that hash itself (Flink's user-defined operator ID).
* neither: a hash of the node's place in the graph (``generateDeterministicHash``). The nodes are visited
  breadth-first from the sources (sorted by id); a node's hash is Murmur3-128 of the number of nodes hashed
  before it, once for itself and once more per chainable output, then mixed byte by byte with its inputs'
  hashes (``h = h * 37 ^ input``). Adding, removing or re-chaining an operator before or around a stateful one
  changes its ID, and its state no longer maps: that is why Flink asks for ``uid`` on every stateful operator.

Simplification: flowlab hashes the graph as Java Flink builds it. PyFlink first fuses consecutive Python
operators (map, filter, flat_map and ``key_by``'s internal map) into one node, so in PyFlink some changes
(a new ``filter`` between ``map`` and ``key_by``) leave the generated IDs as they were; in flowlab they do not.
Generated IDs therefore never equal PyFlink's own; uid-based IDs are equal.
"""
from __future__ import annotations

import re
import struct
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowlab.graph.stream_graph import StreamNode

_M64 = (1 << 64) - 1
_C1 = 0x87C37B91114253D5
_C2 = 0x4CF5AD432745937F
_HEX32 = re.compile(r"^[0-9A-Fa-f]{32}$")


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M64


def _fmix(k: int) -> int:
    k ^= k >> 33
    k = k * 0xFF51AFD7ED558CCD & _M64
    k ^= k >> 33
    k = k * 0xC4CEB9FE1A85EC53 & _M64
    k ^= k >> 33
    return k


def murmur3_128(data: bytes, seed: int = 0) -> bytes:
    """MurmurHash3 x64 128-bit of ``data``: 16 bytes, h1 then h2, each little-endian (Guava's ``asBytes()``)."""
    h1 = h2 = seed & _M64
    n = len(data)
    full = n - n % 16
    for i in range(0, full, 16):
        k1, k2 = struct.unpack_from("<QQ", data, i)
        h1 ^= _rotl(k1 * _C1 & _M64, 31) * _C2 & _M64
        h1 = (_rotl(h1, 27) + h2) * 5 + 0x52DCE729 & _M64
        h2 ^= _rotl(k2 * _C2 & _M64, 33) * _C1 & _M64
        h2 = (_rotl(h2, 31) + h1) * 5 + 0x38495AB5 & _M64
    tail = data[full:]
    if tail:
        k1 = int.from_bytes(tail[:8], "little")
        k2 = int.from_bytes(tail[8:], "little")
        if k2:
            h2 ^= _rotl(k2 * _C2 & _M64, 33) * _C1 & _M64
        h1 ^= _rotl(k1 * _C1 & _M64, 31) * _C2 & _M64
    h1 ^= n
    h2 ^= n
    h1 = h1 + h2 & _M64
    h2 = h2 + h1 & _M64
    h1, h2 = _fmix(h1), _fmix(h2)
    h1 = h1 + h2 & _M64
    h2 = h2 + h1 & _M64
    return struct.pack("<QQ", h1, h2)


def uid_operator_id(uid: str) -> str:
    """The operator ID ``uid(uid)`` gives (Flink's ``generateUserSpecifiedHash``), 32 hex digits."""
    return murmur3_128(uid.encode("utf-8")).hex()


def check_uid_hash(uid_hash: str) -> str:
    """``set_uid_hash``'s argument as Flink accepts it: exactly 32 hex digits (returned in lower case)."""
    if not isinstance(uid_hash, str) or not _HEX32.match(uid_hash):
        raise ValueError(f"Node hash must be a 32 character String that describes a hex code. Found: {uid_hash}")
    return uid_hash.lower()


def assign_operator_ids(nodes: list[StreamNode], chainable: dict[int, list[bool]]) -> None:
    """Set ``node.operator_hash`` on every node (``chainable[node.id]``: per out edge, whether it chains).

    Raises Flink's error when two operators end up with one ID (two equal uids)."""
    by_id = {n.id: n for n in nodes}
    hashes: dict[int, bytes] = {}
    sources = sorted(n.id for n in nodes if not n.in_edges)
    queue: deque[StreamNode] = deque(by_id[i] for i in sources)
    visited = set(sources)
    while queue:
        node = queue.popleft()
        if node.uid_hash is None and node.uid is None and any(e.source.id not in hashes for e in node.in_edges):
            visited.discard(node.id)             # an input is not hashed yet: it comes back through that input
            continue
        hashes[node.id] = _node_hash(node, hashes, chainable.get(node.id, []))
        for e in node.out_edges:
            if e.target.id not in visited:
                visited.add(e.target.id)
                queue.append(e.target)
    for n in nodes:
        n.operator_hash = hashes[n.id].hex() if n.id in hashes else _orphan(n)


def _node_hash(node: StreamNode, hashes: dict[int, bytes], chainable: list[bool]) -> bytes:
    if node.uid_hash is not None:
        return bytes.fromhex(check_uid_hash(node.uid_hash))
    if node.uid is not None:
        h = murmur3_128(node.uid.encode("utf-8"))
        if h in hashes.values():
            raise ValueError(f'Hash collision on user-specified ID "{node.uid}". Most likely cause is a non-unique '
                             "ID. Please check that all IDs specified via `uid(String)` are unique.")
        return h
    position = len(hashes)
    data = struct.pack("<i", position) * (1 + sum(1 for c in chainable if c))
    h = bytearray(murmur3_128(data))
    for e in node.in_edges:
        other = hashes[e.source.id]
        for j in range(16):
            h[j] = (h[j] * 37 ^ other[j]) & 0xFF
    return bytes(h)


def _orphan(node: StreamNode) -> str:
    """A node the walk from the sources never reached (only inside a cycle, i.e. an iteration): its uid or a hash
    of its node id."""
    return uid_operator_id(node.uid) if node.uid is not None else murmur3_128(struct.pack("<i", node.id)).hex()
