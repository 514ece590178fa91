"""``OutputTag``: names a side output (PyFlink's ``pyflink.datastream.output_tag``)."""
from __future__ import annotations

import zlib
from typing import Any

from flowlab.common.typeinfo import Types


class OutputTag:
    """A side output's name and type. Operators emit to it by yielding ``(output_tag, value)``.

    As in PyFlink, the type is optional (no type = pickled Python objects; a list = a Row of those
    types). Java's Flink insists on a type; PyFlink does not, and neither does flowlab.
    """

    def __init__(self, tag_id: str, type_info: Any = None) -> None:
        if not isinstance(tag_id, str) or not tag_id:
            raise ValueError("OutputTag tag_id cannot be None or empty string, e.g. OutputTag('late', "
                             "Types.STRING())")
        self.tag_id = tag_id
        if type_info is None:
            type_info = Types.PICKLED_BYTE_ARRAY()
        elif isinstance(type_info, list):
            type_info = Types.ROW(type_info)
        self.type_info = type_info

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OutputTag) and other.tag_id == self.tag_id

    def __hash__(self) -> int:
        return zlib.crc32(self.tag_id.encode())

    def __repr__(self) -> str:
        return f"OutputTag({self.tag_id!r}, {self.type_info!r})"
