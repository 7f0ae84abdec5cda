"""Writing a stream of events as JSON lines, the import format of ``trustgraph import``.

Compact separators and UTF-8 without escapes keep the file small, and the same events always give
the same bytes. Lines are joined and written in blocks of 10,000 rather than one write per event,
and the progress callback is called per block, so a million-event stream costs little beyond the
encoding.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any


def write_jsonl(
    events: Iterable[dict[str, Any]], path: str, progress: Callable[[int], Any] | None = None
) -> int:
    """Write ``events`` to ``path`` as JSON lines (UTF-8); return how many were written.

    ``progress``, if given, is called with the number of events written since its previous call,
    every 10,000 events and once at the end (``tqdm(...).update`` fits).
    """
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    n = 0
    since = 0
    with open(path, "w", encoding="utf-8") as out:
        buf: list[str] = []
        for ev in events:
            buf.append(encode(ev))
            n += 1
            if len(buf) == 10_000:
                buf.append("")
                out.write("\n".join(buf))
                buf = []
                if progress is not None:
                    progress(n - since)
                    since = n
        if buf:
            buf.append("")
            out.write("\n".join(buf))
    if progress is not None and n > since:
        progress(n - since)
    return n
