"""Worker processes that cannot outlive the run that started them.

A build's worker processes are forked (they share the loaded pyvi model copy-on-write).
A forked child inherits every descriptor of its parent and, by default, keeps running
when the parent is SIGKILLed (re-parented to init). Two guards end it within a second
of its parent's death instead:

- Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the child when the
  parent dies;
- a pipe whose write end only the parent holds (:class:`ParentWatch`): a thread in the
  child sees end-of-file when the parent is gone, on any POSIX system.

The writer lock's descriptor is closed in every forked child by :mod:`indexer.backends.whoosh.store`
itself (``os.register_at_fork``), so a surviving child could not hold the lock either.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import signal
import sys
import threading

__all__ = ["ParentWatch", "child_guard", "set_parent_death_signal"]

_PR_SET_PDEATHSIG = 1


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux only).

    Returns False where ``prctl`` is unavailable; the pipe watch still applies there.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


class ParentWatch:
    """A pipe made by the parent before forking; children watch its read end.

    Only the parent keeps the write end open (each child closes its inherited copy
    first thing), so the read end reaches end-of-file exactly when the parent dies.
    """

    def __init__(self) -> None:
        self.parent_pid = os.getpid()
        self.read_fd, self.write_fd = os.pipe()

    def close(self) -> None:
        """Close both ends in the parent (after its workers are gone)."""
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.read_fd = self.write_fd = -1


def child_guard(watch: ParentWatch) -> None:
    """First thing in a forked worker: die with the parent, however it dies."""
    set_parent_death_signal(signal.SIGKILL)
    try:
        os.close(watch.write_fd)
    except OSError:
        pass
    if os.getppid() != watch.parent_pid:  # the parent died before the guard was set
        os._exit(1)
    thread = threading.Thread(target=_exit_on_eof, args=(watch.read_fd,), name="vnsearch-parent-watch",
                              daemon=True)
    thread.start()


def _exit_on_eof(fd: int) -> None:
    """Block until the parent's end of the pipe is closed, then end this process now."""
    while True:
        try:
            ready, _, _ = select.select([fd], [], [])
            if ready and os.read(fd, 1) == b"":
                break
        except InterruptedError:
            continue
        except OSError:
            break
    os._exit(1)
