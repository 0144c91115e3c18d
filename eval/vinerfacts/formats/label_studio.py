"""Label Studio (https://labelstud.io): labeling config, task export (annotations or pre-annotations), import.

Pure functions, standard library only; the CLI reads and writes the files.

How our annotations map onto Label Studio's text regions and relations
----------------------------------------------------------------------

* The labeling config (`labeling_config`) has one `Text` object (`text`, value `$text`) and two
  `Labels` controls on it: `label` (one `Label` per entity label of the schema, its description as
  `hint`) and `fact` (one `Label` per fact type for the fact's evidence span, and one per
  `"<type>.<slot>"` for the slot spans). `Relations` declares one `Relation` per slot name plus
  `link`. Regions may nest and overlap freely.
* An entity is a region of `label` whose region id is our entity id (`e001`, ...). Label Studio
  keeps region ids, so an entity keeps its id through a round trip; a region drawn in Label Studio
  gets a fresh random id and comes back as a new entity (id None, numbered by `merge_document`).
* A fact is an evidence region of `fact` labeled with the fact type, whose region id is our fact
  id (`f004`). Each slot span is a region of `fact` labeled `"<type>.<slot>"` with a stable id
  `"<fact id>.<slot>.<n>"` (`f004.quantity.0`; n is the position in a multiple slot's list) and a
  relation evidence -> slot labeled with the slot name. A slot's `entity_id` is a relation
  slot -> entity region labeled `link`. On import the roles come from the regions' labels, so the
  relations' direction does not matter; a relation label, when given, must agree with the region.
* Values that are not spans live in the region's **meta** (`"meta": {"text": ["<JSON object>"]}`,
  the "Meta" field of a region in Label Studio's region panel, kept in its JSON export):
  for an evidence region, the fact's other fields (`sentence`, `parts`); for a slot region, its
  normalized fields (`value`, `comparator`, `measure`, the time fields) and `span_text`, the slot
  text they were computed from; for an entity region, any extra field of the entity (none in gold).
  A slot region without meta comes back without normalized fields (the validator recomputes and
  checks them); a slot region moved or resized in Label Studio, whose text is no longer its
  `span_text`, comes back without the fields computed from the text (`value`, `comparator`, the
  time fields: see `facts.QUANTITY_FIELDS`, `facts.TIME_FIELDS`) but keeps the chosen `measure`.
* Offsets: Label Studio's `start`/`end` index the JavaScript string, in UTF-16 code units; ours
  index Python code points. They differ after any character outside the BMP (emoji): the export
  converts with `py_to_utf16` and the import with `utf16_to_py`, then checks `value.text`.

Import reads Label Studio's "JSON" export (a list of tasks with `annotations[*].result`) and takes,
for each task, the latest annotation that is not cancelled (see `from_label_studio`).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

from ..facts import QUANTITY_FIELDS, TIME_FIELDS
from ..merge import FormatError, ImportedAnnotations, _next_id  # _next_id: the ids merge_document gives new items

TEXT_NAME = "text"
ENTITY_CONTROL = "label"
FACT_CONTROL = "fact"
LINK = "link"
SPAN_TEXT = "span_text"  # meta key: the slot text that the normalized fields were computed from
COMPUTED_FIELDS = QUANTITY_FIELDS + TIME_FIELDS  # computed from a slot's text: stale once the span moves

_ENTITY_COLORS = ("#f28e2b", "#4e79a7", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac")
_FACT_COLOR = "#d3d3d3"
_SLOT_COLOR = "#a0cbe8"

_ENTITY_KEYS = ("id", "start", "end", "label", "text")
_FACT_KEYS = ("id", "type", "start", "end", "text", "slots")
_SLOT_KEYS = ("start", "end", "text", "entity_id")


# ---------------------------------------------------------------- offsets


class _Offsets:
    """Code point <-> UTF-16 code unit offsets of one text (identity when the text is all BMP)."""

    def __init__(self, text: str):
        self.length = len(text)
        self.bmp = len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text)  # lone surrogates: 1 unit, as in JS
        if self.bmp:
            self.length16 = self.length
            return
        units = [0]
        for ch in text:
            units.append(units[-1] + (2 if ord(ch) > 0xFFFF else 1))
        self.units = units
        self.index = {u: i for i, u in enumerate(units)}
        self.length16 = units[-1]

    def to_utf16(self, offset: int) -> int:
        if not 0 <= offset <= self.length:
            raise ValueError(f"offset {offset} is outside the text (0..{self.length})")
        return offset if self.bmp else self.units[offset]

    def from_utf16(self, offset: int) -> int:
        if not 0 <= offset <= self.length16:
            raise ValueError(f"UTF-16 offset {offset} is outside the text (0..{self.length16} code units)")
        if self.bmp:
            return offset
        if offset not in self.index:
            raise ValueError(f"UTF-16 offset {offset} falls inside a surrogate pair (between the two halves of a character outside the BMP)")
        return self.index[offset]


def py_to_utf16(text: str, offset: int) -> int:
    """The JavaScript (UTF-16 code unit) offset of Python (code point) `offset` in `text`."""
    return _Offsets(text).to_utf16(offset)


def utf16_to_py(text: str, offset: int) -> int:
    """The Python (code point) offset of JavaScript (UTF-16) `offset`; ValueError inside a surrogate pair."""
    return _Offsets(text).from_utf16(offset)


# ---------------------------------------------------------------- labeling config


def _slot_labels(schema) -> list[tuple[str, str, str]]:
    """(fact type, slot name, "type.slot") for every slot of every fact type, in schema order."""
    return [(ftype, name, f"{ftype}.{name}") for ftype, slots in (schema.fact_types or {}).items() for name in slots]


def labeling_config(schema) -> str:
    """The Label Studio labeling config (XML) for the schema's entity labels, fact types and slots."""
    view = ET.Element("View")
    entities = ET.SubElement(view, "Labels", {"name": ENTITY_CONTROL, "toName": TEXT_NAME})
    for k, label in enumerate(schema.labels.values()):
        attrs = {"value": label.name, "background": _ENTITY_COLORS[k % len(_ENTITY_COLORS)]}
        if label.description:
            attrs["hint"] = label.description
        ET.SubElement(entities, "Label", attrs)
    facts = ET.SubElement(view, "Labels", {"name": FACT_CONTROL, "toName": TEXT_NAME})
    for ftype, slots in (schema.fact_types or {}).items():
        ET.SubElement(facts, "Label", {"value": ftype, "background": _FACT_COLOR, "hint": f"evidence span of a {ftype} fact"})
        for name, spec in slots.items():
            attrs = {"value": f"{ftype}.{name}", "background": _SLOT_COLOR}
            hint = " ".join(x for x in (f"slot {name} of a {ftype} fact" + (" (required)" if spec.required else "") + ".", spec.description) if x)
            attrs["hint"] = hint
            ET.SubElement(facts, "Label", attrs)
    relations = ET.SubElement(view, "Relations")
    names = list(dict.fromkeys(name for _, name, _ in _slot_labels(schema)))
    for name in names + [LINK]:
        ET.SubElement(relations, "Relation", {"value": name})
    ET.SubElement(view, "Text", {"name": TEXT_NAME, "value": "$" + TEXT_NAME})
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode") + "\n"


