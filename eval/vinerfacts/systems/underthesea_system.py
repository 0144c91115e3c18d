"""underthesea's default CRF `ner()` (VLSP 2016 labels), mapped back to character offsets.

underthesea returns words, not offsets, and its words are not always substrings of the input (it
normalizes tone marks, `ð`, spacing). Each line of the document is run separately (the system sees
the raw text, not the gold sentences) and its words are aligned to the line with `align_tokens`
(tone/NFC/case-insensitive). If a line's words cannot be aligned, its entities are reported as
`unaligned` (scored as false positives), never dropped.
"""
from __future__ import annotations

from ..errors import AlignmentError, VinerfactsError
from ..text import align_tokens
from .base import Prediction, SystemInfo

LABEL_MAP = {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC"}


def bio_words_to_spans(words: list[tuple[int, int]], tags: list[str]) -> list[tuple[int, int, str]]:
    """Lenient (conlleval) chunking of underthesea's word tags into character spans."""
    from ..tags import decode

    decoded = decode(tags, "IOB2", "lenient")
    return [(words[a][0], words[b - 1][1], label) for a, b, label in decoded.spans]


class UndertheseaSystem:
    info = SystemInfo("underthesea", "underthesea's default CRF ner() (VLSP 2016 labels), word-level BIO aligned back to characters", offline=True)

    def __init__(self, label_map: dict | None = None):
        self.label_map = dict(LABEL_MAP if label_map is None else label_map)

    def version(self) -> str:
        from importlib.metadata import version

        return f"underthesea-{version('underthesea')}"

    def settings(self) -> dict:
        import hashlib
        from pathlib import Path

        adapter = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
        return {"function": "underthesea.ner(line, deep=False)", "unit": "line", "chunking": "IOB2 lenient", "label_map": self.label_map, "adapter_sha256": adapter}

    def predict(self, documents: list[dict]) -> list[Prediction]:
        try:
            from underthesea import ner
        except ImportError as e:  # pragma: no cover - a dependency of the package
            raise VinerfactsError(f"underthesea is not installed: {e}") from None
        out = []
        for doc in documents:
            text = doc["text"]
            entities, unaligned = [], []
            pos = 0
            for line in text.split("\n"):
                start = pos
                pos += len(line) + 1
                if not line.strip():
                    continue
                result = ner(line)
                words = [w for w, *_ in result]
                tags = [t[-1] for t in result]
                try:
                    offsets = align_tokens(text, words, start, start + len(line))
                except AlignmentError as e:
                    for w, t in zip(words, tags):
                        if t != "O":
                            unaligned.append({"label": self.label_map.get(t[2:], t[2:]), "text": w, "near": start, "reason": str(e)})
                    continue
                for a, b, label in bio_words_to_spans(offsets, tags):
                    mapped = self.label_map.get(label, label)
                    if mapped is None:
                        continue
                    entities.append({"start": a, "end": b, "label": mapped, "text": text[a:b]})
            out.append(Prediction(doc["id"], entities, unaligned))
        return out
