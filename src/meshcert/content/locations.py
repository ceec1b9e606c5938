"""Where the content lives: `MESHCERT_CONTENT` when set, else `content/` of the source
checkout this package runs from (an editable install, as `./scripts/run` makes).

The content is data beside the code, reviewed like code, and large enough (the task bank) that
it is not package data: a wheel does not carry it. A deployment points `MESHCERT_CONTENT` at
its copy of the folder (or of its own bank).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "MESHCERT_CONTENT"
CHECKOUT = Path(__file__).resolve().parents[3] / "content"


class ContentError(Exception):
    """Content that cannot be found, read or validated; the message names the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def content_root() -> Path:
    configured = os.environ.get(ENV)
    root = Path(configured).expanduser() if configured else CHECKOUT
    if not root.is_dir():
        hint = f"{ENV}={configured}" if configured else f"{root} (a source checkout)"
        raise ContentError(f"no content folder at {hint}: set {ENV} to the content folder")
    return root


__all__ = ["CHECKOUT", "ENV", "ContentError", "content_root"]