# ---------------------------------------------------------------- export


def _meta(fields: dict) -> dict:
    return {"text": [json.dumps(fields, ensure_ascii=False)]}


def _region(doc_id: str, rid: str, control: str, label: str, item: dict, text: str, offsets: _Offsets, meta: dict | None) -> dict:
    start, end = item["start"], item["end"]
    if not (0 <= start < end <= len(text)) or item.get("text", text[start:end]) != text[start:end]:
        raise FormatError(f"document {doc_id!r}: {rid} offsets [{start}:{end}] do not match its text {item.get('text')!r}")
    region = {
        "id": rid,
        "from_name": control,
        "to_name": TEXT_NAME,
        "type": "labels",
        "value": {"start": offsets.to_utf16(start), "end": offsets.to_utf16(end), "text": text[start:end], "labels": [label]},
    }
    if meta:
        region["meta"] = _meta(meta)
    return region


def _relation(from_id: str, to_id: str, label: str) -> dict:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [label]}


def document_result(doc: dict, text: str, schema) -> list[dict]:
    """The Label Studio `result` list of one annotation file: entity regions, fact and slot regions, relations."""
    doc_id = doc.get("id")
    offsets = _Offsets(text)
    regions: list[dict] = []
    relations: list[dict] = []
    entity_ids = set()
    for e in doc.get("entities", []):
        if e["label"] not in schema.labels:
            raise FormatError(f"document {doc_id!r}: entity {e['id']} has label {e['label']!r}, not in the schema (labels: {', '.join(schema.labels)})")
        extra = {k: v for k, v in e.items() if k not in _ENTITY_KEYS}
        regions.append(_region(doc_id, e["id"], ENTITY_CONTROL, e["label"], e, text, offsets, extra))
        entity_ids.add(e["id"])
    fact_types = schema.fact_types or {}
    for fact in doc.get("facts", []):
        fid, ftype = fact["id"], fact["type"]
        if ftype not in fact_types:
            raise FormatError(f"document {doc_id!r}: fact {fid} has type {ftype!r}, not in the schema (fact types: {', '.join(fact_types)})")
        extra = {k: v for k, v in fact.items() if k not in _FACT_KEYS}
        regions.append(_region(doc_id, fid, FACT_CONTROL, ftype, fact, text, offsets, extra))
        for name, value in fact["slots"].items():
            if name not in fact_types[ftype]:
                raise FormatError(f"document {doc_id!r}: fact {fid} has slot {name!r}, not a slot of a {ftype} fact (slots: {', '.join(fact_types[ftype])})")
            for n, slot in enumerate(value if isinstance(value, list) else [value]):
                sid = f"{fid}.{name}.{n}"
                fields = {k: v for k, v in slot.items() if k not in _SLOT_KEYS}
                meta = {SPAN_TEXT: text[slot["start"]:slot["end"]], **fields} if fields else None
                regions.append(_region(doc_id, sid, FACT_CONTROL, f"{ftype}.{name}", slot, text, offsets, meta))
                relations.append(_relation(fid, sid, name))
                if "entity_id" in slot:
                    if slot["entity_id"] not in entity_ids:
                        raise FormatError(f"document {doc_id!r}: fact {fid} slot {name} links to {slot['entity_id']!r}, not an entity of the document")
                    relations.append(_relation(sid, slot["entity_id"], LINK))
    return regions + relations


