"""Write the SDL of the schema to schema/schema.graphql (``python -m schema.export``), or check
that the file is current (``--check``, exit 1 when it differs)."""

from __future__ import annotations

import sys
from pathlib import Path

from schema import sdl

PATH = Path(__file__).with_name("schema.graphql")


def main(argv: list[str]) -> int:
    text = sdl()
    if "--check" in argv:
        current = PATH.read_text(encoding="utf-8") if PATH.exists() else ""
        if current != text:
            print(f"{PATH} is out of date: run python -m schema.export", file=sys.stderr)
            return 1
        return 0
    PATH.write_text(text, encoding="utf-8")
    print(f"wrote {PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
