"""Whole answers to badge and trust reads, kept per process beside the badge-card cache.

Front ends ask the same few operations again and again (one shop's card: the same document and
variables from every buyer looking at it), and the answer is the same bytes until derivation
rewrites one of the cards it was made of. So the view (``schema/view.py``) keeps the body of an
answer whose operation read nothing but badge cards (``schema.runtime.ReadLog``: any other read,
a mutation's included, goes through ``run_sync`` and rules it out), had no error, and came back
200, keyed by exactly what the client sent: the method, the POST body or the GET query string,
the ``Authorization`` header (hints differ by caller) and the media type it accepts. A kept
answer is served without parsing, validating or executing anything.

Trust reads (``trust``, ``trustBatch``: a recommender asks for the same buyer's candidates again
as its pages refresh) are kept the same way: their resolvers note the pseudo-card
``TRUST_READS`` (``schema.runtime.run_trust_read``), which the card cache drops whenever the
graph's TRUST writes, accepted batches or clock moved, so such an answer lives until the next
ingestion or derivation, and is as fresh as a card.

It is as fresh as the card cache (``graph_api.usecases.cards``), which it follows: an answer is
dropped with any card it was made of (``CardCache.on_drop``), is served only while the card cache
is fresh, and is kept only if no card was dropped while it was being made (the generation token,
as for cards). Bounded: at most ``size`` answers and ``MAX_TOTAL_BYTES`` of them (least recently
used out), requests of at most ``MAX_REQUEST_BYTES`` and answers of at most ``MAX_ANSWER_BYTES``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from graph_api.usecases.cards import CardCache

MAX_REQUEST_BYTES = 16_384
MAX_ANSWER_BYTES = 262_144
MAX_TOTAL_BYTES = 64 * 2**20  # of answer bodies held

Key = tuple[str, bytes, str, str]  # method, body or query string, Authorization, media type


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str  # the full content-type header
    status: int
    etag: str  # of the body, for GET (schema/view.py: ETag and 304)
    cards: frozenset[str]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


class ResponseCache:
    def __init__(self, cards: CardCache, size: int) -> None:
        self.cards = cards
        self.size = size
        self._lock = threading.Lock()
        self._answers: OrderedDict[Key, Answer] = OrderedDict()
        self._by_card: dict[str, set[Key]] = {}
        self._bytes = 0
        self.hits = 0
        cards.on_drop(self._dropped)

    def __len__(self) -> int:
        return len(self._answers)

    @staticmethod
    def key(method: str, request: bytes, authorization: str | None, media: str) -> Key | None:
        if len(request) > MAX_REQUEST_BYTES:
            return None
        return (method, request, authorization or "", media)

    def token(self) -> int | None:
        """Taken before an operation runs; hand it to :meth:`put` with its answer."""
        return self.cards.generation if self.size > 0 and self.cards.fresh() else None

    def get(self, key: Key) -> Answer | None:
        if not self.cards.fresh():
            return None
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
                self.hits += 1
            return answer

    def put(self, key: Key, answer: Answer, token: int | None) -> None:
        if token is None or len(answer.body) > MAX_ANSWER_BYTES or not answer.cards:
            return
        with self._lock:
            # Checked under this lock, which a drop takes after it moved the generation: either
            # the drop comes after this insert (and removes it) or this sees the new generation.
            if token != self.cards.generation:
                return
            self._forget(key)
            self._answers[key] = answer
            self._bytes += len(answer.body)
            for card in answer.cards:
                self._by_card.setdefault(card, set()).add(key)
            while len(self._answers) > self.size or self._bytes > MAX_TOTAL_BYTES:
                self._forget(next(iter(self._answers)))

    def _forget(self, key: Key) -> None:
        answer = self._answers.pop(key, None)
        if answer is None:
            return
        self._bytes -= len(answer.body)
        for card in answer.cards:
            keys = self._by_card.get(card)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_card[card]

    def _dropped(self, cards: set[str] | None) -> None:
        with self._lock:
            if cards is None:
                self._answers.clear()
                self._by_card.clear()
                self._bytes = 0
                return
            for card in cards:
                for key in list(self._by_card.get(card, ())):
                    self._forget(key)
