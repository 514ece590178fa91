"""Flink's ``Row`` and ``RowKind`` as PyFlink shows them (``pyflink.common.types``).

A ``Row`` holds field values by position, optionally with field names, and a ``RowKind`` saying which
change of a changelog it is. Behaviour follows PyFlink 2.x: keyword arguments keep their order, rows
with names compare by name, and ``Row("x", "y")`` is a factory for rows with those field names.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

__all__ = ["Row", "RowKind"]

_SHORT_STRINGS = ("+I", "-U", "+U", "-D")
_ROW_ATTRIBUTES = ("_fields", "_values", "_row_kind", "_from_dict")


class RowKind(Enum):
    """Flink's ``RowKind``: the kind of change a row stands for in a changelog."""

    INSERT = 0
    UPDATE_BEFORE = 1
    UPDATE_AFTER = 2
    DELETE = 3

    def short_string(self) -> str:
        """Java's ``RowKind.shortString()``: ``+I``, ``-U``, ``+U`` or ``-D`` (flowlab; PyFlink has ``str``)."""
        return _SHORT_STRINGS[self.value]

    def to_byte_value(self) -> int:
        """Java's ``RowKind.toByteValue()`` (0..3), used by ``Row.hashCode`` (flowlab; not in PyFlink)."""
        return self.value

    def __str__(self) -> str:
        return self.short_string()


def _create_row(fields: list | None, values: tuple | list, row_kind: RowKind | None = None) -> Row:
    """Rebuild a row (used by pickling and by row factories)."""
    row = Row(*values)
    if fields is not None:
        row._fields = list(fields)
    if row_kind is not None:
        row.set_row_kind(row_kind)
    return row


class Row:
    """Flink's ``Row``: field values by position, optional field names, and a ``RowKind``.

    ``Row(1, 'x')`` has positions only; ``Row(a=1, b='x')`` also has names (in the order given), and
    fields are then reachable as ``row['a']`` and ``row.a``. ``Point = Row("x", "y")`` makes a factory:
    ``Point(1, 2) == Row(x=1, y=2)``. Two named rows are equal when they have the same names, the
    same value under each name and the same kind; unnamed rows compare values in order and kind.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        if args and kwargs:
            raise ValueError("Can not use both args and kwargs to create Row")
        if kwargs:
            self._fields = list(kwargs)
            self._values = [kwargs[name] for name in self._fields]
            self._from_dict = True
        else:
            self._values = list(args)
            self._from_dict = False
        self._row_kind = RowKind.INSERT

    @staticmethod
    def of_kind(row_kind: RowKind, *args: Any, **kwargs: Any) -> Row:
        """A row of the given kind, e.g. ``Row.of_kind(RowKind.DELETE, 'a', 1)``."""
        row = Row(*args, **kwargs)
        row.set_row_kind(row_kind)
        return row

    def _names(self) -> list | None:
        return self.__dict__.get("_fields")

    def as_dict(self, recursive: bool = False) -> dict:
        """The named fields as a dict; with ``recursive``, nested rows become dicts too."""
        names = self._names()
        if names is None:
            raise TypeError("Cannot convert a Row class into dict")
        if not recursive:
            return dict(zip(names, self._values, strict=False))

        def convert(obj: Any) -> Any:
            if isinstance(obj, Row):
                return obj.as_dict(True)
            if isinstance(obj, list):
                return [convert(item) for item in obj]
            if isinstance(obj, dict):
                return {key: convert(item) for key, item in obj.items()}
            return obj

        return dict(zip(names, (convert(value) for value in self._values), strict=False))

    def get_row_kind(self) -> RowKind:
        """The kind of change this row stands for (``INSERT`` unless set)."""
        return self._row_kind

    def set_row_kind(self, row_kind: RowKind) -> None:
        """Set the kind of change this row stands for."""
        self._row_kind = row_kind

    def set_field_names(self, field_names: list) -> None:
        """Give the fields names (by position)."""
        self._fields = list(field_names)

    def get_fields_by_names(self, names: list[str]) -> list:
        """The values of the named fields, in the order of ``names``."""
        fields = self._names()
        if fields is None or list(names) == fields:
            return self._values
        missing = [name for name in names if name not in fields]
        if missing:
            raise ValueError(f"Field names {missing} not exist in {fields}.")
        return [self._values[fields.index(name)] for name in names]

    def _is_retract_msg(self) -> bool:
        return self._row_kind in (RowKind.UPDATE_BEFORE, RowKind.DELETE)

    def _is_accumulate_msg(self) -> bool:
        return self._row_kind in (RowKind.UPDATE_AFTER, RowKind.INSERT)

    def __contains__(self, item: Any) -> bool:
        names = self._names()
        return item in (names if names is not None else self._values)

    def __call__(self, *args: Any) -> Row:
        """Use this row's values as field names and make a row of ``args`` with them."""
        if len(args) > len(self):
            raise ValueError(f"Can not create Row with fields {self!r}, expected {len(self)} values "
                             f"but got {args}")
        return _create_row(self._values, args, self._row_kind)

    def _index_of(self, name: Any) -> int:
        names = self._names()
        if names is None or name not in names:
            raise ValueError(name)
        return names.index(name)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, (int, slice)):
            return self._values[item]
        return self._values[self._index_of(item)]

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, (int, slice)):
            self._values[key] = value
        else:
            self._values[self._index_of(key)] = value

    def __getattr__(self, item: str) -> Any:
        if item.startswith("_"):
            raise AttributeError(item)
        names = self.__dict__.get("_fields")
        if names is None or item not in names:
            raise AttributeError(item)
        return self._values[names.index(item)]

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in _ROW_ATTRIBUTES:
            raise AttributeError(key)
        self.__dict__[key] = value

    def __reduce__(self) -> tuple:
        return _create_row, (self._names(), tuple(self._values), self._row_kind)

    def __repr__(self) -> str:
        names = self._names()
        if names is not None:
            pairs = zip(names, self._values, strict=False)
            return "Row(" + ", ".join(f"{name}={value!r}" for name, value in pairs) + ")"
        return "<Row(" + ", ".join(repr(value) for value in self._values) + ")>"

    def _comparable(self) -> tuple:
        """What equality compares: named rows by sorted name, unnamed rows by position."""
        names = self._names()
        if names is None:
            return (None, tuple(self._values))
        by_name = dict(zip(names, self._values, strict=False))
        order = sorted(by_name)
        return (tuple(order), tuple(by_name[name] for name in order))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Row) or type(other) is not type(self):
            return False
        return self._row_kind == other._row_kind and self._comparable() == other._comparable()

    def __hash__(self) -> int:
        return hash(self._comparable()[1])

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)
