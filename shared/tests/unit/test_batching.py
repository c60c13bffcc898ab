"""How the consumer gathers messages: up to the batch size at once, or what came within the wait, in arrival order."""

from __future__ import annotations

import asyncio

from pmm_chassis.messaging.batching import Batcher


class Recorder:
    def __init__(self, pause: float = 0.0) -> None:
        self.batches: list[list[int]] = []
        self.pause = pause

    async def __call__(self, items: list[int]) -> None:
        self.batches.append(items)
        await asyncio.sleep(self.pause)


async def test_what_is_waiting_goes_in_batches_of_at_most_the_size_in_arrival_order():
    applied = Recorder()
    batcher = Batcher(applied, size=4, wait_seconds=0.05)
    for i in range(10):
        batcher.add(i)
    await asyncio.sleep(0.2)
    assert applied.batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


async def test_a_lone_message_waits_no_longer_than_the_wait():
    applied = Recorder()
    batcher = Batcher(applied, size=64, wait_seconds=0.01)
    started = asyncio.get_running_loop().time()
    batcher.add(1)
    while not applied.batches:
        await asyncio.sleep(0.001)
    assert asyncio.get_running_loop().time() - started < 0.1
    assert applied.batches == [[1]]


async def test_what_arrives_while_a_batch_is_applied_makes_the_next_batch():
    applied = Recorder(pause=0.05)
    batcher = Batcher(applied, size=64, wait_seconds=0.001)
    batcher.add(1)
    await asyncio.sleep(0.01)  # the first batch is being applied
    for i in range(2, 6):
        batcher.add(i)
    await asyncio.sleep(0.2)
    assert applied.batches == [[1], [2, 3, 4, 5]]
    batcher.add(6)  # the worker stopped when nothing waited; a new message starts it again
    await asyncio.sleep(0.1)
    assert applied.batches[-1] == [6]
