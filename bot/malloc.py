"""glibc's malloc, told not to keep an arena of freed memory for every thread.

glibc gives each thread that allocates while another holds the main arena an arena of its own
(up to eight per core), and memory freed in one is reused only by the threads that allocate
there: the bot's database worker threads, the theme assigner's and the web server's each keep
what they once used. Two arenas took the bot's peak from 410 to 392 MiB with a million problems
stored (docs/BENCHMARKS.md). The same as ``MALLOC_ARENA_MAX=2`` in the environment, which
``deploy/innspill.service`` sets, but for every way of starting the bot; an operator's own
``MALLOC_ARENA_MAX`` wins.
"""

import ctypes
import logging
import os

log = logging.getLogger(__name__)
ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_arenas(count: int = ARENAS) -> bool:
    """Let malloc keep at most ``count`` arenas (before threads start); tell whether it took."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False  # read by glibc at start: the operator's setting is already in force
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False  # not glibc (musl, macOS): nothing to tune
    done = bool(mallopt(_M_ARENA_MAX, count))
    if not done:
        log.debug("mallopt(M_ARENA_MAX) refused")
    return done
