"""The moderators' web panel: one-time sign-in links, sessions bound to one community, and
server-rendered pages served by the bot's own web server (no JavaScript needed)."""
