"""The interface every system implements, and what a prediction is.

A system reads documents (`{"id", "text"}`) and returns, per document, character-offset spans on
that same text: `{"id", "entities": [{"start", "end", "label", "text"}]}` (the harness's JSONL
format). Its own labels are mapped to the label set by `label_map`, recorded in the signature.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class SystemInfo:
    name: str
    description: str
    offline: bool  # runs without network access (bundled model or none)
    extra: str | None = None  # the pip extra it needs, if any


@dataclass
class Prediction:
    """One document's predictions plus what the adapter could not map (counted, never dropped silently)."""

    id: str
    entities: list[dict]
    unaligned: list[dict] = field(default_factory=list)

    def to_json(self, text: str | None = None) -> dict:
        out = {"id": self.id}
        if text is not None:
            out["text"] = text
        out["entities"] = self.entities
        if self.unaligned:
            out["unaligned"] = self.unaligned
        return out


class System(Protocol):
    info: SystemInfo
    label_map: dict[str, str | None]

    def version(self) -> str:
        """Version string that changes whenever the outputs may change (code, model, package)."""

    def settings(self) -> dict[str, Any]:
        """Every option that changes outputs (recorded next to the predictions and in the signature)."""

    def predict(self, documents: list[dict]) -> list[Prediction]:
        """Predictions for each `{"id", "text"}` document, in the same order."""
