"""The one reader of the policy file, and the one error every part of the policy raises.

Each section loader (``scoring.trust_policy``, ``scoring.buyer_weight``, ``scoring.rings``,
``scoring.entity_policy``) walks the parsed TOML document with :class:`PolicyTable`: a table
that knows its key path and reads typed values from itself (numbers with bounds, integers,
booleans, strings, lists of allowed names, sub-tables). Whatever is wrong - a missing key, a
value of the wrong type or out of range, an unknown key (a probable typo) - is a
:class:`PolicyError` naming the full key path, in one format::

    trust.decay.half_life_days: trust.decay.half_life_days must be > 0, got -5

that is ``{path}: {sentence}``, where the sentence (:attr:`PolicyError.sentence`) says the same on
its own: ``{path} {problem}``. The location comes first so a reader can scan for the key; the
sentence reads alone where the location is shown elsewhere. :func:`scoring.policy.parse_policy`
puts the file in front (``mine.toml: ...``). A problem with the document as a whole (not TOML,
unknown top-level tables) has the empty path and the message is just the problem.

Sections whose dataclass checks its own ranges in ``__post_init__`` (so that a policy built
directly or with ``dataclasses.replace`` is held to the same rules) read their fields with
:meth:`PolicyTable.build` and check them with :func:`check` / :func:`check_range`, which raise
the same error. Pure: no I/O, nothing from outside ``scoring``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import typing
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["PolicyError", "PolicyTable", "check", "check_range", "keys_of", "policy_version"]

P = ParamSpec("P")
T = TypeVar("T")
D = TypeVar("D", bound="DataclassInstance")


class PolicyError(ValueError):
    """A policy value is missing, of the wrong type, out of range or unknown.

    ``path`` is the dotted key path (``""`` for the document as a whole), ``problem`` what is wrong
    with it (``"must be > 0, got -5"``), ``source`` the file it came from, if known.
    """

    def __init__(self, path: str, problem: str, source: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.source = source
        located = f"{path}: {self.sentence}" if path else self.sentence
        super().__init__(f"{source}: {located}" if source else located)

    @property
    def sentence(self) -> str:
        """The error as one sentence naming the key, without the location in front of it."""
        return f"{self.path} {self.problem}" if self.path else self.problem

    def in_source(self, source: str) -> PolicyError:
        """The same error, said of the file ``source``."""
        return PolicyError(self.path, self.problem, source)

    def __reduce__(self) -> tuple[type[PolicyError], tuple[str, str, str | None]]:
        return PolicyError, (self.path, self.problem, self.source)


def check(ok: bool, path: str, problem: str) -> None:
    """Raise ``PolicyError(path, problem)`` unless ``ok``."""
    if not ok:
        raise PolicyError(path, problem)


def _text(x: float) -> str:
    """A bound as people write it: 0 and 1, not 0.0 and 1.0."""
    return str(int(x)) if isinstance(x, float) and x.is_integer() else repr(x)


def _range_problem(
    value: float, gt: float | None, ge: float | None, lt: float | None, le: float | None
) -> str | None:
    """What is wrong with ``value`` for these bounds (``"must be in [0, 1], got 1.5"``), or None.
    NaN is in no range."""
    if (
        not math.isnan(value)
        and (gt is None or value > gt)
        and (ge is None or value >= ge)
        and (lt is None or value < lt)
        and (le is None or value <= le)
    ):
        return None
    low = f"({_text(gt)}" if gt is not None else f"[{_text(ge)}" if ge is not None else None
    high = f"{_text(lt)})" if lt is not None else f"{_text(le)}]" if le is not None else None
    if low is not None and high is not None:
        rule = f"in {low}, {high}"
    elif gt is not None:
        rule = f"> {_text(gt)}"
    elif ge is not None:
        rule = f">= {_text(ge)}"
    elif lt is not None:
        rule = f"< {_text(lt)}"
    elif le is not None:
        rule = f"<= {_text(le)}"
    else:  # no bounds: NaN
        rule = "a number"
    return f"must be {rule}, got {value!r}"


def check_range(
    value: float,
    path: str,
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
) -> None:
    """Raise a :class:`PolicyError` unless ``value`` is within the bounds (``gt``: greater than,
    ``ge``: at least, ``lt``: less than, ``le``: at most)."""
    problem = _range_problem(value, gt, ge, lt, le)
    if problem is not None:
        raise PolicyError(path, problem)


def keys_of(cls: type[DataclassInstance], *, exclude: Collection[str] = ()) -> frozenset[str]:
    """The keys of a policy table that is read into ``cls``: its ``__init__`` fields."""
    return frozenset(f.name for f in dataclasses.fields(cls) if f.init and f.name not in exclude)


def _known_keys(key: str, known: Collection[str]) -> str:
    """``(known: a, b)``, with the closest known key first if ``key`` looks like a typo of it."""
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"({hint}known: {', '.join(sorted(known))})"


class PolicyTable:
    """Typed reads from one table of the policy document; every error names the key path.

    ``keys``, when given, are all the keys the table may hold: any other key is rejected at once
    (before a missing key is reported, since a typo usually is the reason a key is missing).
    Without ``keys`` the table takes any key (a table of names, or the document, whose other
    tables belong to other loaders).
    """

    def __init__(self, value: object, path: str = "", keys: Collection[str] | None = None) -> None:
        if not isinstance(value, Mapping):
            raise PolicyError(path, f"must be a table, got {value!r}")
        self.path = path
        self._data: Mapping[str, object] = value
        if keys is not None:
            self._reject_unknown(keys)

    def _reject_unknown(self, keys: Collection[str]) -> None:
        unknown = sorted(str(k) for k in self._data if k not in keys)
        if not unknown:
            return
        if self.path:
            raise PolicyError(
                self.key_path(unknown[0]), f"is not a known key {_known_keys(unknown[0], keys)}"
            )
        # The document itself: all of its unknown top-level keys at once.
        raise PolicyError("", f"unknown top-level keys {unknown} {_known_keys(unknown[0], keys)}")

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, problem: str, key: str | None = None) -> PolicyError:
        """An error about ``key`` of this table (or the table itself), for the caller to raise."""
        return PolicyError(self.key_path(key) if key is not None else self.path, problem)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        """The keys, in the file's order."""
        return iter(self._data)

    def value(self, key: str) -> object:
        """The value of ``key`` as it is (for a value of several types, which the caller checks)."""
        if key not in self._data:
            raise PolicyError(self.key_path(key), "is missing")
        return self._data[key]

    # --- typed reads ----------------------------------------------------------------------------

    def table(self, key: str, keys: Collection[str] | None = None) -> PolicyTable:
        """The sub-table ``key`` (see the class for ``keys``)."""
        return PolicyTable(self.value(key), self.key_path(key), keys)

    def number(
        self,
        key: str,
        *,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        finite: bool = True,
        keep_int: bool = False,
    ) -> float:
        """A number (an integer or a float, not a boolean) within the bounds, as a float.

        ``finite=False`` also takes infinity (within the bounds); NaN is never a number here.
        ``keep_int`` returns an integer of the file as the int it is.
        """
        v = self.value(key)
        # bool is an int in Python; `true` for a weight is a typo, not 1.0.
        if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
            raise PolicyError(self.key_path(key), f"must be a number, got {v!r}")
        if finite and math.isinf(v):
            raise PolicyError(self.key_path(key), f"must be a finite number, got {v!r}")
        check_range(v, self.key_path(key), gt=gt, ge=ge, lt=lt, le=le)
        return v if keep_int and isinstance(v, int) else float(v)

    def integer(self, key: str, *, ge: int | None = None, le: int | None = None) -> int:
        """An integer (not a boolean, not a float such as 2.0) within the bounds."""
        v = self.value(key)
        if isinstance(v, bool) or not isinstance(v, int):
            raise PolicyError(self.key_path(key), f"must be an integer, got {v!r}")
        check_range(v, self.key_path(key), ge=ge, le=le)
        return v

    def boolean(self, key: str) -> bool:
        v = self.value(key)
        if not isinstance(v, bool):
            raise PolicyError(self.key_path(key), f"must be true or false, got {v!r}")
        return v

    def string(self, key: str, allowed: Collection[str] | None = None) -> str:
        """A non-empty string, one of ``allowed`` if given."""
        v = self.value(key)
        if not isinstance(v, str) or not v:
            raise PolicyError(self.key_path(key), f"must be a non-empty string, got {v!r}")
        if allowed is not None and v not in allowed:
            raise PolicyError(
                self.key_path(key), f"must be one of {', '.join(sorted(allowed))}, got {v!r}"
            )
        return v

    def names(
        self, key: str, allowed: Collection[str] | None = None, *, lower: bool = False
    ) -> frozenset[str]:
        """A list of non-empty strings, each one of ``allowed`` if given
        (lower-cased with ``lower``)."""
        v = self.value(key)
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
            raise PolicyError(self.key_path(key), f"must be a list of non-empty strings, got {v!r}")
        found: list[str] = v
        if allowed is not None:
            unknown = sorted(set(found) - set(allowed))
            if unknown:
                raise PolicyError(
                    self.key_path(key),
                    f"has unknown names {unknown!r} (allowed: {', '.join(sorted(allowed))})",
                )
        return frozenset(x.lower() for x in found) if lower else frozenset(found)

    def optional(
        self, key: str, read: Callable[Concatenate[str, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        """``read(key, ...)`` (one of the reads above) if the table has ``key``, else None."""
        return read(key, *args, **kwargs) if key in self._data else None

    def build(self, cls: type[D], /, *, keep_int: bool = False, **given: object) -> D:
        """``cls(**fields)`` with every ``__init__`` field of the dataclass ``cls`` not in ``given``
        read from this table by its annotated type (``int``: :meth:`integer`, ``float``:
        :meth:`number`); the table may hold no other key.

        For sections whose dataclass checks its own ranges in ``__post_init__``: numbers are read
        without bounds, infinity included, and the class says what is in range.
        """
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls) if f.init and f.name not in given]
        # A field in ``given`` may still be a key of the table: the caller read it (an optional
        # key, say), so it is known.
        self._reject_unknown([*names, *(g for g in given if g in self._data)])
        values: dict[str, object] = dict(given)
        for name in names:
            kind = hints[name]
            if kind is int:
                values[name] = self.integer(name)
            elif kind is float:
                values[name] = self.number(name, finite=False, keep_int=keep_int)
            else:  # a programming error, not a policy one
                raise TypeError(
                    f"{cls.__name__}.{name}: build reads int and float fields only, not {kind!r}"
                )
        return cls(**values)


def policy_version(document: PolicyTable, version: str | None = None) -> str:
    """The policy's version: ``version`` if given (drafts, what-if runs), else the document's
    top-level ``version``; a non-empty string or an integer."""
    if version is None:
        if "version" not in document:
            raise PolicyError(
                "version", "is missing: set it at the top of the policy file or pass version="
            )
        raw = document.value("version")
    else:
        raw = version
    if isinstance(raw, bool) or not isinstance(raw, (str, int)) or raw == "":
        raise PolicyError("version", f"must be a non-empty string or an integer, got {raw!r}")
    return str(raw)
