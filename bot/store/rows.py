"""Rows read by column name: a row type's fields are its SELECT list, and a fetched row becomes
the type by keyword, so adding or reordering a column cannot shift a value into the wrong field."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def names(row_type: type[Any]) -> tuple[str, ...]:
    """The column names of a dataclass row type, in field order."""
    return tuple(f.name for f in fields(row_type))


def columns(row_type: type[Any], table: str = "", **exprs: str) -> str:
    """The SELECT list that reads ``row_type``: each field by its column name (qualified by the
    ``table`` alias if given), or by the expression ``exprs`` names for it, aliased to the field."""
    prefix = f"{table}." if table else ""
    return ", ".join(
        f"{exprs[name]} AS {name}" if name in exprs else f"{prefix}{name}"
        for name in names(row_type)
    )


def read(row_type: type[T], row: Sequence[Any], **decode: Callable[[Any], Any]) -> T:
    """A row fetched with :func:`columns` as ``row_type``, each value passed by its column's
    name (through ``decode`` for the columns stored as text, e.g. JSON)."""
    values = dict(zip(names(row_type), row, strict=True))
    for name, decoder in decode.items():
        values[name] = decoder(values[name])
    return row_type(**values)


def insert(table: str, values: Mapping[str, Any]) -> str:
    """An INSERT naming each column and binding it by name (run with ``values`` as parameters)."""
    return (
        f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(f':{n}' for n in values)})"
    )
