"""An agent hands the event loop over between inputs by time worked, not after every input."""

from __future__ import annotations

import asyncio

from streams.agents import YIELD_EVERY_S, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def paused(costs_s: list[float]) -> int:
    """How often the loop was handed over for inputs costing ``costs_s`` each."""
    clock = Clock()
    pacer = Pacer(YIELD_EVERY_S, clock)

    async def work() -> None:
        for cost in costs_s:
            clock.now += cost
            await pacer.pause()

    asyncio.run(work())
    return pacer.yields


def test_many_cheap_inputs_hand_the_loop_over_by_time_not_one_by_one():
    # 1,000 inputs of 10 us: 10 ms of work, so about 5 turns at 2 ms, not 1,000
    assert paused([10e-6] * 1000) <= 10 * 0.01 / YIELD_EVERY_S


def test_an_input_that_takes_longer_than_the_pace_hands_the_loop_over_after_it():
    assert paused([0.03] * 20) == 20


def test_the_pace_keeps_the_loop_turning_every_few_milliseconds():
    clock = Clock()
    pacer = Pacer(YIELD_EVERY_S, clock)
    gaps, last = [], 0.0

    async def work() -> None:
        nonlocal last
        for _ in range(5000):
            clock.now += 100e-6
            before = pacer.yields
            await pacer.pause()
            if pacer.yields > before:
                gaps.append(clock.now - last)
                last = clock.now

    asyncio.run(work())
    assert gaps and max(gaps) <= YIELD_EVERY_S + 100e-6 + 1e-9
