"""The building blocks of flowlab's state serialization: the ``Serializer`` contract, varints, and the few
layouts both the typed and the untyped encodings use (see ``serializers.py`` and ``untyped.py``)."""
from __future__ import annotations

import datetime
import struct
from typing import Any

from flowlab.common.row import RowKind

_LONG = struct.Struct(">q")
_INT = struct.Struct(">i")
_SHORT = struct.Struct(">h")
_BYTE = struct.Struct(">b")
_CHAR = struct.Struct(">H")
_FLOAT = struct.Struct(">f")
_DOUBLE = struct.Struct(">d")
_EPOCH = datetime.datetime(1970, 1, 1)
_ROW_KINDS = list(RowKind)


def write_varint(n: int, out: bytearray) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


class Serializer:
    """Writes one value to a ``bytearray`` and reads it back from ``(bytes, position)``."""

    name = "?"

    def write(self, value: Any, out: bytearray) -> None:
        raise NotImplementedError

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        raise NotImplementedError

    def __deepcopy__(self, memo: dict) -> Serializer:
        return self            # stateless: time-travel snapshots share it

    def dumps(self, value: Any) -> bytes:
        out = bytearray()
        self.write(value, out)
        return bytes(out)

    def loads(self, buf: bytes) -> Any:
        return self.read(buf, 0)[0]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class _Struct(Serializer):
    def __init__(self, st: struct.Struct, name: str) -> None:
        self.st, self.name = st, name

    def write(self, value: Any, out: bytearray) -> None:
        out += self.st.pack(value)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return self.st.unpack_from(buf, pos)[0], pos + self.st.size


class _Bool(Serializer):
    name = "Boolean"

    def write(self, value: Any, out: bytearray) -> None:
        out.append(1 if value else 0)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return buf[pos] == 1, pos + 1


class _String(Serializer):
    name = "String"

    def write(self, value: Any, out: bytearray) -> None:
        data = value.encode("utf-8", "surrogatepass")
        write_varint(len(data), out)
        out += data

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        n, pos = read_varint(buf, pos)
        return bytes(buf[pos:pos + n]).decode("utf-8", "surrogatepass"), pos + n


class _BigInt(Serializer):
    name = "BigInteger"

    def write(self, value: Any, out: bytearray) -> None:
        data = value.to_bytes((value.bit_length() + 8) // 8, "big", signed=True)
        write_varint(len(data), out)
        out += data

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        n, pos = read_varint(buf, pos)
        return int.from_bytes(buf[pos:pos + n], "big", signed=True), pos + n


class Nullable(Serializer):
    """A marker byte (0 = None, 1 = a value) in front of the inner serializer."""

    def __init__(self, inner: Serializer) -> None:
        self.inner, self.name = inner, f"{inner.name}?"

    def write(self, value: Any, out: bytearray) -> None:
        if value is None:
            out.append(0)
        else:
            out.append(1)
            self.inner.write(value, out)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        if buf[pos] == 0:
            return None, pos + 1
        return self.inner.read(buf, pos + 1)


STRING = _String()
BOOL = _Bool()
BIG_INT = _BigInt()
