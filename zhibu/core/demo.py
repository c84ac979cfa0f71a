"""The demo district is built in steps; each area adds its step, and each step is idempotent."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Step:
    label: str
    order: int
    run: Callable


steps: list[Step] = []


def step(label: str, order: int = 50):
    def register(fn):
        steps.append(Step(label, order, fn))
        return fn

    return register
