"""Use cases shared by the transports: conversations, digests, workshops."""
