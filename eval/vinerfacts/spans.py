"""The one span type: `(start, end, label)` on a document's NFC text, end exclusive, everywhere."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

VIEWS = ("outermost", "innermost", "all")


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    label: str

    def __post_init__(self):
        if not (isinstance(self.start, int) and isinstance(self.end, int)):
            raise TypeError(f"span offsets must be int, got {self.start!r}, {self.end!r}")
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"span [{self.start}:{self.end}] is empty or reversed")

    @property
    def extent(self) -> tuple[int, int]:
        return (self.start, self.end)

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Span") -> bool:
        """True when `other` lies inside this span and is not the same extent."""
        return self.start <= other.start and other.end <= self.end and self.extent != other.extent

    def crosses(self, other: "Span") -> bool:
        """Partial overlap: neither contains the other (the one nesting VLSP forbids)."""
        return (
            self.overlaps(other)
            and self.extent != other.extent
            and not self.contains(other)
            and not other.contains(self)
        )


def parent_indices(spans: Sequence[Span]) -> list[int | None]:
    """For each span, the index of the smallest span that strictly contains it, or None."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, -spans[i].end))
    parents: list[int | None] = [None] * len(spans)
    stack: list[int] = []
    for i in order:
        while stack and not spans[stack[-1]].contains(spans[i]):
            stack.pop()
        parents[i] = stack[-1] if stack else None
        stack.append(i)
    return parents


def select_view(spans: Iterable[Span], view: str) -> list[Span]:
    """`outermost`: spans inside no other; `innermost`: spans containing no other; `all`: every level."""
    items = sorted(set(spans), key=lambda s: (s.start, -s.end, s.label))
    if view == "all":
        return items
    if view == "outermost":
        return [s for s in items if not any(o.contains(s) for o in items)]
    if view == "innermost":
        return [s for s in items if not any(s.contains(o) for o in items)]
    from .registry import unknown_name

    raise unknown_name("view", view, VIEWS)
