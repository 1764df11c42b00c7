"""Thin platform adapters (Discord, Telegram, console) that translate into ``bot.service``."""
