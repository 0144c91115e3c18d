"""Any Hugging Face token-classification model, through the transformers pipeline, on character offsets.

The model is a local directory (`save_pretrained` output) or a hub id (needs network access or a
cached copy). Offsets come from the fast tokenizer's offset mapping, so spans land on the exact
characters of the input, NFD and odd spacing included; a model without a fast tokenizer is refused.

Chunking. Each document is cut into lines; a line longer than the model's window (`max_length`
tokens, special tokens included; by default the tokenizer's `model_max_length`, else the model's
position limit) is cut after sentence punctuation, then between words, then into windows of
tokens; neighbouring pieces are packed back together while they fit. Chunks only ever end at
whitespace (or, for the last level, between two tokens), every chunk is verified to fit before it is
run (so the pipeline never truncates), and chunk offsets are added back, so no character is lost.

The model reads each chunk in NFC (the pipeline decides what is a sub-word by comparing a token's
length with its text's, which glues NFD words together); spans on a chunk that was not NFC are mapped
back to the document's own characters with `TextAligner`.

Spans. Each entity's `start`/`end` are moved off leading/trailing whitespace and punctuation (sub-word
offsets sometimes include them; a closing bracket whose opener is inside the span is kept) and
widened over combining marks (NFD). Labels lose a `B-`/`I-`/`E-`/`S-`/`L-`/`U-` prefix, then go
through `label_map`: a label mapped to None is dropped and counted in `dropped`; a label missing
from the map passes through (the harness rejects labels outside the label set). A prediction that
has no offsets, or no characters left after trimming, is reported in `unaligned`, never dropped.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import VinerfactsError
from ..text import TextAligner
from .base import Prediction, SystemInfo

INSTALL_HINT = "pip install -e '.[transformers]' and torch==2.13.0 (the CPU wheel; an unpinned torch pulls CUDA builds)"
ADAPTER_VERSION = "1"  # bump when this adapter's chunking or span handling changes outputs
CHUNKING = "line>sentence>word>token-window, packed, no truncation (v1)"
AGGREGATIONS = ("none", "simple", "first", "average", "max")

# Files at or under this size are hashed whole for version(); larger ones by size, head and tail.
_FULL_HASH_LIMIT = 64 * 1024 * 1024
_SAMPLE = 1024 * 1024
# Model types whose position table includes padding offsets (2 positions fewer usable).
_PADDED_POSITIONS = {"roberta", "xlm-roberta", "camembert", "longformer", "bertweet", "phobert", "xlm-roberta-xl"}
# Tokenizers report this (or larger) when they know no limit.
_NO_LIMIT = 10**6

_TAG_PREFIX = re.compile(r"^[BIESLU]-")
_SENTENCE_END = re.compile(r"[.!?…;][\"'”’»)\]]*(\s+)")
_WORD = re.compile(r"\S+")
_CLOSERS = {")": "(", "]": "[", "}": "{", "”": "“", "’": "‘", "»": "«", "›": "‹"}


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def _is_edge_junk(ch: str) -> bool:
    """Whitespace, punctuation and invisible format/control characters: never at a span's edge."""
    cat = unicodedata.category(ch)
    return ch.isspace() or cat.startswith("P") or cat in ("Cc", "Cf")


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """`(start, end)` moved off surrounding whitespace/punctuation and widened over combining marks.

    Returns an empty span (`start == end`) when nothing but whitespace/punctuation is left.
    """
    start, end = max(0, start), min(len(text), end)
    while 0 < start < end and _is_mark(text[start]):  # began on a combining mark: take its base
        start -= 1
    while end < len(text) and 0 < end and _is_mark(text[end]):  # ended before a combining mark
        end += 1
    while start < end and (_is_edge_junk(text[start]) or _is_mark(text[start])):
        start += 1
    while start < end:
        base = end - 1  # the last character with its combining marks
        while base > start and _is_mark(text[base]):
            base -= 1
        ch = text[base]
        if not _is_edge_junk(ch):
            break
        opener = _CLOSERS.get(ch)
        if opener and text.count(opener, start, base) > text.count(ch, start, base):
            break  # `Điện lực (EVN)`: the bracket closes one opened inside the span
        end = base
    return start, end