def to_label_studio(items: list[tuple[dict, str]], schema, as_predictions: bool = False, model_version: str | None = None) -> list[dict]:
    """Label Studio tasks (a JSON list to import into a project), one per (annotation file, text).

    Task ids are 1, 2, ... in the order given; `data.document_id` names the document. The regions go
    in `annotations` (to review or correct the gold) or, with `as_predictions`, in `predictions` with
    `model_version` (pre-annotation: Label Studio shows them for an annotator to accept or fix).
    """
    tasks = []
    for n, (doc, text) in enumerate(items, 1):
        result = document_result(doc, text, schema)
        task: dict = {"id": n, "data": {TEXT_NAME: text, "document_id": doc["id"]}}
        if as_predictions:
            prediction: dict = {"result": result}
            if model_version is not None:
                prediction = {"model_version": model_version, **prediction}
            task["predictions"] = [prediction]
        else:
            task["annotations"] = [{"result": result}]
        tasks.append(task)
    return tasks


# ---------------------------------------------------------------- import


def _timestamp(value) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


_EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc)


def _latest_annotation(task: dict, where: str) -> dict:
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        raise FormatError(f"{where}: 'annotations' is not a list")
    kept = [(k, a) for k, a in enumerate(annotations) if isinstance(a, dict) and not a.get("was_cancelled")]
    if not kept:
        what = f"all {len(annotations)} annotations are cancelled" if annotations else "no annotations"
        if task.get("predictions"):
            what += " (only predictions, which are not imported: accept or submit them in Label Studio first)"
        raise FormatError(f"{where}: {what}; nothing to import")

    def key(pair):
        k, a = pair
        return (_timestamp(a.get("updated_at")) or _timestamp(a.get("created_at")) or _EPOCH, k)

    return max(kept, key=key)[1]


