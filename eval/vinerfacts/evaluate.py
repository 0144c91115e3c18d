"""The evaluation harness: gold + predictions -> Report. No scoring logic here, only plumbing:
loading, alignment to the gold text, label mapping, views; scoring is in `scoring/`.

    report = evaluate("dataset", "preds.jsonl")            # outermost view, coarse labels
    report.to_json()["schemes"]["strict"]["micro"]["f1"]
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .errors import VinerfactsError
from .spans import VIEWS, Span, select_view

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 12345
LABEL_CHOICES = ("coarse", "fine", "gold")
FORMATS = ("dataset", "conll", "jsonl")


class EvaluationError(VinerfactsError):
    """Inputs that cannot be evaluated together (unknown labels, unknown documents, mismatched files)."""


@dataclass
class Unit:
    """One sentence: the unit of counting and of resampling."""

    id: str
    document_id: str
    zone: str | None
    start: int
    text: str | None
    gold: list[Span]
    pred: list[Span] = field(default_factory=list)
    unaligned: list[dict] = field(default_factory=list)  # predictions not alignable to the gold text: false positives
    token_line: int | None = None  # for CoNLL gold: the line of the sentence's first token


@dataclass
class Inputs:
    units: list[Unit]
    labels: list[str]
    gold_id: str
    pred_format: str
    tokenization: str
    tag_scheme: str | None = None
    decode: str | None = None
    normalization: str = "none"
    notes: dict = field(default_factory=dict)


# ---------------------------------------------------------------- reading gold


def _detect(path: Path, forced: str | None, role: str) -> str:
    if forced:
        if forced not in FORMATS:
            from .registry import unknown_name

            raise unknown_name(f"{role} format", forced, FORMATS)
        return forced
    path = Path(path)
    if path.is_dir():
        return "dataset"
    suffix = path.suffix.lower()
    if suffix in (".conll", ".txt", ".iob", ".bio"):
        return "conll"
    if suffix in (".jsonl", ".json"):
        return "jsonl"
    raise EvaluationError(f"{path}: cannot tell the {role} format from the extension {suffix!r}; use --{role}-format ({', '.join(FORMATS)})")


@dataclass
class GoldDocument:
    id: str
    text: str
    sentences: list[tuple[str, int, int]]
    zones: list[tuple[int, int, str]]
    entities: list[tuple[int, int, str, str | None]]  # start, end, fine label, coarse label
    facts: list[dict] = field(default_factory=list)  # gold facts, entity links as extents (`link`)


def read_dataset_gold(folder: Path) -> tuple[list[GoldDocument], dict]:
    """The `documents` config of a built dataset folder, and its manifest (version, hash)."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    manifest_path = folder / "vinerfacts.json"
    if not manifest_path.exists():
        raise EvaluationError(f"{folder}: not a vinerfacts dataset folder (no vinerfacts.json; build it with `vinerfacts build`)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    files = sorted((folder / "documents").glob("*.parquet"))
    if not files:
        raise EvaluationError(f"{folder}/documents: no parquet files")
    docs = []
    for f in files:
        for row in pq.read_table(f).to_pylist():
            docs.append(
                GoldDocument(
                    row["id"],
                    row["text"],
                    [(s["id"], s["start"], s["end"]) for s in row["sentences"]],
                    [(z["start"], z["end"], z["kind"]) for z in row["zones"]],
                    [(e["start"], e["end"], e["label"], e["coarse_label"]) for e in row["entities"]],
                    _gold_facts(row),
                )
            )
    return docs, manifest


def _gold_facts(row: dict) -> list[dict]:
    """Facts of a `documents` row as scoring dicts: slots by name, values merged, entity ids -> extents."""
    extent = {e["id"]: (e["start"], e["end"]) for e in row["entities"]}
    facts = []
    for f in row.get("facts") or []:
        slots: dict[str, list[dict]] = {}
        for s in f["slots"]:
            slot = {"start": s["start"], "end": s["end"]}
            value = s["value"] if s["value"] is not None else s["time_value"]
            if value is not None:
                slot["value"] = value
            if s["comparator"] is not None:
                slot["comparator"] = s["comparator"]
            if s["entity_id"] is not None:
                slot["link"] = extent.get(s["entity_id"])
            slots.setdefault(s["name"], []).append(slot)
        facts.append({"type": f["type"], "start": f["start"], "end": f["end"], "slots": {k: v[0] if len(v) == 1 else v for k, v in slots.items()}})
    return facts


def _zone_of(doc: GoldDocument, start: int, end: int) -> str | None:
    for zs, ze, kind in doc.zones:
        if zs <= start and end <= ze:
            return kind
    return None


# ---------------------------------------------------------------- labels


@dataclass
class LabelPolicy:
    """Which labels count, and how predicted labels are mapped onto them. Nothing is dropped silently:
    every mapping and every dropped prediction is counted in the report."""

    allowed: list[str]
    label_map: dict[str, str | None]
    fine_to_coarse: dict[str, str | None]
    mapped: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    unknown: Counter = field(default_factory=Counter)

    def map(self, label: str) -> str | None:
        original = label
        if label in self.label_map:
            label = self.label_map[label]
            self.mapped[f"{original}->{label}"] += 1
            if label is None:
                self.dropped[original] += 1
                return None
        if label in self.allowed:
            return label
        if label in self.fine_to_coarse:
            target = self.fine_to_coarse[label]
            self.mapped[f"{label}->{target}"] += 1
            if target is None:
                self.dropped[original] += 1
            return target
        self.unknown[original] += 1
        return None

    def raise_for_unknown(self, where: str) -> None:
        if not self.unknown:
            return
        from .registry import suggest

        parts = []
        for label, n in sorted(self.unknown.items()):
            close = suggest(label, self.allowed)
            parts.append(f"{label!r} ({n}x" + (f", did you mean {close!r}?)" if close else ")"))
        raise EvaluationError(
            f"{where}: labels outside the label set {self.allowed}: {', '.join(parts)}. "
            'Map them with --label-map FILE (a JSON object such as {"PERSON": "PER"}; null drops a label).'
        )


def load_label_map(path: Path | None) -> dict[str, str | None]:
    if path is None:
        return {}
    from .jsonio import read_json

    data = read_json(Path(path))
    if not isinstance(data, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in data.items()):
        raise EvaluationError(f"{path}: a label map is a JSON object of label -> label (or null), e.g. {{\"PERSON\": \"PER\"}}")
    return data


def _label_map_id(label_map: dict) -> str:
    if not label_map:
        return "none"
    return hashlib.sha256(json.dumps(label_map, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:8]


def _policy(labels: str, gold_docs: list[GoldDocument] | None, gold_labels: Sequence[str], label_map: dict) -> LabelPolicy:
    from .schema import COARSE_LABELS

    fine_to_coarse = {}
    if gold_docs is not None:
        for doc in gold_docs:
            for _, _, fine, coarse in doc.entities:
                fine_to_coarse[fine] = coarse
    if labels == "coarse":
        allowed = list(COARSE_LABELS)
    elif labels == "fine":
        allowed = sorted(fine_to_coarse) if fine_to_coarse else sorted(set(gold_labels))
        fine_to_coarse = {}
    elif labels == "gold":
        allowed = sorted(set(gold_labels))
        fine_to_coarse = {}
    else:
        from .registry import unknown_name

        raise unknown_name("label set", labels, LABEL_CHOICES)
    if labels != "coarse":
        fine_to_coarse = {}
    return LabelPolicy(allowed, label_map, fine_to_coarse)


# ---------------------------------------------------------------- building units


def _dataset_units(docs: list[GoldDocument], labels: str) -> list[Unit]:
    units = []
    for doc in docs:
        spans = []
        for start, end, fine, coarse in doc.entities:
            label = coarse if labels == "coarse" else fine
            if label is not None:
                spans.append(Span(start, end, label))
        for sid, s, e in doc.sentences:
            gold = [sp for sp in spans if s <= sp.start and sp.end <= e]
            units.append(Unit(f"{doc.id}-{sid}", doc.id, _zone_of(doc, s, e), s, doc.text[s:e], gold))
    return units


def _assign_to_units(units_by_doc: dict[str, list[Unit]], doc_id: str, spans: list[Span]) -> None:
    """A predicted span belongs to the sentence its first character falls in (or the next one)."""
    units = units_by_doc[doc_id]
    for span in spans:
        target = units[-1]
        for u in units:
            if span.start < u.start + len(u.text or ""):
                target = u
                break
        target.pred.append(span)


def _assign_unaligned(units: list[Unit], position: int, record: dict) -> None:
    target = next((u for u in units if position < u.start + len(u.text or "")), units[-1])
    target.unaligned.append(record)


def _jsonl_predictions(path: Path, docs: list[GoldDocument], units: list[Unit], policy: LabelPolicy) -> dict:
    from .formats.jsonl import iter_documents
    from .registry import suggest
    from .text import TextAligner

    by_id = {d.id: d for d in docs}
    units_by_doc: dict[str, list[Unit]] = {}
    for u in units:
        units_by_doc.setdefault(u.document_id, []).append(u)
    stats = Counter()
    seen = set()
    unalignable = []
    fact_pairs: dict[str, list[dict]] = {}
    fact_stats = Counter()
    for pdoc in iter_documents(path):
        if pdoc.id not in by_id:
            close = suggest(pdoc.id, by_id)
            hint = f"; did you mean {close!r}?" if close else ""
            raise EvaluationError(f"{path}:{pdoc.line}: unknown document id {pdoc.id!r}{hint} (the gold has {len(by_id)} documents)")
        seen.add(pdoc.id)
        gold_text = by_id[pdoc.id].text
        aligner = TextAligner(pdoc.text, gold_text) if pdoc.text is not None else None
        if pdoc.text is None:
            for k, e in enumerate(pdoc.entities):
                if not (0 <= e.start < e.end <= len(gold_text)):
                    raise EvaluationError(
                        f"{path}:{pdoc.line}: document {pdoc.id!r}: entities[{k}] offsets [{e.start}:{e.end}] out of range of the gold text (length {len(gold_text)})"
                    )
                if e.text is not None and gold_text[e.start : e.end] != e.text:
                    raise EvaluationError(
                        f"{path}:{pdoc.line}: document {pdoc.id!r}: entities[{k}] text {e.text!r} != gold text[{e.start}:{e.end}] {gold_text[e.start:e.end]!r} (give the line's 'text' if your offsets refer to another text)"
                    )
        spans = []
        for e in pdoc.entities:
            label = policy.map(e.label)
            if label is None:
                continue
            start, end = e.start, e.end
            if aligner is not None and not aligner.identical:
                mapped = aligner.map_span(start, end)
                if mapped is None:
                    stats["unalignable"] += 1
                    record = {"document_id": pdoc.id, "start": start, "end": end, "label": label, "text": pdoc.text[start:end]}
                    unalignable.append(record)
                    # Counted as a false positive in the sentence at the same relative position of the text.
                    where = round(start * len(gold_text) / max(1, len(pdoc.text)))
                    _assign_unaligned(units_by_doc[pdoc.id], where, record)
                    continue
                stats["aligned"] += 1
                start, end = mapped
            else:
                stats["exact_offsets"] += 1
            spans.append(Span(start, end, label))
        _assign_to_units(units_by_doc, pdoc.id, spans)
        fact_pairs[pdoc.id] = _predicted_facts(pdoc, aligner, fact_stats)
        for record in pdoc.unaligned:
            label = policy.map(record["label"])
            if label is None:
                continue
            stats["unalignable"] += 1
            entry = {"document_id": pdoc.id, "label": label, "text": record["text"], "reported_by": "system"}
            unalignable.append(entry)
            _assign_unaligned(units_by_doc[pdoc.id], record.get("near", 0), entry)
    policy.raise_for_unknown(str(path))
    missing = sorted(set(by_id) - seen)
    out = {"alignment": dict(stats), "unalignable": unalignable, "documents_without_predictions": missing}
    if any(fact_pairs.values()):
        out["facts"] = {"predicted": fact_pairs, "alignment": dict(fact_stats)}
    return out


def _predicted_facts(pdoc, aligner, stats: Counter) -> list[dict]:
    """Predicted facts with every span mapped to the gold text; a fact with an unmappable span is kept
    as an unmatchable fact (it counts as predicted, never as correct)."""
    out = []
    for fact in pdoc.facts:
        def move(span):
            if aligner is None or aligner.identical:
                return (span["start"], span["end"])
            return aligner.map_span(span["start"], span["end"])

        evidence = move(fact)
        slots, ok = {}, evidence is not None
        for name, value in fact["slots"].items():
            items = []
            for slot in value if isinstance(value, list) else [value]:
                mapped = move(slot)
                ok = ok and mapped is not None
                new = {k: v for k, v in slot.items() if k in ("value", "comparator")}
                if mapped is not None:
                    new.update(start=mapped[0], end=mapped[1])
                if "link" in slot:
                    link = move(slot["link"])
                    new["link"] = link
                items.append(new)
            slots[name] = items if isinstance(value, list) else items[0]
        if not ok:
            stats["unalignable"] += 1
            out.append({"type": "__unalignable__", "start": 0, "end": 0, "slots": {}, "original_type": fact["type"]})
            continue
        stats["aligned" if aligner is not None and not aligner.identical else "exact_offsets"] += 1
        out.append({"type": fact["type"], "start": evidence[0], "end": evidence[1], "slots": slots})
    return out


def _decode_sentences(sentences, scheme: str, mode: str, path: Path, role: str, notes: dict) -> list[list[tuple[int, int, str]]]:
    from .registry import unknown_name
    from .tags import DECODE_MODES, SCHEMES, _split, decode

    # A wrong --tag-scheme / --decode is the caller's, not a line of the file's.
    if scheme not in SCHEMES:
        raise unknown_name("tag scheme", scheme, SCHEMES)
    if mode not in DECODE_MODES:
        raise unknown_name("decode mode", mode, DECODE_MODES)
    out = []
    invalid_total = 0
    first = []
    for sent in sentences:
        try:
            decoded = decode(sent.tags, scheme, mode)
        except VinerfactsError as e:
            k = next((i for i, tag in enumerate(sent.tags) if _split(tag) is None), 0)
            raise EvaluationError(f"{path}:{sent.line + k}: {e} (sentence starting at line {sent.line})") from None
        out.append(decoded.spans)
        invalid_total += len(decoded.invalid)
        for bad in decoded.invalid:
            if len(first) < 5:
                first.append({"line": sent.line + bad.index, "tag": bad.tag, "reason": bad.reason})
    notes.setdefault("invalid_tags", {})[role] = {"count": invalid_total, "first": first, "file": str(path)}
    return out


def _conll_gold_units(path: Path, scheme: str, mode: str, notes: dict):
    from .formats.conll import read_conll

    sentences = read_conll(path)
    decoded = _decode_sentences(sentences, scheme, mode, path, "gold", notes)
    units = []
    for k, (sent, spans) in enumerate(zip(sentences, decoded)):
        units.append(
            Unit(f"s{k + 1}", f"doc{sent.document}", None, 0, " ".join(sent.tokens), [Span(a, b, label) for a, b, label in spans], token_line=sent.line)
        )
    return sentences, units


def _conll_vs_conll(gold_path: Path, pred_path: Path, scheme: str, mode: str, policy_labels: str, label_map: dict, notes: dict):
    """Gold and predictions as CoNLL files over the same tokens. Large files are scored on arrays
    (`scoring/fast.py`, the same report); this generic path runs when it declines, and gives the errors."""
    from .formats.conll import read_conll
    from .scoring.fast import conll_vs_conll

    fast = conll_vs_conll(gold_path, pred_path, scheme, mode, policy_labels, label_map, notes)
    if fast is not None:
        return fast
    gold_sents, units = _conll_gold_units(gold_path, scheme, mode, notes)
    pred_sents = read_conll(pred_path)
    counts = (
        f" (the prediction has {len(pred_sents)} sentences, the gold {len(gold_sents)}: sentences are matched one to one, in order)"
        if len(pred_sents) != len(gold_sents)
        else ""
    )
    for k, (g, p) in enumerate(zip(gold_sents, pred_sents)):
        if len(g.tokens) != len(p.tokens):
            raise EvaluationError(
                f"{pred_path}:{p.line}: sentence {k + 1} has {len(p.tokens)} tokens, the gold sentence at {gold_path}:{g.line} has {len(g.tokens)}{counts}"
            )
        for i, (gt, pt) in enumerate(zip(g.tokens, p.tokens)):
            if gt != pt:
                raise EvaluationError(f"{pred_path}:{p.line + i}: token {pt!r} differs from the gold token {gt!r} at {gold_path}:{g.line + i}")
    if len(pred_sents) > len(gold_sents):
        extra = pred_sents[len(gold_sents)]
        raise EvaluationError(f"{pred_path}:{extra.line}: sentence {len(gold_sents) + 1} has no gold sentence in {gold_path}{counts}")
    if len(pred_sents) < len(gold_sents):
        missing = gold_sents[len(pred_sents)]
        raise EvaluationError(
            f"{pred_path}:{pred_sents[-1].line}: the predictions end with sentence {len(pred_sents)} here, but the gold sentence {len(pred_sents) + 1} at {gold_path}:{missing.line} has none{counts}"
        )
    decoded = _decode_sentences(pred_sents, scheme, mode, pred_path, "pred", notes)
    gold_labels = sorted({s.label for u in units for s in u.gold})
    policy = _policy(policy_labels, None, gold_labels, label_map)
    for u in units:
        for s in u.gold:
            if s.label not in policy.allowed:
                raise EvaluationError(
                    f"{gold_path}:{u.token_line}: gold label {s.label!r} is outside the label set {policy.allowed} (use --labels gold for CoNLL files with other types)"
                )
    for u, spans in zip(units, decoded):
        for a, b, label in spans:
            mapped = policy.map(label)
            if mapped is not None:
                u.pred.append(Span(a, b, mapped))
    policy.raise_for_unknown(str(pred_path))
    notes["tokens"] = sum(len(s.tokens) for s in gold_sents)
    notes["token_accuracy"] = _token_accuracy(gold_sents, pred_sents)
    return units, policy


def _token_accuracy(gold_sents, pred_sents) -> float | None:
    total = correct = 0
    for g, p in zip(gold_sents, pred_sents):
        total += len(g.tags)
        correct += sum(1 for a, b in zip(g.tags, p.tags) if a == b)
    return correct / total if total else None


def _conll_predictions_on_dataset(path: Path, docs: list[GoldDocument], units: list[Unit], scheme: str, mode: str, policy: LabelPolicy, notes: dict):
    """CoNLL predictions of any tokenization, aligned token by token to the gold documents in order."""
    from .errors import AlignmentError
    from .formats.conll import read_conll
    from .text import align_tokens

    sentences = read_conll(path)
    decoded = _decode_sentences(sentences, scheme, mode, path, "pred", notes)
    tokens = [t for s in sentences for t in s.tokens]
    lines = [s.line + k for s in sentences for k in range(len(s.tokens))]
    separator = "\n\n"
    full = separator.join(d.text for d in docs)
    try:
        offsets = align_tokens(full, tokens)
    except AlignmentError as e:
        import re

        m = re.match(r"token (\d+) ", str(e))
        where = f"{path}:{lines[int(m.group(1))]}" if m else str(path)
        raise EvaluationError(f"{where}: cannot align the CoNLL tokens to the gold text: {e}") from None
    starts = []
    pos = 0
    for d in docs:
        starts.append(pos)
        pos += len(d.text) + len(separator)
    units_by_doc: dict[str, list[Unit]] = {}
    for u in units:
        units_by_doc.setdefault(u.document_id, []).append(u)
    k = 0
    per_doc: dict[str, list[Span]] = {d.id: [] for d in docs}
    for sent, spans in zip(sentences, decoded):
        for a, b, label in spans:
            s_char, e_char = offsets[k + a][0], offsets[k + b - 1][1]
            d = max(i for i, st in enumerate(starts) if st <= s_char)
            mapped = policy.map(label)
            if mapped is not None:
                per_doc[docs[d].id].append(Span(s_char - starts[d], e_char - starts[d], mapped))
        k += len(sent.tokens)
    policy.raise_for_unknown(str(path))
    for doc_id, spans in per_doc.items():
        _assign_to_units(units_by_doc, doc_id, spans)
    notes["alignment"] = {"tokens": len(tokens), "aligned_tokens": len(offsets)}


# ---------------------------------------------------------------- the API


def load_inputs(
    gold: Path | str = "dataset",
    pred: Path | str = "predictions.jsonl",
    *,
    labels: str = "coarse",
    tag_scheme: str = "IOB2",
    decode: str = "strict",
    label_map: dict | Path | None = None,
    gold_format: str | None = None,
    pred_format: str | None = None,
) -> Inputs:
    gold, pred = Path(gold), Path(pred)
    label_map = load_label_map(label_map) if not isinstance(label_map, dict) else label_map
    gold_fmt = _detect(gold, gold_format, "gold")
    pred_fmt = _detect(pred, pred_format, "pred")
    notes: dict = {}
    if gold_fmt == "jsonl":
        raise EvaluationError(f"{gold}: JSONL is a prediction format; the gold is a dataset folder or a CoNLL file")
    if gold_fmt == "conll":
        if pred_fmt != "conll":
            raise EvaluationError(f"{pred}: character-span predictions need the dataset folder as gold (a CoNLL gold has no text to align to)")
        units, policy = _conll_vs_conll(gold, pred, tag_scheme, decode, labels, label_map, notes)
        gold_id = f"conll:{gold.name}#{_file_hash(gold)}"
        tokenization = "conll"
    else:
        docs, manifest = read_dataset_gold(gold)
        units = _dataset_units(docs, "coarse" if labels == "coarse" else "fine")
        gold_labels = sorted({s.label for u in units for s in u.gold})
        policy = _policy(labels, docs, gold_labels, label_map)
        if pred_fmt == "jsonl":
            notes.update(_jsonl_predictions(pred, docs, units, policy))
            tokenization = "chars"
        else:
            _conll_predictions_on_dataset(pred, docs, units, tag_scheme, decode, policy, notes)
            tokenization = "conll-aligned"
        gold_id = f"{manifest.get('name', 'dataset')}-{manifest.get('version', '?')}#{manifest.get('annotations_sha256', '?')[:12]}"
    notes["label_mapping"] = {"map": _label_map_id(label_map), "mapped": dict(policy.mapped), "dropped": dict(policy.dropped)}
    if gold_fmt == "dataset" and "facts" in notes:
        notes["facts"]["gold"] = {d.id: d.facts for d in docs}
        notes["facts"]["tokens"] = {d.id: d.text for d in docs}
    uses_tags = gold_fmt == "conll" or pred_fmt == "conll"
    return Inputs(
        units=units,
        labels=policy.allowed,
        gold_id=gold_id,
        pred_format=pred_fmt,
        tokenization=tokenization,
        tag_scheme=tag_scheme if uses_tags else None,
        decode=decode if uses_tags else None,
        normalization="nfc+fold-align" if pred_fmt == "jsonl" else ("fold-align" if tokenization == "conll-aligned" else "none"),
        notes=notes,
    )


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def evaluate(
    gold: Path | str = "dataset",
    pred: Path | str = "predictions.jsonl",
    *,
    view: str = "outermost",
    labels: str = "coarse",
    tag_scheme: str = "IOB2",
    decode: str = "strict",
    label_map: dict | Path | None = None,
    gold_format: str | None = None,
    pred_format: str | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    errors: bool = True,
):
    """Score predictions against the gold; see the README for every option's semantics."""
    from .report import build_report

    if view not in VIEWS:
        from .registry import unknown_name

        raise unknown_name("view", view, VIEWS)
    inputs = load_inputs(
        gold, pred, labels=labels, tag_scheme=tag_scheme, decode=decode, label_map=label_map, gold_format=gold_format, pred_format=pred_format
    )
    return build_report(inputs, view=view, labels=labels, resamples=resamples, seed=seed, errors=errors)


def view_units(units: list[Unit], view: str) -> list[tuple[list[Span], list[Span]]]:
    return [(select_view(u.gold, view), select_view(u.pred, view)) for u in units]
