"""A GraphQL-over-HTTP request as the service reads it: one operation, in UTF-8 JSON.

Everything here refuses with :class:`graph_api.errors.BadRequest` (the client's code
BAD_REQUEST, with its HTTP status) before any of the operation is executed:

- POST needs ``Content-Type: application/json`` (415 otherwise), with no charset but UTF-8;
- the body (or a GET's ``variables`` and ``extensions``) must be UTF-8 and JSON, nested at most
  ``max_depth`` arrays and objects deep: the depth is measured on the raw text, linearly and
  before ``json.loads`` builds anything (a body of 100,000 ``[`` never reaches the decoder);
- the document is one object (no batches, no ``null``, numbers or strings), whose ``query`` is a
  string and ``variables`` and ``extensions`` objects.

The size of a body is the service's limit (``graph_api/service/limits.py``), enforced while it
is read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from graph_api.errors import BadRequest

JSON_TYPES = ("application/json",)
# The GraphQL-over-HTTP media types of a response: the spec's own, and the legacy one that every
# client understands (the default).
GRAPHQL_RESPONSE = "application/graphql-response+json"
LEGACY_JSON = "application/json"
_KEPT = b'"[]{}'
_DROPPED = bytes(b for b in range(256) if b not in _KEPT)
_STEP = np.zeros(256, dtype=np.int32)
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in the JSON text ``raw`` (0 for a scalar), in linear
    time without building anything: backslash escapes are removed (``\\\\`` first, so that every
    quote left delimits a string), then only quotes and brackets are kept, and the brackets
    outside strings are counted. Exact for valid JSON; for invalid JSON some number that the
    decoder's own error makes moot."""
    kept = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _DROPPED)
    if not kept:
        return 0
    chars = np.frombuffer(kept, dtype=np.uint8)
    outside = (np.cumsum(chars == ord('"'), dtype=np.int32) & 1) == 0
    depth = np.cumsum(_STEP[chars] * outside, dtype=np.int32)
    return int(depth.max())


def decode_json(raw: bytes | str, max_depth: int, what: str = "the request body") -> Any:
    """``raw`` as JSON, or BadRequest: not UTF-8, not JSON, or nested deeper than ``max_depth``.
    Python's NaN and Infinity pass, as 1e309 does (it is infinite once decoded): a variable that
    holds one fails its coercion, BAD_USER_INPUT, with graphql-core's message."""
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from a percent-decoded query string
            raise BadRequest(f"{what} is not valid UTF-8") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    if json_depth(raw) > max_depth:
        raise BadRequest(f"{what} nests arrays and objects more than {max_depth} deep")
    try:
        return json.loads(text)
    except RecursionError:  # a backstop: json_depth is exact for valid JSON
        raise BadRequest(f"{what} nests arrays and objects too deep") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4,300 digits
        raise BadRequest(f"{what} is not valid JSON: {exc}") from None


def check_content_type(header: str | None) -> None:
    """A POST body must be declared JSON, in UTF-8 (the only encoding JSON has, RFC 8259)."""
    media, _, params = (header or "").partition(";")
    if media.strip().lower() not in JSON_TYPES:
        shown = media.strip() or "none"
        raise BadRequest(
            f"unsupported Content-Type {shown!r}: send the operation as application/json", 415
        )
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise BadRequest(
                f"unsupported charset {value.strip()!r}: JSON is UTF-8 (application/json; "
                "charset=utf-8, or no charset)",
                415,
            )


def operation(data: Any) -> dict[str, Any]:
    """The one operation a decoded body holds: an object with ``query`` (a string),
    ``variables`` and ``extensions`` (objects) and ``operationName`` (a string), each optional."""
    if isinstance(data, list):
        raise BadRequest(
            "batched operations (a JSON array) are not supported: send one operation per request"
        )
    if not isinstance(data, dict):
        kind = "null" if data is None else type(data).__name__
        raise BadRequest(f"the request body must be a JSON object with a query, not {kind}")
    return check_fields(data)


def check_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    for name, kinds, spelled in (
        ("query", (str,), "a string"),
        ("operationName", (str,), "a string"),
        ("variables", (dict,), "an object"),
        ("extensions", (dict,), "an object"),
    ):
        value = data.get(name)
        if value is not None and not isinstance(value, kinds):
            raise BadRequest(f"the operation's {name} must be {spelled} or null")
    if not data.get("query"):
        raise BadRequest('no GraphQL query in the request: send {"query": "..."}')
    return dict(data)


def response_media_type(accept: str | None) -> str:
    """The media type to answer in, from the client's ``Accept``: the spec's
    ``application/graphql-response+json`` when the client asks for it at least as much as for
    ``application/json``, else ``application/json`` (also without an ``Accept``, or with one that
    names neither: the spec allows answering the default rather than 406)."""
    weights: dict[str, float] = {}
    for item in (accept or "").split(","):
        media, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        weights[media] = max(weights.get(media, 0.0), q)
    spec = weights.get(GRAPHQL_RESPONSE, 0.0)
    legacy = max(
        weights.get(LEGACY_JSON, 0.0), weights.get("application/*", 0.0), weights.get("*/*", 0.0)
    )
    return GRAPHQL_RESPONSE if spec > 0 and spec >= legacy else LEGACY_JSON
