"""The terminal adapter used by ``chorus demo`` (and ``chorus run --console``)."""

from adapters.console.adapter import ConsoleAdapter, create

__all__ = ["ConsoleAdapter", "create"]
