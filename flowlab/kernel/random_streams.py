"""Named, seeded random streams: one generator per purpose, derived from the run's seed.

Deriving each stream from ``sha256(seed, name)`` means adding a new consumer of randomness never
shifts the numbers another consumer sees, and no process-salted ``hash()`` is involved.
"""
from __future__ import annotations

import hashlib
import random


class RandomStreams:
    """``streams.get("shuffle/v2[0]")`` returns the same ``random.Random`` for the same seed and name."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, random.Random] = {}

    def get(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            digest = hashlib.sha256(f"{self.seed}\x00{name}".encode()).digest()
            stream = random.Random(int.from_bytes(digest[:8], "big"))
            self._streams[name] = stream
        return stream