def _parse_meta(region: dict, where: str) -> dict:
    meta = region.get("meta")
    if not meta:
        return {}
    raw = meta.get("text") if isinstance(meta, dict) else None
    if isinstance(raw, list):
        raw = "\n".join(str(x) for x in raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    try:
        fields = json.loads(raw)
    except (TypeError, json.JSONDecodeError) as e:
        raise FormatError(f"{where}: meta text {raw!r} is not JSON ({e})") from None
    if not isinstance(fields, dict):
        raise FormatError(f"{where}: meta text {raw!r} is not a JSON object")
    return fields


class _Region:
    __slots__ = ("id", "kind", "label", "fact_type", "slot", "start", "end", "text", "meta", "where")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)


def _read_region(item: dict, text: str, offsets: _Offsets, schema, where_task: str) -> _Region:
    rid = item.get("id")
    where = f"{where_task}: region {rid!r}"
    if not isinstance(rid, str) or not rid:
        raise FormatError(f"{where}: a labels result without a region id")
    control = item.get("from_name")
    if control not in (ENTITY_CONTROL, FACT_CONTROL):
        raise FormatError(f"{where}: from_name {control!r} is not a control of the labeling config (expected {ENTITY_CONTROL!r} or {FACT_CONTROL!r})")
    if item.get("to_name", TEXT_NAME) != TEXT_NAME:
        raise FormatError(f"{where}: to_name {item.get('to_name')!r} is not the text object {TEXT_NAME!r}")
    value = item.get("value")
    if not isinstance(value, dict):
        raise FormatError(f"{where}: no value")
    labels = value.get("labels")
    if not isinstance(labels, list) or len(labels) != 1:
        raise FormatError(f"{where}: expected exactly one label, found {labels!r}")
    label = labels[0]
    fact_type = slot = None
    if control == ENTITY_CONTROL:
        kind = "entity"
        if label not in schema.labels:
            from ..registry import suggest

            close = suggest(str(label), schema.labels)
            raise FormatError(f"{where}: unknown entity label {label!r}" + (f"; did you mean {close!r}?" if close else "") + f" (labels: {', '.join(schema.labels)})")
    else:
        fact_types = schema.fact_types or {}
        if label in fact_types:
            kind, fact_type = "fact", label
        else:
            ftype, _, name = str(label).partition(".")
            if ftype not in fact_types or name not in fact_types[ftype]:
                known = list(fact_types) + [full for _, _, full in _slot_labels(schema)]
                raise FormatError(f"{where}: unknown fact label {label!r} (expected a fact type or 'type.slot': {', '.join(known)})")
            kind, fact_type, slot = "slot", ftype, name
    start16, end16 = value.get("start"), value.get("end")
    if type(start16) is not int or type(end16) is not int:
        raise FormatError(f"{where}: offsets {start16!r}, {end16!r} are not integers (a text region has integer start and end)")
    try:
        start, end = offsets.from_utf16(start16), offsets.from_utf16(end16)
    except ValueError as e:
        raise FormatError(f"{where}: offsets [{start16}:{end16}] (UTF-16) do not match the text: {e}; label {label!r}, text {value.get('text')!r}") from None
    if start >= end:
        raise FormatError(f"{where}: empty or reversed span [{start16}:{end16}] (UTF-16), label {label!r}")
    if "text" in value and value["text"] != text[start:end]:
        raise FormatError(
            f"{where}: offsets [{start16}:{end16}] (UTF-16; [{start}:{end}] in code points) do not match its text {value['text']!r}: "
            f"the text there is {text[start:end]!r}"
        )
    return _Region(id=rid, kind=kind, label=label, fact_type=fact_type, slot=slot, start=start, end=end,
                   text=text[start:end], meta=_parse_meta(item, where), where=where)


