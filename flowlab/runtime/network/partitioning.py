"""Live channel selectors for Flink's partitioners; randomness comes from the run's seeded streams.

``select(value)`` returns the positions (within the producer's connected channels) to write to.
"""
from __future__ import annotations

import random
from abc import ABC, abstractmethod
from typing import Any

from flowlab.graph.key_groups import assign_key_to_parallel_operator
from flowlab.graph.partitioners import Partitioner
from flowlab.runtime.keys import state_key


class ChannelSelector(ABC):
    """Picks the output channel(s) of one producer subtask for a record."""

    @abstractmethod
    def select(self, value: Any) -> tuple[int, ...]:
        """Positions among the producer's connected channels."""


class ForwardSelector(ChannelSelector):
    """One channel (pointwise 1:1)."""

    def select(self, value: Any) -> tuple[int, ...]:
        return (0,)


class RoundRobinSelector(ChannelSelector):
    """REBALANCE (random start, ``(next + 1) % n``) and RESCALE (start at -1 within the local subset)."""

    def __init__(self, n: int, start: int) -> None:
        self.n = n
        self.next = start

    def select(self, value: Any) -> tuple[int, ...]:
        self.next = (self.next + 1) % self.n
        return (self.next,)


class ShuffleSelector(ChannelSelector):
    """SHUFFLE: a uniformly random channel per record, from a seeded stream."""

    def __init__(self, n: int, rng: random.Random) -> None:
        self.n = n
        self.rng = rng

    def select(self, value: Any) -> tuple[int, ...]:
        return (self.rng.randrange(self.n),)


class BroadcastSelector(ChannelSelector):
    def __init__(self, n: int) -> None:
        self.all = tuple(range(n))

    def select(self, value: Any) -> tuple[int, ...]:
        return self.all


class GlobalSelector(ChannelSelector):
    """GLOBAL: everything to the first consumer subtask."""

    def select(self, value: Any) -> tuple[int, ...]:
        return (0,)


class KeyGroupSelector(ChannelSelector):
    """HASH (``key_by``): key -> key group -> consumer subtask, exactly as PyFlink computes it."""

    def __init__(self, key_selector: Any, key_type: Any, max_parallelism: int, parallelism: int) -> None:
        self.key_selector = key_selector
        self.key_type = key_type
        self.max_parallelism = max_parallelism
        self.parallelism = parallelism
        self.cache: dict[Any, tuple[int, ...]] = {}   # key -> target; the hash is costly in Python

    def select(self, value: Any) -> tuple[int, ...]:
        key = self.key_selector(value)
        ck = state_key(key)           # 1, 1.0 and True are equal in Python but hash differently in Java
        try:
            return self.cache[ck]
        except KeyError:
            return self.target_of_new_key(key, ck)
        except TypeError:
            raise unhashable_key(key, value) from None

    def target_of_new_key(self, key: Any, ck: Any) -> tuple[int, ...]:
        """The target of a key not in the cache (``ck``: its ``state_key``), computed and remembered."""
        target = (assign_key_to_parallel_operator(key, self.max_parallelism, self.parallelism, self.key_type),)
        if len(self.cache) < 100_000:
            self.cache[ck] = target
        return target


def unhashable_key(key: Any, value: Any) -> TypeError:
    return TypeError(f"key_by: the key {key!r} of {value!r} is not hashable ({type(key).__name__}); "
                     "return an immutable key such as a str, int or tuple")


class CustomSelector(ChannelSelector):
    """CUSTOM (``partition_custom``): the user's ``partition(key, num_partitions)``."""

    def __init__(self, partitioner: Any, key_selector: Any, n: int) -> None:
        self.partitioner = partitioner
        self.key_selector = key_selector
        self.n = n

    def select(self, value: Any) -> tuple[int, ...]:
        target = self.partitioner(self.key_selector(value), self.n)
        if not isinstance(target, int) or not 0 <= target < self.n:
            raise ValueError(f"the custom partitioner returned {target!r} for {value!r}; it must return an int "
                             f"in 0..{self.n - 1} (num_partitions = {self.n})")
        return (target,)


def make_selector(p: Partitioner, n_channels: int, consumer_parallelism: int, max_parallelism: int,
                  rng: random.Random) -> ChannelSelector:
    """Build the live selector for one producer subtask's output on one edge."""
    name = p.name
    if name == "FORWARD":
        return ForwardSelector()
    if name == "REBALANCE":
        return RoundRobinSelector(n_channels, rng.randrange(n_channels))
    if name == "RESCALE":
        return RoundRobinSelector(n_channels, -1)
    if name == "SHUFFLE":
        return ShuffleSelector(n_channels, rng)
    if name == "BROADCAST":
        return BroadcastSelector(n_channels)
    if name == "GLOBAL":
        return GlobalSelector()
    if name == "HASH":
        return KeyGroupSelector(p.key_selector, p.key_type, max_parallelism, consumer_parallelism)
    if name == "CUSTOM":
        return CustomSelector(p.custom, p.key_selector, n_channels)
    raise ValueError(f"unknown partitioner {name}")
