"""Progress display for long commands: count, rate and ETA on stderr (tqdm)."""

from __future__ import annotations

import sys
from typing import Callable

from tqdm import tqdm

__all__ = ["BuildProgress"]


class BuildProgress:
    """A :data:`indexer.build.builder.ProgressFn` that draws a tqdm bar and collects failures."""

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
                self.bar.write(f"skipped: {info}", file=sys.stderr)
            else:
                self.echo(f"skipped: {info}")
        elif event == "end" and self.bar is not None:
            self.bar.close()
