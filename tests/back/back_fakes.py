"""Test doubles shared by tests/back (imported by name: pytest puts this folder on the path)."""

from __future__ import annotations


class Meter:
    """A timing meter that records every charge (cause, amount) instead of pricing it."""

    def __init__(self) -> None:
        self.charged: list[tuple[str, int]] = []

    def charge(self, cause: str, amount: int) -> None:
        self.charged.append((cause, amount))
