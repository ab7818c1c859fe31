"""Python's cycle collector, paused while a meeting's tens of thousands of small objects are read and counted."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cycle collector off (usable as a decorator).

    Reading and counting a large meeting allocates acyclic objects only (reference counting frees them), yet each
    allocation burst triggers collections that walk every live object: a third of a 10,000-premises tally.
    Nested or concurrent uses are safe: only the outermost one that found the collector on turns it back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