def _document(task: dict, texts: dict[str, str], source: str, k: int) -> tuple[str, str, str]:
    if not isinstance(task, dict):
        raise FormatError(f"{source}: item {k} is not a task object")
    tid = task.get("id", f"#{k}")
    data = task.get("data")
    if not isinstance(data, dict):
        raise FormatError(f"{source}: task {tid}: no data object")
    doc_id = data.get("document_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise FormatError(f"{source}: task {tid}: data has no document_id (tasks exported by vinerfacts carry one; found {doc_id!r})")
    where = f"{source}: task {tid} (document {doc_id!r})"
    if doc_id not in texts:
        raise FormatError(f"{where}: unknown document id {doc_id!r} (not a document of the annotations)")
    text = texts[doc_id]
    theirs = data.get(TEXT_NAME)
    if theirs != text:
        if not isinstance(theirs, str):
            raise FormatError(f"{where}: data.text is {type(theirs).__name__}, not the document's text")
        first = next((i for i, (a, b) in enumerate(zip(theirs, text)) if a != b), min(len(theirs), len(text)))
        raise FormatError(
            f"{where}: data.text differs from the document's text at offset {first} "
            f"({theirs[first:first + 20]!r} vs {text[first:first + 20]!r}); a document's text never changes after it is added"
        )
    return doc_id, text, where


def _containing_sentence(current: dict | None, start: int, end: int) -> str | None:
    for s in (current or {}).get("sentences", []):
        if s["start"] <= start and end <= s["end"]:
            return s["id"]
    return None


_STABLE_SLOT_ID = re.compile(r"^(?P<fact>.+)\.(?P<slot>[^.]+)\.(?P<n>\d+)$")


def _import_task(task: dict, k: int, texts, schema, source: str, existing: dict | None) -> ImportedAnnotations:
    doc_id, text, where = _document(task, texts, source, k)
    annotation = _latest_annotation(task, where)
    result = annotation.get("result")
    if not isinstance(result, list):
        raise FormatError(f"{where}: annotation {annotation.get('id')!r} has no result list")
    offsets = _Offsets(text)
    regions: dict[str, _Region] = {}
    relations: list[tuple[dict, str]] = []
    for n, item in enumerate(result):
        if not isinstance(item, dict):
            raise FormatError(f"{where}: result[{n}] is not an object")
        rtype = item.get("type")
        if rtype == "relation":
            relations.append((item, f"{where}: relation {item.get('from_id')!r} -> {item.get('to_id')!r}"))
        elif rtype == "labels":
            region = _read_region(item, text, offsets, schema, where)
            if region.id in regions:
                raise FormatError(f"{region.where}: region id used twice (one region with labels of two controls?); give each span one label")
            regions[region.id] = region
        else:
            raise FormatError(f"{where}: region {item.get('id')!r}: result type {rtype!r} is not produced by the vinerfacts labeling config (expected 'labels' or 'relation')")

    current = None if existing is None else existing.get(doc_id, {})
    old_entities = {e["id"] for e in (current or {}).get("entities", [])}
    old_facts = {f["id"] for f in (current or {}).get("facts", [])}

    def kept(rid: str, prefix: str) -> bool:
        if current is None:  # no current file: ids of our form (e001, f001) are ours
            return re.fullmatch(prefix + r"\d+", rid) is not None
        return rid in (old_entities if prefix == "e" else old_facts)

    # entities, and the ids merge_document will give the new ones
    entities: list[dict] = []
    entity_id_of: dict[str, str | None] = {}
    used = None if current is None else set(old_entities)  # as merge_document numbers new entities
    for r in regions.values():
        if r.kind != "entity":
            continue
        eid = r.id if kept(r.id, "e") else None
        entity = {"id": eid, "start": r.start, "end": r.end, "label": r.label, "text": r.text}
        entity.update({key: v for key, v in r.meta.items() if key not in entity})
        entities.append(entity)
        if eid is None and used is not None:
            entity_id_of[r.id] = _next_id("e", used)
            used.add(entity_id_of[r.id])
        else:
            entity_id_of[r.id] = eid

    # relations: evidence -> slot, slot -> entity
    slots_of: dict[str, list[str]] = {}
    fact_of_slot: dict[str, list[str]] = {}
    link_of: dict[str, str] = {}
    for item, rwhere in relations:
        ends = []
        for key in ("from_id", "to_id"):
            rid = item.get(key)
            if rid not in regions:
                raise FormatError(f"{rwhere}: {key} {rid!r} is not a region of the annotation")
            ends.append(regions[rid])
        kinds = {r.kind: r for r in ends}
        labels = item.get("labels") or []
        if set(kinds) == {"fact", "slot"}:
            fact, slot = kinds["fact"], kinds["slot"]
            if labels not in ([], [slot.slot]):
                raise FormatError(f"{rwhere}: relation labels {labels!r} do not agree with the slot region labeled {slot.label!r} (expected [{slot.slot!r}])")
            if slot.fact_type != fact.fact_type:
                raise FormatError(f"{rwhere}: slot region {slot.id!r} labeled {slot.label!r} is related to fact region {fact.id!r} of type {fact.fact_type!r}")
            if slot.id not in slots_of.setdefault(fact.id, []):
                slots_of[fact.id].append(slot.id)
                fact_of_slot.setdefault(slot.id, []).append(fact.id)
        elif set(kinds) == {"slot", "entity"}:
            slot, entity = kinds["slot"], kinds["entity"]
            if labels not in ([], [LINK]):
                raise FormatError(f"{rwhere}: relation labels {labels!r} between slot {slot.id!r} and entity {entity.id!r} (expected [{LINK!r}])")
            if link_of.get(slot.id, entity.id) != entity.id:
                raise FormatError(f"{rwhere}: slot region {slot.id!r} is linked to two entities, {link_of[slot.id]!r} and {entity.id!r}")
            link_of[slot.id] = entity.id
        else:
            raise FormatError(
                f"{rwhere}: relation between regions of kinds {ends[0].kind} ({ends[0].label!r}) and {ends[1].kind} ({ends[1].label!r}); "
                "relations go from a fact's evidence to its slots and from a slot to the entity it links"
            )
    for r in regions.values():
        if r.kind == "slot" and r.id not in fact_of_slot:
            raise FormatError(f"{r.where}: slot region {r.label!r} {r.text!r} is not related to any fact evidence region")

    # facts
    fact_types = schema.fact_types or {}
    old_fact_by_id = {f["id"]: f for f in (current or {}).get("facts", [])}
    facts: list[dict] = []
    for r in regions.values():
        if r.kind != "fact":
            continue
        fid = r.id if kept(r.id, "f") else None
        specs = fact_types[r.fact_type]
        by_name: dict[str, list[tuple[tuple, dict]]] = {}
        for order, sid in enumerate(slots_of.get(r.id, [])):
            s = regions[sid]
            slot = {"start": s.start, "end": s.end, "text": s.text}
            if sid in link_of:
                target = entity_id_of[link_of[sid]]
                if target is None:
                    raise FormatError(
                        f"{s.where}: links to the new entity region {link_of[sid]!r}; pass the current annotations (existing) "
                        "so that the new entity's id can be given to the link"
                    )
                slot["entity_id"] = target
            fields = dict(s.meta)
            if SPAN_TEXT in fields and fields.pop(SPAN_TEXT) != s.text:
                fields = {key: v for key, v in fields.items() if key not in COMPUTED_FIELDS}
            slot.update({key: v for key, v in fields.items() if key not in slot})
            m = _STABLE_SLOT_ID.match(sid)
            sort_key = (0, int(m["n"]), order) if m and m["fact"] == r.id and m["slot"] == s.slot else (1, order, 0)
            by_name.setdefault(s.slot, []).append((sort_key, slot))
        old_order = list(old_fact_by_id[fid]["slots"]) if fid in old_fact_by_id else []
        names = [n for n in old_order if n in by_name] + [n for n in by_name if n not in old_order]
        slots: dict = {}
        for name in names:
            values = [v for _, v in sorted(by_name[name], key=lambda pair: pair[0])]
            if specs[name].multiple:
                slots[name] = values
            elif len(values) > 1:
                spans = ", ".join(f"[{v['start']}:{v['end']}] {v['text']!r}" for v in values)
                raise FormatError(f"{r.where}: slot {name!r} of a {r.fact_type} fact takes one span, found {len(values)}: {spans}")
            else:
                slots[name] = values[0]
        fact: dict = {"id": fid, "type": r.fact_type}
        sentence = r.meta.get("sentence", _containing_sentence(current, r.start, r.end))
        if sentence is not None:
            fact["sentence"] = sentence
        fact.update({"start": r.start, "end": r.end, "text": r.text, "slots": slots})
        fact.update({key: v for key, v in r.meta.items() if key not in fact and key != "sentence"})
        facts.append(fact)
    if not facts and current is not None and "facts" not in current:
        facts = None  # a file without a fact layer stays without one
    return ImportedAnnotations(doc_id, text, entities, facts, source=f"{source}: task {task.get('id', f'#{k}')}")


def from_label_studio(export: list[dict], texts: dict[str, str], schema, source: str, existing: dict[str, dict] | None = None) -> list[ImportedAnnotations]:
    """The annotations of a Label Studio "JSON" export, one `ImportedAnnotations` per task.

    `texts` maps document ids to their texts; a task is identified by `data.document_id` and its
    `data.text` must be that text. Of a task's annotations, the **latest non-cancelled** one is taken:
    the largest `updated_at` (else `created_at`), the later one in the list on ties or without
    timestamps; a task with none (no annotations, all cancelled, or only predictions) is an error.

    `existing` maps document ids to their current annotation files. A region id that is an entity
    (fact) id there keeps it; any other region (drawn in Label Studio: random id) is new (id None),
    and a slot linked to a new entity gets the id `merge_document` will give that entity. Without
    `existing`, ids of our form (`e001`, `f001`) are kept and links to new entities are an error.
    A new fact gets the sentence containing its evidence when `existing` has the sentences.

    Raises FormatError, naming `source`, the task, the region and the value, for anything that
    cannot be mapped: unknown document, changed text, unknown label, offsets that do not match the
    text, relations to missing regions or between the wrong kinds of regions, bad meta.
    """
    if not isinstance(export, list):
        raise FormatError(f"{source}: a Label Studio JSON export is a list of tasks, found {type(export).__name__}")
    out: list[ImportedAnnotations] = []
    seen: dict[str, object] = {}
    for k, task in enumerate(export):
        imported = _import_task(task, k, texts, schema, source, existing)
        if imported.document_id in seen:
            raise FormatError(f"{source}: task {task.get('id', f'#{k}')}: document {imported.document_id!r} is also task {seen[imported.document_id]}; export each document once")
        seen[imported.document_id] = task.get("id", f"#{k}")
        out.append(imported)
    return out
