"""The virtual time state access costs, per backend (a flowlab model; Flink has no such setting).

Simplification: every read or write of keyed state costs a fixed time, plus, on RocksDB, a time per byte
(de)serialised. Defaults, in nanoseconds of virtual time:

=========================================  =======  ==========================================================
key                                        default  why
=========================================  =======  ==========================================================
``flowlab.state.heap.access-cost-ns``      100      a hash-map lookup of an object on the JVM heap
``flowlab.state.rocksdb.access-cost-ns``   1500     a JNI call into RocksDB (memtable / block cache lookup)
``flowlab.state.rocksdb.byte-cost-ns``     2        serialising or deserialising each byte of key and value
=========================================  =======  ==========================================================

So a small RocksDB access costs about 15–20 times a heap access — the order of magnitude Flink's docs
describe (RocksDB: "all reads/writes ... have to go through de-/serialization ... more expensive than
always working with the on-heap representation"). Operator state and broadcast state always live on the
heap and cost nothing extra. Costs accumulate in ns and are charged to the subtask's busy time in whole µs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HEAP_ACCESS_KEY = "flowlab.state.heap.access-cost-ns"
ROCKSDB_ACCESS_KEY = "flowlab.state.rocksdb.access-cost-ns"
ROCKSDB_BYTE_KEY = "flowlab.state.rocksdb.byte-cost-ns"


@dataclass(frozen=True)
class StateCosts:
    heap_access_ns: int = 100
    rocksdb_access_ns: int = 1500
    rocksdb_byte_ns: int = 2

    @staticmethod
    def from_conf(conf: dict[str, Any]) -> StateCosts:
        d = StateCosts()
        return StateCosts(_ns(conf, HEAP_ACCESS_KEY, d.heap_access_ns), _ns(conf, ROCKSDB_ACCESS_KEY, d.rocksdb_access_ns),
                          _ns(conf, ROCKSDB_BYTE_KEY, d.rocksdb_byte_ns))


def _ns(conf: dict[str, Any], key: str, default: int) -> int:
    raw = conf.get(key)
    if raw is None:
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{key} must be a whole number of nanoseconds >= 0, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{key} must be >= 0 ns, got {value}")
    return value
