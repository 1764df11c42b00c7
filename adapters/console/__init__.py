"""The terminal adapter used by ``chorus demo`` (and ``chorus run --console``)."""

from adapters.console.adapter import ConsoleAdapter

__all__ = ["ConsoleAdapter"]
