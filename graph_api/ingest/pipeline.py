"""The write pipeline of every bulk input path (``trustgraph import``, ``seed``, ``consume``): the
caller parses and validates batch N+1 while one writer thread records batch N in the graph.

    caller thread                          writer thread
    -------------                          -------------
    validate batch N+1  --submit-->  [queue of ``depth``]  -->  write(batch N): one transaction
    done(batch N-1)     <--results--  [results, in order]  <--

- One writer thread, fed in submission order: batch N+1 is written after batch N committed (the
  events of one order, which the caller batches in order, stay in order).
- ``done(batch, result)`` runs in the *caller's* thread, in submission order, once the batch's
  write has returned: where the caller records what only a committed batch may record (the
  consumer's offset commit, a rejects file). It runs inside :meth:`submit`, :meth:`poll` and
  :meth:`drain`, so a caller that owns a non-thread-safe client (the Kafka consumer) keeps it in
  its own thread.
- The queue is bounded (``depth`` batches waiting, plus the one being written): :meth:`submit`
  blocks while it is full, so memory holds a few batches, not the stream.
- An error of the writer surfaces in the caller, from the next :meth:`submit`, :meth:`poll` or
  :meth:`drain`, after the ``done`` of every batch committed before it; the batches behind the
  failed one are not written. The pipeline stays failed: every later call raises the same error.
- :meth:`drain` waits until every submitted batch is written and handed to ``done``;
  :meth:`close` stops the writer after the batch it is writing and drops the queued ones (what
  an error or an interrupt in the caller wants). As a context manager: drain, then close; on an
  exception, close only.

``threaded=False`` writes each batch inside :meth:`submit`, in the caller's thread, and hands it
to ``done`` at once: for a writer that is all Python (the bulk path), where a second thread only
takes turns with the first for the interpreter lock.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

B = TypeVar("B")
R = TypeVar("R")

# Batches waiting for the writer (the one being written not counted).
DEFAULT_DEPTH = 2


class PipelineClosed(RuntimeError):
    """A batch was submitted to a closed pipeline (a caller's bug)."""


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class WritePipeline(Generic[B, R]):
    """``write`` (in the writer thread) then ``done`` (in the caller's), per batch, in order."""

    def __init__(
        self,
        write: Callable[[B], R],
        done: Callable[[B, R], object],
        *,
        depth: int = DEFAULT_DEPTH,
        threaded: bool = True,
        name: str = "trustgraph-writer",
    ) -> None:
        self._write = write
        self._done = done
        self._threaded = threaded
        self._batches: queue.Queue[B | None] = queue.Queue(maxsize=max(1, depth))
        self._results: queue.Queue[tuple[B, R] | _Failed] = queue.Queue()
        self._stopping = threading.Event()  # the writer drops what it has not started
        self._error: BaseException | None = None
        self._in_flight = 0  # submitted, not yet handed to done (the caller's count)
        self._closed = False
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name=name, daemon=True)
            self._thread.start()

    # -- the writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        while (batch := self._batches.get()) is not None:
            if self._stopping.is_set():
                continue  # keep taking, so a caller never blocks on a full queue
            try:
                self._results.put((batch, self._write(batch)))
            except BaseException as exc:  # raised again in the caller's thread
                self._stopping.set()
                self._results.put(_Failed(exc))

    # -- the caller's side -------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Batches submitted and not yet handed to ``done``."""
        return self._in_flight

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, batch: B) -> None:
        """Queue ``batch`` for the writer (blocking while ``depth`` batches wait), after handing
        the batches written so far to ``done``."""
        if self._closed:
            raise PipelineClosed("submit to a closed write pipeline")
        self.poll()
        if not self._threaded:
            self._raise_if_failed()
            try:
                result = self._write(batch)
            except BaseException as exc:
                self._error = exc
                raise
            self._done(batch, result)
            return
        self._in_flight += 1
        self._batches.put(batch)

    def poll(self) -> None:
        """Hand every batch written so far to ``done``, without waiting; raise the writer's
        error once the batches before it are handed over."""
        while self._in_flight and self._hand_one(block=False):
            pass
        self._raise_if_failed()

    def drain(self) -> None:
        """Wait until every submitted batch is written and handed to ``done``."""
        while self._in_flight:
            self._hand_one(block=True)
        self._raise_if_failed()

    def close(self) -> None:
        """Stop the writer after the batch it is writing (the queued ones are dropped: call
        :meth:`drain` first to keep them) and wait for it. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._stopping.set()
            self._batches.put(None)  # the writer drops the queued batches, so this has room soon
            self._thread.join()
        self._in_flight = 0

    def __enter__(self) -> WritePipeline[B, R]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                self.drain()
        finally:
            self.close()

    def _hand_one(self, *, block: bool) -> bool:
        try:
            got = self._results.get(block=block)
        except queue.Empty:
            return False
        if isinstance(got, _Failed):
            self._error = got.error
            self._in_flight = 0  # nothing behind a failed batch is written
            return False
        self._in_flight -= 1
        batch, result = got
        self._done(batch, result)
        return True

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error
