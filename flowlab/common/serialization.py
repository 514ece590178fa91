"""How connectors turn records into bytes and back (``pyflink.common.serialization``).

``Encoder.simple_string_encoder()`` is what a ``FileSink`` row format writes with: each record as the text of
its Java object (``toString()``), then ``\\n``. ``SimpleStringSchema()`` is the (de)serializer a Kafka source
or sink uses for ``Types.STRING()`` values: the string's bytes in the charset, nothing else.

A PyFlink record reaches these Java classes as the Java object of its declared type: a ``Types.INT()``
record is an ``Integer`` (``"7"``), a ``Types.TUPLE([...])`` record a ``Tuple2`` (``"(a,1)"``). A stream
without a declared type holds pickled bytes there, which the encoder would write as ``[B@6d06d69c`` and the
string schema refuses; flowlab stops such a job with an explanation instead (give the stream an
``output_type``, e.g. ``map(str, output_type=Types.STRING())``).
"""
from __future__ import annotations

import codecs
from typing import Any


def _charset(name: str) -> str:
    """Check a Java charset name (``UTF-8``, ``ISO-8859-1``, ``US-ASCII``, ``UTF-16``...) and return it."""
    if not isinstance(name, str):
        raise TypeError(f"the charset must be a name such as 'UTF-8', got {name!r}")
    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown charset {name!r} (Java: java.nio.charset.UnsupportedCharsetException); use a "
                         "charset Java knows, e.g. 'UTF-8', 'ISO-8859-1', 'US-ASCII' or 'UTF-16'") from None
    return name


class SerializationSchema:
    """Turns a record into the bytes a connector writes (Flink's ``SerializationSchema``)."""

    def serialize(self, value: Any) -> bytes:
        raise NotImplementedError


class DeserializationSchema:
    """Turns the bytes a connector reads into a record (Flink's ``DeserializationSchema``)."""

    def deserialize(self, message: bytes) -> Any:
        raise NotImplementedError


class SimpleStringSchema(SerializationSchema, DeserializationSchema):
    """Strings as bytes in a charset, both ways (PyFlink's ``SimpleStringSchema(charset='UTF-8')``).

    Its records are ``Types.STRING()``; a Kafka sink with it needs a stream of that type (Java would fail with
    a ``ClassCastException`` on anything else)."""

    def __init__(self, charset: str = "UTF-8") -> None:
        self.charset = _charset(charset)

    def serialize(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"SimpleStringSchema serializes strings, got {value!r} ({type(value).__name__})")
        return value.encode(self.charset)

    def deserialize(self, message: bytes) -> str:
        return bytes(message).decode(self.charset, errors="replace")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SimpleStringSchema) and other.charset == self.charset

    def __hash__(self) -> int:
        return len(self.charset)

    def __repr__(self) -> str:
        return f"SimpleStringSchema({self.charset!r})"


class Encoder:
    """How a row-format ``FileSink`` writes one record into a part file (PyFlink's ``Encoder``)."""

    def __init__(self, charset: str = "UTF-8") -> None:
        self.charset = _charset(charset)

    @staticmethod
    def simple_string_encoder(charset_name: str = "UTF-8") -> Encoder:
        """Flink's ``SimpleStringEncoder``: the record's ``toString()`` in the charset, then a newline."""
        return Encoder(charset_name)

    def encode(self, text: str) -> bytes:
        """The bytes of one record whose Java ``toString()`` is ``text``."""
        return text.encode(self.charset) + b"\n"

    def __repr__(self) -> str:
        return f"Encoder.simple_string_encoder({self.charset!r})"


__all__ = ["DeserializationSchema", "Encoder", "SerializationSchema", "SimpleStringSchema"]
