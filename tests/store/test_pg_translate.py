"""The query modules are written once, with ``?`` and ``:name`` parameters; PostgreSQL numbers
them ``$n``. A mistranslation would bind a member's value to the wrong column, so it is pinned."""

from __future__ import annotations

import pytest

from bot.store.postgres import translate


@pytest.mark.parametrize(
    ("sql", "params", "expected", "args"),
    [
        ("SELECT a FROM t WHERE b = ? AND c = ?", (1, "x"),
         "SELECT a FROM t WHERE b = $1 AND c = $2", [1, "x"]),
        # a named parameter used twice binds one value, once
        ("INSERT INTO t (a, b, c) VALUES (:now, :who, :now)", {"who": "w", "now": 2.0},
         "INSERT INTO t (a, b, c) VALUES ($1, $2, $1)", [2.0, "w"]),
        # literals keep their question marks and colons; casts keep their double colon
        ("SELECT '?', 'a:b', x::text FROM t WHERE y = ?", ("v",),
         "SELECT '?', 'a:b', x::text FROM t WHERE y = $1", ["v"]),
        ("SELECT 'it''s ?' FROM t WHERE y = ?", (3,), "SELECT 'it''s ?' FROM t WHERE y = $1", [3]),
        ('SELECT "odd?name" FROM t WHERE y = :y', {"y": 4},
         'SELECT "odd?name" FROM t WHERE y = $1', [4]),
    ],
)  # fmt: skip
def test_parameters_are_numbered_in_order_and_literals_are_left_alone(
    sql: str, params: object, expected: str, args: list[object]
) -> None:
    assert translate(sql, params) == (expected, args)  # type: ignore[arg-type]


def test_a_missing_named_parameter_is_an_error_not_a_null() -> None:
    with pytest.raises(KeyError):
        translate("UPDATE t SET a = :a WHERE id = :id", {"a": 1})
