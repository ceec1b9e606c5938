"""The install error: one message istioctl or helm prints after `Error: `."""

from __future__ import annotations


class InstallError(Exception):
    """A bad IstioOperator, --set path, value or profile; `str()` is the user's message."""
