"""Name look-up with "did you mean" errors, shared by every registry (views, schemes, systems)."""
from __future__ import annotations

import difflib
from typing import Iterable

from .errors import VinerfactsError


class UnknownNameError(VinerfactsError, KeyError):
    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


def suggest(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return close[0] if close else None


def unknown_name(kind: str, name: str, known: Iterable[str]) -> UnknownNameError:
    known = sorted(known)
    close = suggest(name, known)
    hint = f"; did you mean {close!r}?" if close else ""
    return UnknownNameError(f"unknown {kind} {name!r}{hint} (known: {', '.join(known)})")
