"""Pure derivations from the gold annotations: views, parents, syllable and word tokens, IOB2 rows.

Everything in `dataset/` comes from here; nothing is edited by hand.
"""
from __future__ import annotations

from dataclasses import dataclass

from .corpus import Corpus, Document, Entity
from .schema import COARSE_LABELS, Schema
from .spans import Span, parent_indices, select_view
from .tags import spans_to_iob2
from .text import align_tokens, syllable_tokens

IOB2_COARSE_NAMES = ["O"] + [f"{p}-{label}" for label in COARSE_LABELS for p in ("B", "I")]


def entity_spans(doc: Document, schema: Schema, label_set: str) -> list[Span]:
    """Gold spans relabelled to a label set; spans without a class there (TITLE in coarse) are left out."""
    out = []
    for e in doc.entities:
        label = schema.map_label(e.label, label_set)
        if label is not None:
            out.append(Span(e.start, e.end, label))
    return out


def view_spans(doc: Document, schema: Schema, view: str, label_set: str) -> list[Span]:
    return select_view(entity_spans(doc, schema, label_set), view)


def entity_parents(doc: Document) -> dict[str, str | None]:
    """Entity id -> id of the smallest entity that strictly contains it."""
    spans = [e.span for e in doc.entities]
    parents = parent_indices(spans)
    return {e.id: (doc.entities[p].id if p is not None else None) for e, p in zip(doc.entities, parents)}


@dataclass
class SentenceRow:
    id: str
    document_id: str
    sentence_id: str
    zone: str
    start: int
    text: str
    tokens: list[str]
    token_starts: list[int]
    token_ends: list[int]
    ner_tags: list[str]
    ner_tags_inner: list[str]


def _sentence_rows(corpus: Corpus, tokenize) -> list[SentenceRow]:
    rows = []
    for doc in corpus.documents:
        outer = view_spans(doc, corpus.schema, "outermost", "coarse")
        inner = view_spans(doc, corpus.schema, "innermost", "coarse")
        for sent in doc.sentences:
            offsets, surface = tokenize(doc, sent)
            in_sent = lambda spans: [s for s in spans if sent.start <= s.start and s.end <= sent.end]  # noqa: E731
            zone = doc.zone_of(sent.start, sent.end)
            rows.append(
                SentenceRow(
                    id=f"{doc.id}-{sent.id}",
                    document_id=doc.id,
                    sentence_id=sent.id,
                    zone=zone.kind if zone else "",
                    start=sent.start,
                    text=doc.text[sent.start : sent.end],
                    tokens=surface,
                    token_starts=[s for s, _ in offsets],
                    token_ends=[e for _, e in offsets],
                    ner_tags=spans_to_iob2(offsets, in_sent(outer)),
                    ner_tags_inner=spans_to_iob2(offsets, in_sent(inner)),
                )
            )
    return rows


def syllable_rows(corpus: Corpus) -> list[SentenceRow]:
    def tokenize(doc, sent):
        offsets = syllable_tokens(doc.text, sent.start, sent.end)
        return offsets, [doc.text[s:e] for s, e in offsets]

    return _sentence_rows(corpus, tokenize)


@dataclass
class WordSegmentation:
    segmenter: str
    version: str
    rows: list[SentenceRow]
    splits: list[dict]  # words the segmenter put across an entity boundary, split here


def word_rows(corpus: Corpus) -> WordSegmentation:
    """Sentences word-segmented by underthesea, split wherever a gold entity boundary falls inside a word."""
    from importlib.metadata import version

    from underthesea import word_tokenize

    splits: list[dict] = []

    def tokenize(doc: Document, sent):
        boundaries = {b for e in doc.entities_in(sent.start, sent.end) for b in (e.start, e.end)}
        words = word_tokenize(doc.text[sent.start : sent.end], use_token_normalize=False)
        offsets = []
        for s, e in align_tokens(doc.text, words, sent.start, sent.end):
            cuts = sorted(b for b in boundaries if s < b < e)
            if cuts:
                splits.append({"document_id": doc.id, "sentence_id": sent.id, "word": doc.text[s:e], "at": cuts})
            edges = [s, *cuts, e]
            for a, b in zip(edges, edges[1:]):
                piece = doc.text[a:b]
                lead = len(piece) - len(piece.lstrip())
                trail = len(piece) - len(piece.rstrip())
                if b - trail > a + lead:
                    offsets.append((a + lead, b - trail))
        surface = ["_".join(doc.text[s:e].split()) for s, e in offsets]
        return offsets, surface

    rows = _sentence_rows(corpus, tokenize)
    return WordSegmentation("underthesea.word_tokenize(use_token_normalize=False)", version("underthesea"), rows, splits)


