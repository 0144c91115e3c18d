"""brat standoff (https://brat.nlplab.org/standoff.html): `annotation.conf`, export and import.

Pure functions, standard library only; the CLI reads and writes the files.

Mapping (one document = one `.txt` + one `.ann`; brat offsets are character offsets into the `.txt`,
which are Python `str` indices):

- Entity -> text-bound annotation `T<n>\\t<LABEL> <start> <end>\\t<text>`, its id in a note
  `#<n>\\tAnnotatorNotes T<n>\\tid=e001` (a T of an entity label without a note is a new entity: id None).
- Fact -> brat event `E<n>\\t<fact type>:T<trigger> <slot>:T<..> ...`. The trigger is the fact's
  evidence span (`start`/`end`/`text`) typed with the fact type; every slot value is a text-bound
  annotation of type `Slot-<slot name>` given as the argument with role `<slot name>`. A multi-valued
  slot (`"multiple": true` in the schema) gives one argument per value, numbered the brat way
  (`participant:T5 participant2:T6 ...`); the list order is the argument order. The slot order of
  the fact is the argument order too, so a round trip keeps the key order of the file.
- Entity link (`entity_id` of a slot) -> relation `R<n>\\tRefers Arg1:T<slot> Arg2:T<entity>`.
- Normalized slot fields (`value`, `comparator`, `measure`, `kind`, ...) -> an AnnotatorNotes line on
  the slot's T holding a JSON object; rebuilt after `start`, `end`, `text` (and before `entity_id`).
- Fact id, `sentence`, `parts` (and any other top-level fact field) -> an AnnotatorNotes line on the
  E holding a JSON object (`{"id": "f004", "sentence": "s04", "parts": ["f005", ...]}`). An event
  without a note is a new fact (id None, no sentence: validation reports it).

Not supported (FormatError on import): discontinuous spans (`;` in the offsets: a vinerfacts span
is one contiguous range), attributes (A/M), normalizations (N), equivalences (*), events as event
arguments, relations other than Refers, and spans containing a line break (brat splits them into
fragments), which `to_brat` refuses to write.
"""
from __future__ import annotations

import json
import re

from ..merge import FormatError, ImportedAnnotations

SLOT_PREFIX = "Slot-"
REFERS = "Refers"
NOTE = "AnnotatorNotes"
_SPAN_KEYS = ("start", "end", "text")
_FACT_SPAN_KEYS = ("type", "start", "end", "text", "slots")


def _slot_names(schema) -> list[str]:
    """Every slot name of every fact type, once, in schema order."""
    names: list[str] = []
    for slots in (schema.fact_types or {}).values():
        for name in slots:
            if name not in names:
                names.append(name)
    return names


def _cardinality(spec) -> str:
    if spec.required:
        return "+" if spec.multiple else ""
    return "*" if spec.multiple else "?"


def annotation_conf(schema) -> str:
    """brat's `annotation.conf` for the schema: labels, one event type per fact type, slot types, Refers."""
    labels = list(schema.labels)
    slot_types = [SLOT_PREFIX + name for name in _slot_names(schema)]
    lines = [
        "# brat annotation.conf generated from the vinerfacts label schema "
        f"(schema_version {schema.version}); do not edit by hand, regenerate it.",
        "# Entities are the schema's labels. Each fact type is an event: its trigger is the fact's evidence",
        "# span, its arguments are the slot spans (types Slot-<slot>). Refers links a slot to the entity it",
        "# names or refers to. Ids, sentence, parts and normalized values are JSON in AnnotatorNotes.",
        "",
        "[entities]",
        *labels,
    ]
    if slot_types:
        lines += ["!Slot", *(f"\t{t}" for t in slot_types)]
    lines += ["", "[relations]"]
    if slot_types:
        lines.append(f"{REFERS}\tArg1:{'|'.join(slot_types)}, Arg2:{'|'.join(labels)}")
    lines += [
        "# nested entities and slot spans overlapping entities and each other are normal",
        "<OVERLAP>\tArg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:<ANY>",
        "",
        "[events]",
    ]
    for fact_type, slots in (schema.fact_types or {}).items():
        args = ", ".join(f"{name}{_cardinality(spec)}:{SLOT_PREFIX}{name}" for name, spec in slots.items())
        lines.append(f"{fact_type}\t{args}" if args else fact_type)
    lines += ["", "[attributes]", ""]
    return "\n".join(lines)


