"""Memory allocators that give freed memory back to the system, set once per process.

A worker that merges a big delivery allocates and frees arrays of hundreds of megabytes in
turn. Two allocators keep what is freed for reuse, so a worker's resident memory stayed far
above what it used (``bench/scale.py``, 10 million rows):

- Arrow's default pool (mimalloc) still held about 700 MB after a merge. The system pool is
  used instead: ``ARROW_DEFAULT_MEMORY_POOL``, which pyarrow reads when it is first imported,
  so this runs from the project package before anything imports it.
- glibc raises its mmap threshold after every large free (up to 32 MiB), so later blocks of
  a few MiB come from the heap and stay there: a worker sat at about 600 MB between chunks.
  A fixed threshold of 1 MiB maps every larger block alone and unmaps it when freed (about
  470 MB between chunks, no slower). Other C libraries have no ``mallopt``; nothing is done there.

An environment that sets either itself (``ARROW_DEFAULT_MEMORY_POOL``, ``MALLOC_MMAP_THRESHOLD_``) keeps its choice.
"""

import ctypes
import ctypes.util
import os

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD_BYTES = 1 << 20


def allocators_configure() -> None:
    """The system pool for Arrow, and glibc's mmap threshold fixed at ``MMAP_THRESHOLD_BYTES``."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        _mmap_threshold(MMAP_THRESHOLD_BYTES)


def _mmap_threshold(size: int) -> None:
    library = ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(library), "mallopt", None) if library else None
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, size)
