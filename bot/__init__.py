"""Innspill's I/O: Telegram, the terminal chat, the scheduler, settings and the CLI."""
