"""The bot keeps two malloc arenas however many threads allocate, as MALLOC_ARENA_MAX=2 would."""

import os
import sys

import pytest

from tests.fresh_process import fresh_report

# Threads allocating at once, then glibc's own account of its arenas (malloc_info's XML).
_ARENAS = """
import ctypes, json, os, re, tempfile, threading
from bot.malloc import limit_arenas
took = limit_arenas() if LIMIT else False
barrier = threading.Barrier(8)
def allocate():
    barrier.wait()
    held = [bytearray(2_000) for _ in range(3_000)]
    barrier.wait()
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
path = tempfile.mktemp()
stream = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(stream)); libc.fclose(ctypes.c_void_p(stream))
text = open(path).read(); os.remove(path)
print(json.dumps({"took": took, "arenas": len(re.findall(r"<heap nr=", text))}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
@pytest.mark.skipif("MALLOC_ARENA_MAX" in os.environ, reason="the operator's setting wins")
def test_the_bot_keeps_two_malloc_arenas_however_many_threads_allocate() -> None:
    unlimited = fresh_report("LIMIT = False" + _ARENAS)
    limited = fresh_report("LIMIT = True" + _ARENAS)
    assert unlimited["arenas"] > 2  # what glibc does by itself: an arena per busy thread
    assert limited["took"] is True
    assert limited["arenas"] <= 2
