"""The Telegram transport: router, polling, pacing, rate limit, webhook workers, staff desks."""
