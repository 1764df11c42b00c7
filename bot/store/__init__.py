"""Persistence: the SQLite store and the queries of each table group.

Only this package writes SQL.
"""

from bot.store.database import Store, StoreError

__all__ = ["Store", "StoreError"]