def _note_json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False)


def to_brat(document: dict, text: str, schema) -> tuple[str, str]:
    """The `.txt` (the document text, unchanged) and the `.ann` of an annotation file."""
    lines: list[str] = []
    counters = {"T": 0, "E": 0, "R": 0, "#": 0}

    def new_id(kind: str) -> str:
        counters[kind] += 1
        return f"{kind}{counters[kind]}"

    def note(target: str, body: str) -> None:
        lines.append(f"{new_id('#')}\t{NOTE} {target}\t{body}")

    def span(kind: str, item: dict, where: str) -> str:
        start, end = item["start"], item["end"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise FormatError(f"{where}: offsets [{start}:{end}] are outside the text (length {len(text)})")
        covered = text[start:end]
        if "\n" in covered or "\r" in covered:
            raise FormatError(f"{where}: span [{start}:{end}] {covered!r} contains a line break, which brat cannot store as one span")
        tid = new_id("T")
        lines.append(f"{tid}\t{kind} {start} {end}\t{covered}")
        return tid

    doc_id = document.get("id", "")
    t_of_entity: dict[str, str] = {}
    for e in document.get("entities", []):
        where = f"document {doc_id!r}: entity {e.get('id')}"
        if e["label"] not in schema.labels:
            raise FormatError(f"{where} has unknown label {e['label']!r} (labels: {', '.join(schema.labels)})")
        tid = span(e["label"], e, where)
        if e.get("id") is not None:
            t_of_entity[e["id"]] = tid
            note(tid, f"id={e['id']}")

    fact_types = schema.fact_types or {}
    for f in document.get("facts", []):
        where = f"document {doc_id!r}: fact {f.get('id')}"
        slot_specs = fact_types.get(f["type"])
        if slot_specs is None:
            raise FormatError(f"{where} has unknown type {f['type']!r} (fact types: {', '.join(fact_types)})")
        trigger = span(f["type"], f, where)
        args = [f"{f['type']}:{trigger}"]
        relations: list[tuple[str, str]] = []
        slot_notes: list[tuple[str, str]] = []
        for name, value in f["slots"].items():
            if name not in slot_specs:
                raise FormatError(f"{where} has unknown slot {name!r} (slots of {f['type']}: {', '.join(slot_specs)})")
            values = value if isinstance(value, list) else [value]
            for k, v in enumerate(values):
                tid = span(SLOT_PREFIX + name, v, f"{where}: slot {name}")
                args.append(f"{name}{k + 1 if k else ''}:{tid}")
                extra = {key: x for key, x in v.items() if key not in _SPAN_KEYS and key != "entity_id"}
                if extra:
                    slot_notes.append((tid, _note_json(extra)))
                if v.get("entity_id") is not None:
                    if v["entity_id"] not in t_of_entity:
                        raise FormatError(f"{where}: slot {name} links to entity {v['entity_id']!r}, which the document does not have")
                    relations.append((tid, t_of_entity[v["entity_id"]]))
        eid = new_id("E")
        lines.append(f"{eid}\t{' '.join(args)}")
        for slot_t, entity_t in relations:
            lines.append(f"{new_id('R')}\t{REFERS} Arg1:{slot_t} Arg2:{entity_t}")
        extra = {key: x for key, x in f.items() if key not in _FACT_SPAN_KEYS}
        if extra:
            note(eid, _note_json(extra))
        for tid, body in slot_notes:
            note(tid, body)
    return text, "\n".join(lines) + ("\n" if lines else "")


# ---------------------------------------------------------------------------------------------- import

_ID_RE = {kind: re.compile(rf"{re.escape(kind)}[0-9]+") for kind in ("T", "E", "R")}
_NOTE_ID_RE = re.compile(r"#[0-9]*")
_ENTITY_NOTE_RE = re.compile(r"id=(\S+)")
_ROLE_NUMBER_RE = re.compile(r"(.*?)([0-9]+)")


class _Parser:
    def __init__(self, ann: str, text: str, schema, source: str):
        self.text, self.schema, self.source = text, schema, source
        self.fact_types = schema.fact_types or {}
        self.slot_names = set(_slot_names(schema))
        self.spans: dict[str, dict] = {}  # T id -> {"line", "type", "start", "end", "text"}
        self.events: list[dict] = []  # {"line", "id", "type", "trigger", "args": [(role, id)]}
        self.relations: list[dict] = []  # {"line", "id", "arg1", "arg2"}
        self.notes: dict[str, tuple[int, str]] = {}  # annotation id -> (line, note)
        self.ids: dict[str, int] = {}  # every T/E/R id -> its line
        self.ann = ann

    def fail(self, line: int, message: str) -> FormatError:
        return FormatError(f"{self.source}:{line}: {message}")

    def parse_lines(self) -> None:
        for number, line in enumerate(self.ann.split("\n"), 1):
            if line.endswith("\r"):
                line = line[:-1]
            if not line.strip():
                continue
            ident = line.split("\t", 1)[0]
            kind = ident[:1]
            if kind == "T":
                self.parse_span(number, line)
            elif kind == "E":
                self.parse_event(number, line)
            elif kind == "R":
                self.parse_relation(number, line)
            elif kind == "#":
                self.parse_note(number, line)
            elif kind in ("A", "M"):
                raise self.fail(number, f"attribute line {line!r}: attributes are not part of the vinerfacts brat mapping (normalized values go in AnnotatorNotes)")
            elif kind == "N":
                raise self.fail(number, f"normalization line {line!r} is not supported")
            elif kind == "*":
                raise self.fail(number, f"equivalence line {line!r} is not supported")
            else:
                raise self.fail(number, f"malformed line {line!r}: expected an annotation id T<n>, E<n>, R<n> or #<n> followed by a tab")

    def check_id(self, number: int, kind: str, ident: str, line: str) -> None:
        if not _ID_RE[kind].fullmatch(ident):
            raise self.fail(number, f"malformed annotation id {ident!r} in line {line!r} (expected {kind}<number>)")
        if ident in self.ids:
            raise self.fail(number, f"annotation id {ident!r} is used twice (first on line {self.ids[ident]})")
        self.ids[ident] = number

    def parse_span(self, number: int, line: str) -> None:
        fields = line.split("\t", 2)
        if len(fields) != 3:
            raise self.fail(number, f"malformed text-bound line {line!r} (expected 'T<n><TAB>TYPE START END<TAB>TEXT')")
        ident, middle, covered = fields
        self.check_id(number, "T", ident, line)
        parts = middle.split(" ", 1)
        if len(parts) != 2:
            raise self.fail(number, f"malformed text-bound line {line!r}: no offsets after the type {middle!r}")
        kind, offsets = parts
        if ";" in offsets:
            raise self.fail(number, f"{ident} has a discontinuous span {offsets!r}: discontinuous spans are not supported (a vinerfacts span is one contiguous range)")
        bounds = offsets.split(" ")
        if len(bounds) != 2 or not all(b.isascii() and b.isdigit() for b in bounds):
            raise self.fail(number, f"{ident} has malformed offsets {offsets!r} (expected 'START END', two non-negative integers)")
        start, end = int(bounds[0]), int(bounds[1])
        if not (start < end <= len(self.text)):
            raise self.fail(number, f"{ident} has offsets {offsets!r} outside the text (length {len(self.text)}) or an empty span")
        if self.text[start:end] != covered:
            raise self.fail(number, f"{ident} text {covered!r} differs from the text at [{start}:{end}] {self.text[start:end]!r}")
        if not (kind in self.schema.labels or kind in self.fact_types or (kind.startswith(SLOT_PREFIX) and kind[len(SLOT_PREFIX):] in self.slot_names)):
            raise self.fail(number, f"{ident} has unknown type {kind!r}{self.hint(kind)}")
        self.spans[ident] = {"line": number, "type": kind, "start": start, "end": end, "text": covered}

    def hint(self, kind: str) -> str:
        import difflib

        known = [*self.schema.labels, *self.fact_types, *(SLOT_PREFIX + s for s in sorted(self.slot_names))]
        close = difflib.get_close_matches(kind, known, n=1)
        return (f"; did you mean {close[0]!r}?" if close else "") + f" (types: {', '.join(known)})"

    def parse_event(self, number: int, line: str) -> None:
        fields = line.split("\t")
        if len(fields) != 2 or not fields[1].strip():
            raise self.fail(number, f"malformed event line {line!r} (expected 'E<n><TAB>TYPE:T<n> ROLE:T<n> ...')")
        ident = fields[0]
        self.check_id(number, "E", ident, line)
        pairs = []
        for item in fields[1].split():
            role, sep, arg = item.partition(":")
            if not sep or not role or not arg:
                raise self.fail(number, f"{ident}: malformed argument {item!r} (expected ROLE:ID)")
            pairs.append((role, arg))
        (kind, trigger), args = pairs[0], pairs[1:]
        self.events.append({"line": number, "id": ident, "type": kind, "trigger": trigger, "args": args})

    def parse_relation(self, number: int, line: str) -> None:
        fields = line.split("\t")
        if len(fields) != 2:
            raise self.fail(number, f"malformed relation line {line!r} (expected 'R<n><TAB>Refers Arg1:T<n> Arg2:T<n>')")
        ident = fields[0]
        self.check_id(number, "R", ident, line)
        parts = fields[1].split()
        if len(parts) != 3 or not parts[1].startswith("Arg1:") or not parts[2].startswith("Arg2:"):
            raise self.fail(number, f"{ident}: malformed relation {fields[1]!r} (expected 'Refers Arg1:T<n> Arg2:T<n>')")
        if parts[0] != REFERS:
            raise self.fail(number, f"{ident} has unknown relation type {parts[0]!r} (the only relation is {REFERS!r})")
        self.relations.append({"line": number, "id": ident, "arg1": parts[1][5:], "arg2": parts[2][5:]})

    def parse_note(self, number: int, line: str) -> None:
        fields = line.split("\t", 2)
        if len(fields) != 3 or not _NOTE_ID_RE.fullmatch(fields[0]):
            raise self.fail(number, f"malformed note line {line!r} (expected '#<n><TAB>AnnotatorNotes ID<TAB>NOTE')")
        parts = fields[1].split()
        if len(parts) != 2 or parts[0] != NOTE:
            raise self.fail(number, f"{fields[0]}: unsupported comment {fields[1]!r} (expected '{NOTE} ID')")
        target = parts[1]
        if target in self.notes:
            raise self.fail(number, f"{target} has a second {NOTE} line (the first is on line {self.notes[target][0]})")
        self.notes[target] = (number, fields[2])

    # ------------------------------------------------------------------------------------- assembly

    def note_json(self, target: str) -> dict | None:
        if target not in self.notes:
            return None
        number, body = self.notes[target]
        try:
            value = json.loads(body)
        except json.JSONDecodeError as e:
            raise self.fail(number, f"note of {target} is not valid JSON ({e.msg} at column {e.colno}): {body!r}") from None
        if not isinstance(value, dict):
            raise self.fail(number, f"note of {target} must be a JSON object, found {body!r}")
        return value

    def build(self) -> tuple[list[dict], list[dict]]:
        for target, (number, _) in self.notes.items():
            if target not in self.ids:
                raise self.fail(number, f"note of {target!r}, which is not an annotation of this file")
            if target.startswith("R") or self.spans.get(target, {}).get("type") in self.fact_types:
                where = "a relation" if target.startswith("R") else "a trigger (put the fact's note on its event E<n>)"
                raise self.fail(number, f"note of {target}, {where}: such notes are not read, so they would be lost")

        # entities, in file order
        entities: list[dict] = []
        entity_id_of: dict[str, str | None] = {}
        seen_ids: dict[str, int] = {}
        for tid, s in self.spans.items():
            if s["type"] not in self.schema.labels:
                continue
            entity_id = None
            if tid in self.notes:
                number, body = self.notes[tid]
                m = _ENTITY_NOTE_RE.fullmatch(body.strip())
                if not m:
                    raise self.fail(number, f"note of entity {tid} must be 'id=<entity id>', found {body!r}")
                entity_id = m.group(1)
                if entity_id in seen_ids:
                    raise self.fail(number, f"entity id {entity_id!r} is given to two annotations (the first on line {seen_ids[entity_id]})")
                seen_ids[entity_id] = number
            entity_id_of[tid] = entity_id
            entities.append({"id": entity_id, "start": s["start"], "end": s["end"], "label": s["type"], "text": s["text"]})

        # entity links
        link_of: dict[str, str] = {}
        for r in self.relations:
            slot, target = self.spans.get(r["arg1"]), self.spans.get(r["arg2"])
            if slot is None or not slot["type"].startswith(SLOT_PREFIX):
                raise self.fail(r["line"], f"{r['id']}: Arg1 {r['arg1']!r} is not a slot span (Slot-<slot> text-bound annotation)")
            if target is None or target["type"] not in self.schema.labels:
                raise self.fail(r["line"], f"{r['id']}: Arg2 {r['arg2']!r} is not an entity span")
            if r["arg1"] in link_of:
                raise self.fail(r["line"], f"{r['id']}: slot {r['arg1']} already refers to an entity (a slot links to one entity)")
            if entity_id_of[r["arg2"]] is None:
                raise self.fail(
                    r["line"],
                    f"{r['id']}: slot {r['arg1']} refers to {r['arg2']}, a new entity without an id; "
                    "import the new entity first, then link it after a fresh export",
                )
            link_of[r["arg1"]] = entity_id_of[r["arg2"]]

        # facts, in file order
        facts: list[dict] = []
        used: set[str] = set()
        for ev in self.events:
            number, ident, kind = ev["line"], ev["id"], ev["type"]
            specs = self.fact_types.get(kind)
            if specs is None:
                raise self.fail(number, f"{ident} has unknown event type {kind!r} (fact types: {', '.join(self.fact_types)})")
            trigger = self.spans.get(ev["trigger"])
            if trigger is None or trigger["type"] != kind:
                found = "missing" if trigger is None else f"of type {trigger['type']!r}"
                raise self.fail(number, f"{ident}: trigger {ev['trigger']!r} must be a {kind!r} text-bound annotation ({found})")
            used.add(ev["trigger"])
            slots: dict[str, object] = {}
            for role, arg in ev["args"]:
                name = role
                if name not in specs:
                    m = _ROLE_NUMBER_RE.fullmatch(role)
                    name = m.group(1) if m else role
                if name not in specs:
                    raise self.fail(number, f"{ident}: unknown role {role!r} for a {kind} fact (slots: {', '.join(specs)})")
                span = self.spans.get(arg)
                if span is None:
                    raise self.fail(number, f"{ident}: argument {role}:{arg} is not a text-bound annotation of this file")
                if span["type"] != SLOT_PREFIX + name:
                    raise self.fail(number, f"{ident}: argument {role}:{arg} has type {span['type']!r}, expected {SLOT_PREFIX + name!r}")
                used.add(arg)
                value: dict = {"start": span["start"], "end": span["end"], "text": span["text"]}
                extra = self.note_json(arg) or {}
                for key in extra:
                    if key in _SPAN_KEYS or key == "entity_id":
                        raise self.fail(self.notes[arg][0], f"note of {arg} sets {key!r}, which comes from the span or a Refers relation")
                value.update(extra)
                if arg in link_of:
                    value["entity_id"] = link_of[arg]
                if specs[name].multiple:
                    slots.setdefault(name, []).append(value)
                elif name in slots:
                    raise self.fail(number, f"{ident}: slot {name!r} of a {kind} fact takes one value, found a second one {role}:{arg}")
                else:
                    slots[name] = value
            extra = self.note_json(ident) or {}
            for key in _FACT_SPAN_KEYS:
                if key in extra:
                    raise self.fail(self.notes[ident][0], f"note of {ident} sets {key!r}, which comes from the event")
            fact: dict = {"id": extra.pop("id", None), "type": kind}
            if "sentence" in extra:
                fact["sentence"] = extra.pop("sentence")
            fact.update({"start": trigger["start"], "end": trigger["end"], "text": trigger["text"], "slots": slots})
            fact.update(extra)
            facts.append(fact)

        for tid, s in self.spans.items():
            if s["type"] in self.schema.labels or tid in used:
                continue
            what = "the trigger" if s["type"] in self.fact_types else "an argument"
            raise self.fail(s["line"], f"{tid} ({s['type']} {s['text']!r}) is not {what} of any event")
        fact_ids = [f["id"] for f in facts if f["id"] is not None]
        if len(set(fact_ids)) != len(fact_ids):
            dup = next(i for i in fact_ids if fact_ids.count(i) > 1)
            raise FormatError(f"{self.source}: fact id {dup!r} is given to two events")
        return entities, facts


def from_brat(ann: str, text: str, schema, source: str, document_id: str) -> ImportedAnnotations:
    """Entities and facts of a brat `.ann` (see the module docstring for the mapping).

    Entities and facts come in file order; ids come from the notes (None for new items). Every
    malformed or unmappable line raises FormatError naming `source`, the line number and the value.
    """
    parser = _Parser(ann, text, schema, source)
    parser.parse_lines()
    entities, facts = parser.build()
    return ImportedAnnotations(document_id=document_id, text=text, entities=entities, facts=facts, source=source)