def document_rows(corpus: Corpus) -> list[dict]:
    rows = []
    for doc in corpus.documents:
        parents = entity_parents(doc)
        meta = doc.metadata
        event = meta.get("event_date") or {}
        rows.append(
            {
                "id": doc.id,
                "title": meta.get("title", ""),
                "text": doc.text,
                "language": meta.get("language"),
                "url": meta.get("url"),
                "publisher": meta.get("publisher"),
                "published_date": meta.get("published_date"),
                "event_date": event.get("value"),
                "event_date_inferred": bool(event.get("inferred", False)),
                "event_date_evidence": event.get("evidence", ""),
                "text_sha256": doc.text_sha256,
                "rights": meta.get("rights", ""),
                "license": meta.get("annotation_license", ""),
                "canary": corpus.schema.canary,
                "entities": [_entity_row(e, corpus.schema, parents[e.id]) for e in doc.entities],
                "sentences": [{"id": s.id, "start": s.start, "end": s.end} for s in doc.sentences],
                "zones": [{"start": z.start, "end": z.end, "kind": z.kind} for z in doc.zones],
            }
        )
    return rows


def _entity_row(e: Entity, schema: Schema, parent: str | None) -> dict:
    return {
        "id": e.id,
        "start": e.start,
        "end": e.end,
        "label": e.label,
        "coarse_label": schema.coarse_of(e.label),
        "text": e.text,
        "parent": parent,
    }


def raw_rows(corpus: Corpus) -> list[dict]:
    rows = []
    for raw in sorted(corpus.raw, key=lambda r: (r.document_id, r.annotator["id"])):
        rows.append(
            {
                "id": f"{raw.document_id}-{raw.annotator['id']}",
                "document_id": raw.document_id,
                "annotator": raw.annotator["id"],
                "annotator_description": raw.annotator.get("description", ""),
                "entities": [
                    {"id": e.id, "start": e.start, "end": e.end, "label": e.label, "coarse_label": corpus.schema.coarse_of(e.label), "text": e.text}
                    for e in raw.entities
                ],
                "facts": [
                    {"fact_id": f.id, "sentence_id": f.sentence, "type": f.type, "start": f.start, "end": f.end, "text": f.text,
                     "slots": [_slot_row(name, slot) for name, slot in f.slot_items()], "parts": list(f.parts)}
                    for f in raw.facts
                ],
            }
        )
    return rows


def _slot_row(name: str, slot: dict) -> dict:
    value = slot.get("value")
    return {
        "name": name,
        "start": slot["start"],
        "end": slot["end"],
        "text": slot["text"],
        "value": float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None,
        "time_value": value if isinstance(value, str) else None,
        "comparator": slot.get("comparator"),
        "measure": slot.get("measure"),
        "entity_id": slot.get("entity_id"),
        "kind": slot.get("kind"),
        "part_of_day": slot.get("part_of_day"),
        "year_inferred": slot.get("year_inferred"),
        "inferred_from": slot.get("inferred_from"),
        "open_ended": slot.get("open_ended"),
        "reference_date_used": slot.get("reference_date_used"),
    }


def fact_rows(corpus: Corpus) -> list[dict]:
    """One row per fact: evidence, slots with normalized values, part links, verification verdict."""
    from .facts import verify_quantities

    rows = []
    for doc in corpus.documents:
        entities = {e.id: e for e in doc.entities}
        verdicts = {v.fact_id: v.to_dict() for v in verify_quantities(doc, entities)}
        for f in doc.facts:
            verdict = verdicts.get(f.id)
            if verdict is not None:
                verdict = {k: v for k, v in verdict.items() if k != "fact_id"}
                if verdict["expected"] is not None:
                    verdict["expected"] = float(verdict["expected"])
            rows.append(
                {
                    "id": f"{doc.id}-{f.id}",
                    "document_id": doc.id,
                    "fact_id": f.id,
                    "sentence_id": f.sentence,
                    "type": f.type,
                    "start": f.start,
                    "end": f.end,
                    "text": f.text,
                    "slots": [_slot_row(name, slot) for name, slot in f.slot_items()],
                    "parts": list(f.parts),
                    "verification": verdict,
                }
            )
    return rows
