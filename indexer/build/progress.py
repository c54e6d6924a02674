"""Progress display for long commands: count, rate and ETA on stderr (tqdm)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from tqdm import tqdm

__all__ = ["BuildProgress"]


class BuildProgress:
    """A :data:`indexer.build.builder.ProgressFn` that draws a tqdm bar; failures and skipped
    articles are written above it as they happen (one line each, the bar redrawn below)."""

    def __init__(self, enabled: bool = True, label: str = "indexing", echo: Callable[[str], None] | None = None):
        self.enabled = enabled
        self.label = label
        self.bar: tqdm | None = None
        self.echo = echo or (lambda msg: print(msg, file=sys.stderr))

    def __call__(self, event: str, info: object) -> None:
        if event == "start":
            self.bar = tqdm(total=info, unit="doc", desc=self.label, disable=not self.enabled,
                            file=sys.stderr, dynamic_ncols=True, mininterval=0.5, smoothing=0.1)
        elif event == "doc" and self.bar is not None:
            self.bar.update(1)
        elif event == "failure":
            if self.bar is not None:
                self.bar.update(1)
            self._line(f"failed: {info}")
        elif event == "skip":
            self._line(f"skipped: {info}")
        elif event == "end" and self.bar is not None:
            self.bar.close()

    def _line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            self.echo(text)