def model_text(text: str) -> str:
    """What the model sees: the NFC form (the pipeline glues an NFD word onto the previous one, since
    it detects sub-words by comparing token and text lengths). Offsets are mapped back with TextAligner."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _strip_ws(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _looks_like_path(model: str) -> bool:
    """A string that can only be a directory (a hub id is `name` or `owner/name`)."""
    return (
        os.path.isabs(model)
        or model.startswith((".", "~"))
        or "\\" in model
        or model.endswith("/")
        or model.count("/") > 1
    )


def _hash_dir(path: Path) -> str:
    """Short sha256 over the top-level files of a model directory (what `from_pretrained` reads)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    for p in files:
        size = p.stat().st_size
        digest.update(f"{p.name}\0{size}\0".encode())
        with open(p, "rb") as f:
            if size <= _FULL_HASH_LIMIT:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            else:  # large weights: name, size, and the first and last MiB (header and last tensors)
                digest.update(f.read(_SAMPLE))
                f.seek(size - _SAMPLE)
                digest.update(f.read(_SAMPLE))
    return digest.hexdigest()[:12]


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        raise VinerfactsError(f"the transformers system needs {name}, which is not installed: {INSTALL_HINT}") from None


class TransformersSystem:
    info = SystemInfo(
        "transformers",
        "any Hugging Face token-classification model (local directory or hub id) through the transformers pipeline with offset mapping",
        offline=False,
        extra="transformers",
    )

    def __init__(
        self,
        model: str,
        *,
        label_map: dict[str, str | None] | None = None,
        device: str = "cpu",
        batch_size: int = 8,
        max_length: int | None = None,
        aggregation: str = "first",
    ):
        if not model or not isinstance(model, str):
            raise VinerfactsError("the transformers system needs a model: a local model directory or a hub id such as 'owner/name'")
        aggregation = str(aggregation).lower()
        if aggregation not in AGGREGATIONS:
            raise VinerfactsError(f"unknown aggregation {aggregation!r}: expected one of {', '.join(AGGREGATIONS)}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise VinerfactsError(f"batch_size must be a positive integer, not {batch_size!r}")
        if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
            raise VinerfactsError(f"max_length must be a positive integer or None, not {max_length!r}")
        self.model = model
        self.label_map = dict(label_map or {})
        self.device = device
        self.batch_size = batch_size
        self.max_length = max_length
        self.aggregation = aggregation
        self.dropped: Counter = Counter()  # model labels mapped to None, over every predict() call

        path = Path(model).expanduser()
        self._local = path.exists() or _looks_like_path(model)
        self._path = path if self._local else None
        if self._local:
            self._check_dir()
        self._pipe = None
        self._tokenizer = None
        self._limit = 0
        self._n_special = 0

    # ------------------------------------------------------------------ identity

    def _check_dir(self) -> None:
        path = self._path
        if not path.exists():
            raise VinerfactsError(f"model directory {str(path)!r} does not exist (give a directory written by save_pretrained, or a hub id 'owner/name')")
        if not path.is_dir():
            raise VinerfactsError(f"model {str(path)!r} is a file, not a model directory")
        if not (path / "config.json").is_file():
            raise VinerfactsError(f"model directory {str(path)!r} has no config.json: not a transformers model directory")

    def version(self) -> str:
        packages = f"transformers-{_package_version('transformers')} torch-{_package_version('torch')} adapter-{ADAPTER_VERSION}"
        if self._local:
            self._check_dir()
            return f"{packages} local:{self._path.resolve().name}@sha256:{_hash_dir(self._path)}"
        return f"{packages} hub:{self.model}@{self._hub_revision() or 'unresolved'}"

    def _hub_revision(self) -> str | None:
        """Commit of the cached copy of a hub model (the one an offline run loads), if any."""
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(self.model, "config.json")
        except Exception:  # an id the hub library rejects, an unreadable cache: no revision known
            return None
        if isinstance(cached, str):
            parts = Path(cached).parts
            if len(parts) >= 3 and parts[-3] == "snapshots":
                return parts[-2]
        return None

    def settings(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "aggregation": self.aggregation,
            "max_length": self.max_length,
            "label_map": self.label_map,
            "device": self.device,
            "unit": "line",
            "chunking": CHUNKING,
            "offsets": "fast tokenizer offset mapping; edges trimmed of whitespace/punctuation",
        }

    # ------------------------------------------------------------------ loading

    def _load(self):
        if self._pipe is not None:
            return self._pipe
        try:
            import torch
            import transformers
        except ImportError as e:
            raise VinerfactsError(f"the transformers system needs torch and transformers ({e.name or e} is not importable): {INSTALL_HINT}") from None
        if self._local:
            self._check_dir()
        source = str(self._path) if self._local else self.model
        options = {"local_files_only": True} if self._local else {}
        where = f"model directory {source!r}" if self._local else (
            f"hub model {source!r} (no local directory of that name; a hub id needs network access "
            "or a cached copy, and HF_HUB_OFFLINE=1 uses the cache without trying the network)"
        )
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(source, **options)
        except Exception as e:
            raise VinerfactsError(f"cannot load the tokenizer of {where}: {type(e).__name__}: {e}") from e
        check_fast_tokenizer(tokenizer, source)
        try:
            model = transformers.AutoModelForTokenClassification.from_pretrained(source, **options)
        except Exception as e:
            raise VinerfactsError(f"cannot load a token-classification model from {where}: {type(e).__name__}: {e}") from e
        if str(self.device).startswith("cuda") and not torch.cuda.is_available():
            raise VinerfactsError(f"device {self.device!r} asked for, but torch sees no CUDA device (torch {torch.__version__})")
        self._limit = self._window(tokenizer, model.config)
        self._n_special = tokenizer.num_special_tokens_to_add()
        if self._limit <= self._n_special:
            raise VinerfactsError(f"max_length {self._limit} leaves no room for text next to the {self._n_special} special tokens")
        tokenizer.model_max_length = self._limit  # the pipeline truncates there; chunks never reach it
        try:
            self._pipe = transformers.pipeline("token-classification", model=model, tokenizer=tokenizer, device=self.device)
        except Exception as e:
            raise VinerfactsError(f"cannot build the token-classification pipeline for {where} on device {self.device!r}: {type(e).__name__}: {e}") from e
        self._tokenizer = tokenizer
        return self._pipe

    def _window(self, tokenizer, config) -> int:
        """Tokens per chunk, special tokens included."""
        limits = []
        tok_max = getattr(tokenizer, "model_max_length", None)
        if isinstance(tok_max, int) and 0 < tok_max < _NO_LIMIT:
            limits.append(tok_max)
        positions = getattr(config, "max_position_embeddings", None)
        if isinstance(positions, int) and positions > 0:
            if getattr(config, "model_type", "") in _PADDED_POSITIONS:
                positions -= 2
            limits.append(positions)
        model_limit = min(limits) if limits else 512
        if self.max_length is None:
            return model_limit
        if self.max_length > model_limit:
            raise VinerfactsError(f"max_length {self.max_length} is larger than the model's limit of {model_limit} tokens")
        return self.max_length

    # ------------------------------------------------------------------ chunking

    def _count(self, text: str) -> int:
        ids = self._tokenizer(model_text(text), add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        return len(ids) + self._n_special

    def _fits(self, text: str, start: int, end: int) -> bool:
        return self._count(text[start:end]) <= self._limit

    def split_text(self, text: str) -> list[tuple[int, int]]:
        """Offsets `(start, end)` of the chunks of `text` run through the model, in order.

        Each chunk fits the model's window; only whitespace lies between chunks (or, inside one
        over-long word, nothing: it is cut between two tokens).
        """
        self._load()
        chunks = []
        pos = 0
        for line in text.split("\n"):
            chunks.extend(self._fit(text, pos, pos + len(line), 0))
            pos += len(line) + 1
        return chunks

    def _fit(self, text: str, start: int, end: int, level: int) -> list[tuple[int, int]]:
        start, end = _strip_ws(text, start, end)
        if start >= end:
            return []
        if self._fits(text, start, end):
            return [(start, end)]
        if level >= 2:
            return self._token_windows(text, start, end)
        if level == 0:
            cuts = [m.span(1) for m in _SENTENCE_END.finditer(text, start, end)]
            bounds = [start] + [c for span in cuts for c in span] + [end]
            pieces = [(a, b) for a, b in zip(bounds[::2], bounds[1::2]) if a < b]
        else:
            pieces = [m.span() for m in _WORD.finditer(text, start, end)]
        if len(pieces) <= 1:
            return self._fit(text, start, end, level + 1)
        return self._pack(text, pieces, level + 1)

    def _pack(self, text: str, pieces: list[tuple[int, int]], level: int) -> list[tuple[int, int]]:
        """Neighbouring pieces joined while they fit; a piece too long alone is cut at `level`."""
        out = []
        current, merged = None, False
        for a, b in pieces:
            if current is not None and self._fits(text, current[0], b):
                current, merged = (current[0], b), True
                continue
            if current is not None:
                out.extend([current] if merged else self._fit(text, *current, level))
            current, merged = (a, b), False
        out.extend([current] if merged else self._fit(text, *current, level))
        return out

    def _token_windows(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Text without whitespace, cut between tokens into windows that fit (shrunk until they do)."""
        enc = self._tokenizer(text[start:end], add_special_tokens=False, truncation=False, return_offsets_mapping=True, verbose=False)
        token_starts = []
        for a, _ in enc["offset_mapping"]:
            a += start
            while a < end and _is_mark(text[a]):  # never cut a letter from its combining marks
                a += 1
            token_starts.append(a)
        budget = self._limit - self._n_special
        while budget >= 1:
            cuts = [start] + token_starts[budget::budget] + [end]
            windows = [(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]
            if all(self._fits(text, a, b) for a, b in windows):
                return windows
            budget = min(budget - 1, budget * 3 // 4)
        raise VinerfactsError(f"cannot cut {text[start:start + 40]!r}... (offset {start}) into pieces of at most {self._limit} tokens")

    # ------------------------------------------------------------------ prediction

    def _label(self, raw: dict) -> str:
        label = raw.get("entity_group", raw.get("entity"))
        return _TAG_PREFIX.sub("", str(label))

    def predict(self, documents: list[dict]) -> list[Prediction]:
        pipe = self._load()
        plan: list[tuple[int, int]] = []  # (document index, chunk start)
        chunks: list[str] = []  # the document's characters
        inputs: list[str] = []  # what the model reads (NFC)
        for i, doc in enumerate(documents):
            if not isinstance(doc, dict) or not isinstance(doc.get("text"), str) or "id" not in doc:
                raise VinerfactsError(f"document {i}: expected {{'id', 'text': str}}, got {type(doc).__name__} {str(doc)[:80]!r}")
            text = doc["text"]
            for a, b in self.split_text(text):
                plan.append((i, a))
                chunks.append(text[a:b])
                inputs.append(model_text(text[a:b]))
        # Batching pads; a tokenizer without a pad token runs one chunk at a time (same outputs).
        batch_size = self.batch_size if self._tokenizer.pad_token_id is not None else 1
        results = pipe(inputs, batch_size=batch_size, aggregation_strategy=self.aggregation) if inputs else []
        if len(results) != len(inputs):
            raise VinerfactsError(f"the pipeline returned {len(results)} results for {len(inputs)} chunks")

        entities: list[list[dict]] = [[] for _ in documents]
        unaligned: list[list[dict]] = [[] for _ in documents]
        for (i, offset), chunk, seen, found in zip(plan, chunks, inputs, results):
            text = documents[i]["text"]
            aligner = TextAligner(seen, chunk) if found and seen != chunk else None
            for raw in found:
                label = self._label(raw)
                if label in self.label_map:
                    if self.label_map[label] is None:
                        self.dropped[label] += 1
                        continue
                    label = self.label_map[label]
                surface = str(raw.get("word", ""))
                start, end = raw.get("start"), raw.get("end")
                if start is None or end is None:
                    unaligned[i].append({"label": label, "text": surface, "near": offset, "reason": "the pipeline returned no offsets"})
                    continue
                start, end = int(start), int(end)
                if not 0 <= start <= end <= len(seen):
                    unaligned[i].append({"label": label, "text": surface, "near": offset, "reason": f"offsets {start}:{end} outside the chunk"})
                    continue
                span = aligner.map_span(start, end) if aligner else (start, end)
                a, b = trim_span(text, offset + span[0], offset + span[1]) if span else (0, 0)
                if a >= b:
                    unaligned[i].append({
                        "label": label, "text": seen[start:end] or surface, "near": offset + (span[0] if span else 0),
                        "reason": "nothing but whitespace/punctuation in the span",
                    })
                    continue
                entities[i].append({"start": a, "end": b, "label": label, "text": text[a:b]})
        out = []
        for i, doc in enumerate(documents):
            spans = sorted(entities[i], key=lambda e: (e["start"], e["end"], e["label"]))
            out.append(Prediction(doc["id"], spans, unaligned[i]))
        return out


def check_fast_tokenizer(tokenizer, model: str) -> None:
    """Offsets come from the fast tokenizer's offset mapping: a slow (Python) tokenizer has none."""
    if not getattr(tokenizer, "is_fast", False):
        raise VinerfactsError(
            f"model {model!r} has no fast tokenizer ({type(tokenizer).__name__} is a slow, Python tokenizer "
            "without offset mapping), so predictions cannot be put on character offsets; "
            "use a model that ships a tokenizer.json (a tokenizers-backed tokenizer), or convert its tokenizer"
        )
