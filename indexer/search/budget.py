"""One search's allowance of time and CPU, shared by every stage of it.

A search runs in stages (retrieval, the all-but-one-word and typo fallbacks, re-scoring,
snippets, "did you mean"). Each stage checks the same :class:`Budget` before it starts
the optional work, so the whole request is bounded, not each stage on its own: a query
of made-up syllables cannot spend the retrieval limit and then as much again in its
typo walks. CPU is measured per thread (``time.thread_time``), so a busy machine does
not make a cheap query look expensive, and a wall-clock limit still bounds the answer
time when the thread is starved.
"""

from __future__ import annotations

import time

__all__ = ["Budget"]


class Budget:
    """Wall-clock seconds and CPU seconds a search may still spend."""

    def __init__(self, seconds: float, cpu_seconds: float) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + max(0.0, seconds)
        self._cpu_start = time.thread_time()
        self.cpu_seconds = max(0.0, cpu_seconds)
        self.skipped: list[str] = []  # the stages left out for want of budget

    def cpu_used(self) -> float:
        return time.thread_time() - self._cpu_start

    def left(self) -> float:
        """Seconds left: the smaller of the wall-clock and the CPU allowance."""
        return min(self.deadline - time.monotonic(), self.cpu_seconds - self.cpu_used())

    def exhausted(self) -> bool:
        return self.left() <= 0

    def wall_deadline(self) -> float:
        """A ``time.monotonic()`` deadline for code that only knows wall-clock time."""
        return time.monotonic() + max(0.0, self.left())

    def allows(self, stage: str) -> bool:
        """True when ``stage`` may run; otherwise records it as skipped."""
        if self.exhausted():
            if stage not in self.skipped:
                self.skipped.append(stage)
            return False
        return True
