"""Temporarily changed process environment, restored exactly afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def environment_changed(
    values: Mapping[str, str], *, removed: Iterable[str] = ()
) -> Iterator[None]:
    """`removed` unset and `values` set while the block runs; the old environment after."""
    saved = dict(os.environ)
    for name in removed:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
