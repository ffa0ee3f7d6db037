"""The answer cache: replies to repeated requests, kept in the server process under one byte cap."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping

__all__ = ["ResultCache"]


class ResultCache:
    """Replies by request, least recently used first out, shared by all workers (kept in the
    server process). Every entry is accounted as the bytes of its key (the query text and
    parameters) plus its body, under one total cap, so neither many long queries nor a few big
    answers grow it past ``max_bytes``. The dataset is read-only while the server runs, so a
    reply never goes stale. Answers (status 200) are kept, and the refusals a worker marks
    ``"kept"`` (an answer over the row or byte cap, which the caps in the key decide); no other
    error (a time limit, a busy pool, a failed read) is kept.

    Examples
    --------
    >>> cache = ResultCache(10_000)
    >>> job = {"op": "sparql", "query": "ASK {}" + " " * 300}
    >>> cache.put(ResultCache.key(job), {"status": 200, "body": b"x" * 10, "type": "text/plain"})
    >>> cache.size > 300
    True
    """

    OVERHEAD = 256  # bytes counted per entry for the dict, tuple and reply around key and body

    def __init__(self, max_bytes: int) -> None:
        from collections import OrderedDict

        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(job: Mapping) -> tuple:
        return (
            job["op"],
            job.get("query"),
            job.get("name"),
            tuple(sorted((job.get("params") or {}).items())),
            job.get("accept"),
            job.get("format"),
            job.get("max_rows"),
            job.get("max_bytes"),
            job.get("dataset"),
        )

    @staticmethod
    def cost(key: tuple, reply: Mapping) -> int:
        text = sum(len(str(part)) for part in key if part is not None)
        said = len(reply.get("body", b"")) + len(reply.get("error", ""))
        return text + said + ResultCache.OVERHEAD

    def get(self, key: tuple) -> dict | None:
        with self._lock:
            reply = self.entries.get(key)
            if reply is not None:
                self.entries.move_to_end(key)
            return reply

    def put(self, key: tuple, reply: dict) -> None:
        if reply.get("status") != 200 and not reply.get("kept"):
            return
        n = self.cost(key, reply)
        if n > self.max_bytes // 8:
            return
        with self._lock:
            if key in self.entries:
                return
            self.entries[key] = reply
            self.size += n
            while self.size > self.max_bytes:
                old_key, old = self.entries.popitem(last=False)
                self.size -= self.cost(old_key, old)
