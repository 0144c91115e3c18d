"""brat standoff and VLSP 2018 inline markup: round trips on the gold article, error messages, escaping."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from vinerfacts.formats.brat import annotation_conf, from_brat, to_brat
from vinerfacts.formats.vlsp import from_vlsp, to_vlsp
from vinerfacts.jsonio import dumps_annotation
from vinerfacts.merge import FormatError, merge_document
from vinerfacts.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
DOC_ID = "000_d08f880c9ee73c57"
NESTED = (
    '<ENAMEX TYPE="ORGANIZATION">Ban Thường vụ <ENAMEX TYPE="ORGANIZATION">Tỉnh ủy '
    '<ENAMEX TYPE="LOCATION">Quảng Ninh</ENAMEX></ENAMEX></ENAMEX>'
)


@pytest.fixture(scope="module")
def schema():
    return load_schema(ROOT / "annotations" / "schema.json")


@pytest.fixture(scope="module")
def gold():
    path = ROOT / "annotations" / "documents" / f"{DOC_ID}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    text = (path.parent / doc["text_file"]).read_text(encoding="utf-8")
    return doc, text


@pytest.fixture(scope="module")
def brat_files(gold, schema):
    doc, text = gold
    return to_brat(doc, text, schema)


def replace_line(ann: str, pattern: str, new: str) -> tuple[str, int]:
    """`ann` with its first line matching `pattern` replaced by `new`, and that line's number."""
    lines = ann.split("\n")
    k = next(i for i, line in enumerate(lines) if re.match(pattern, line))
    lines[k] = new
    return "\n".join(lines), k + 1


def line_of(ann: str, pattern: str) -> tuple[str, int]:
    lines = ann.split("\n")
    k = next(i for i, line in enumerate(lines) if re.match(pattern, line))
    return lines[k], k + 1


# ------------------------------------------------------------------------------------------------ brat


def test_gold_has_what_the_round_trips_exercise(gold):
    doc, _ = gold
    slots = [s for f in doc["facts"] for v in f["slots"].values() for s in (v if isinstance(v, list) else [v])]
    assert len(doc["entities"]) > 50 and len(doc["facts"]) > 20
    assert any("parts" in f for f in doc["facts"])
    assert any("entity_id" in s for s in slots) and any("value" in s for s in slots) and any("measure" in s for s in slots)
    assert any(isinstance(v, list) and len(v) > 1 for f in doc["facts"] for v in f["slots"].values())


def test_brat_txt_is_the_document_text(gold, brat_files):
    assert brat_files[0] == gold[1]


def test_brat_round_trip_is_the_identity(gold, schema, brat_files):
    doc, text = gold
    imported = from_brat(brat_files[1], brat_files[0], schema, f"{DOC_ID}.ann", DOC_ID)
    assert imported.document_id == DOC_ID and imported.text == text and imported.source == f"{DOC_ID}.ann"
    # same lists in the gold order, and the same key order (so the written file is byte-identical)
    assert imported.entities == doc["entities"]
    assert imported.facts == doc["facts"]
    assert json.dumps(imported.entities, ensure_ascii=False) == json.dumps(doc["entities"], ensure_ascii=False)
    assert json.dumps(imported.facts, ensure_ascii=False) == json.dumps(doc["facts"], ensure_ascii=False)


def test_brat_round_trip_merges_without_changes(gold, schema, brat_files):
    doc, text = gold
    imported = from_brat(brat_files[1], text, schema, f"{DOC_ID}.ann", DOC_ID)
    merged, report = merge_document(doc, text, imported, schema)
    assert report.empty
    assert dumps_annotation(merged) == dumps_annotation(doc)


def test_brat_ann_layout(gold, brat_files):
    doc, _ = gold
    ann = brat_files[1]
    e1 = doc["entities"][0]
    assert ann.startswith(f"T1\t{e1['label']} {e1['start']} {e1['end']}\t{e1['text']}\n#1\tAnnotatorNotes T1\tid={e1['id']}\n")
    kinds = {line.split("\t")[0][0] for line in ann.splitlines()}
    assert kinds == {"T", "E", "R", "#"}
    assert sum(line.startswith("E") for line in ann.splitlines()) == len(doc["facts"])
    links = sum(
        1
        for f in doc["facts"]
        for v in f["slots"].values()
        for s in (v if isinstance(v, list) else [v])
        if "entity_id" in s
    )
    assert sum(line.startswith("R") for line in ann.splitlines()) == links
    # a multi-valued slot gives numbered roles, the brat way
    assert re.search(r"\tevent:T\d+ trigger:T\d+ participant:T\d+ participant2:T\d+ participant3:T\d+", ann)
    # the fact with parts carries them in the note of its event
    with_parts = next(f for f in doc["facts"] if "parts" in f)
    assert json.dumps({"id": with_parts["id"], "sentence": with_parts["sentence"], "parts": with_parts["parts"]}, ensure_ascii=False) in ann


def test_brat_new_items_get_id_none(gold, schema, brat_files):
    doc, text = gold
    ann = brat_files[1]
    # drop the id note of the first entity and of the first event: they become new items
    _, n_entity = line_of(ann, r"#\d+\tAnnotatorNotes T1\t")
    _, n_event = line_of(ann, r"#\d+\tAnnotatorNotes E1\t")
    lines = ann.split("\n")
    ann = "\n".join(line for k, line in enumerate(lines, 1) if k not in (n_entity, n_event))
    # the first entity is not linked from any slot, so it may lose its id
    assert doc["entities"][0]["id"] not in json.dumps(doc["facts"])
    imported = from_brat(ann, text, schema, "x.ann", DOC_ID)
    assert imported.entities[0]["id"] is None and imported.entities[1:] == doc["entities"][1:]
    first = imported.facts[0]
    assert first["id"] is None and "sentence" not in first
    assert first["slots"] == doc["facts"][0]["slots"] and imported.facts[1:] == doc["facts"][1:]
    merged, report = merge_document(doc, text, imported, schema)
    next_entity = f"e{max(int(e['id'][1:]) for e in doc['entities']) + 1:03d}"
    next_fact = f"f{max(int(f['id'][1:]) for f in doc['facts']) + 1:03d}"
    assert [x["id"] for x in report.added] == [next_entity, next_fact]
    assert [x["id"] for x in report.deleted] == [doc["entities"][0]["id"], doc["facts"][0]["id"]]


def test_annotation_conf_mentions_every_label_fact_type_and_slot(schema):
    conf = annotation_conf(schema)
    sections = re.findall(r"^\[(\w+)\]$", conf, flags=re.M)
    assert sections == ["entities", "relations", "events", "attributes"]
    entities = conf.split("[entities]")[1].split("[relations]")[0]
    events = conf.split("[events]")[1].split("[attributes]")[0]
    entity_lines = {line.strip() for line in entities.splitlines()}
    for label in schema.labels:
        assert label in entity_lines
    for fact_type, slots in schema.fact_types.items():
        line = next(x for x in events.splitlines() if x.startswith(fact_type + "\t"))
        for name, spec in slots.items():
            mark = ("+" if spec.multiple else "") if spec.required else ("*" if spec.multiple else "?")
            assert f"{name}{mark}:Slot-{name}" in line
            assert f"Slot-{name}" in entity_lines
    assert "event\ttrigger:Slot-trigger, participant+:Slot-participant, location?:Slot-location" in conf
    assert "quantity\tquantity:Slot-quantity, unit:Slot-unit, entity?:Slot-entity" in conf
    assert "qualifier*:Slot-qualifier" in conf
    refers = next(x for x in conf.splitlines() if x.startswith("Refers\t"))
    assert all(label in refers.split("Arg2:")[1].split("|") for label in schema.labels)


def _args(line: str) -> dict[str, str]:
    """Role -> argument id of an E line (the first pair is type -> trigger)."""
    return dict(item.split(":") for item in line.split("\t")[1].split())


# Each case: a pattern picking the line to break, a function of that line giving the broken line, and
# the expected message, where {id} is the broken line's id and {args[...]}/{line} come from the line.
# Lines are found in the export itself, so the cases do not depend on how many entities the gold has.
STATEMENT = r"E\d+\tstatement:"
BRAT_ERRORS = [
    # malformed lines
    (r"T1\t", lambda line: line.rsplit("\t", 1)[0], "malformed text-bound line {new!r}"),
    (r"T1\t", lambda line: line.replace(" 0 ", " zero ", 1), "T1 has malformed offsets 'zero 13'"),
    (STATEMENT, lambda line: line.replace("speaker:", "speaker", 1).split(" cue")[0], "{id}: malformed argument 'speaker{args[speaker]}'"),
    (r"R1\t", lambda line: line.split(" Arg2")[0], "R1: malformed relation {tail!r}"),
    (r"#1\t", lambda line: line.rsplit("\t", 1)[0], "malformed note line {new!r}"),
    (r"#1\t", lambda line: line.replace("id=", ""), "note of entity T1 must be 'id=<entity id>', found 'e001'"),
    (r"T1\t", lambda line: "X1\tsomething", "malformed line 'X1\\tsomething'"),
    (r"T1\t", lambda line: "A1\tNegated T1", "attribute line 'A1\\tNegated T1': attributes are not part of"),
    (r"#\d+\tAnnotatorNotes T1\t", lambda line: line.replace("T1", "T99999"), "note of 'T99999', which is not an annotation of this file"),
    # text mismatch
    (r"T1\t", lambda line: line.replace("Chủ tịch nước", "Chủ tịch"), "T1 text 'Chủ tịch' differs from the text at [0:13] 'Chủ tịch nước'"),
    # unknown types, roles, relations
    (r"T1\t", lambda line: line.replace("TITLE", "TITEL"), "T1 has unknown type 'TITEL'; did you mean 'TITLE'?"),
    (r"R1\t", lambda line: line.replace("Refers", "Mentions"), "R1 has unknown relation type 'Mentions'"),
    (STATEMENT, lambda line: line.replace("speaker:", "speeker:"), "{id}: unknown role 'speeker' for a statement fact"),
    (STATEMENT, lambda line: line.replace("statement:", "claim:", 1), "{id} has unknown event type 'claim'"),
    # discontinuous span
    (r"T1\t", lambda line: line.replace(" 0 13", " 0 4;5 13"), "T1 has a discontinuous span '0 4;5 13': discontinuous spans are not supported"),
    # structure
    (r"T2\t", lambda line: line.replace("T2", "T1", 1), "annotation id 'T1' is used twice (first on line 1)"),
    (STATEMENT, lambda line: f"{line} cue2:{_args(line)['cue']}", "{id}: slot 'cue' of a statement fact takes one value"),
    (STATEMENT, lambda line: line.replace(f"speaker:{_args(line)['speaker']}", "speaker:T1"), "{id}: argument speaker:T1 has type 'TITLE', expected 'Slot-speaker'"),
    (STATEMENT, lambda line: line.replace("statement:", "quantity:", 1), "{id}: trigger '{args[statement]}' must be a 'quantity' text-bound annotation (of type 'statement')"),
]


@pytest.mark.parametrize("pattern, breaker, expected", BRAT_ERRORS)
def test_brat_errors_name_source_line_and_value(schema, brat_files, pattern, breaker, expected):
    text, ann = brat_files
    line, _ = line_of(ann, pattern)
    new = breaker(line)
    broken, number = replace_line(ann, pattern, new)
    message = expected.format(id=line.split("\t")[0], args=_args(line) if line.startswith("E") else {}, new=new, tail=new.split("\t")[-1])
    with pytest.raises(FormatError, match=rf"^{re.escape(f'{DOC_ID}.ann')}:{number}: {re.escape(message)}"):
        from_brat(broken, text, schema, f"{DOC_ID}.ann", DOC_ID)


def test_brat_error_for_a_note_on_a_trigger(schema, brat_files):
    text, ann = brat_files
    line, _ = line_of(ann, STATEMENT)
    trigger = _args(line)["statement"]
    lines = ann.rstrip("\n").split("\n") + [f"#99999\tAnnotatorNotes {trigger}\tcheck this"]
    with pytest.raises(FormatError, match=rf"^x\.ann:{len(lines)}: note of {trigger}, a trigger \(put the fact's note on its event"):
        from_brat("\n".join(lines), text, schema, "x.ann", DOC_ID)


def test_brat_error_for_a_slot_span_outside_any_event(schema, brat_files):
    text, ann = brat_files
    extra = "T9999\tSlot-topic 0 13\tChủ tịch nước"
    lines = ann.rstrip("\n").split("\n") + [extra]
    with pytest.raises(FormatError, match=rf"^x\.ann:{len(lines)}: T9999 \(Slot-topic 'Chủ tịch nước'\) is not an argument of any event"):
        from_brat("\n".join(lines) + "\n", text, schema, "x.ann", DOC_ID)


def test_brat_error_for_a_link_to_a_new_entity(gold, schema, brat_files):
    text, ann = brat_files
    # R1 links the speaker of f001 to T5 (e005); remove T5's id note
    r1, _ = line_of(ann, r"R1\t")
    target = r1.split("Arg2:")[1]
    _, n = line_of(ann, rf"#\d+\tAnnotatorNotes {target}\t")
    _, r_line = line_of(ann, r"R1\t")
    lines = ann.split("\n")
    del lines[n - 1]
    r_line -= 1 if n < r_line else 0
    with pytest.raises(FormatError, match=rf"^x\.ann:{r_line}: R1: slot T\d+ refers to {target}, a new entity without an id"):
        from_brat("\n".join(lines), text, schema, "x.ann", DOC_ID)


def test_brat_error_for_bad_json_in_a_note(schema, brat_files):
    text, ann = brat_files
    note, _ = line_of(ann, r"#\d+\tAnnotatorNotes E1\t")
    broken, number = replace_line(ann, re.escape(note), note.split("\t{")[0] + "\t{id: f001}")
    with pytest.raises(FormatError, match=rf"^x\.ann:{number}: note of E1 is not valid JSON .*'\{{id: f001\}}'"):
        from_brat(broken, text, schema, "x.ann", DOC_ID)


def test_to_brat_refuses_spans_with_a_line_break(schema):
    text = "Hà\nNội"
    doc = {"id": "d", "entities": [{"id": "e001", "start": 0, "end": 6, "label": "LOC", "text": text}], "facts": []}
    with pytest.raises(FormatError, match=r"entity e001: span \[0:6\] 'Hà\\nNội' contains a line break"):
        to_brat(doc, text, schema)


# ------------------------------------------------------------------------------------------------ VLSP


def test_vlsp_round_trip_fine_is_the_identity(gold, schema):
    doc, text = gold
    markup = to_vlsp(doc, text, schema)
    imported = from_vlsp(markup, schema, f"{DOC_ID}.vlsp.txt", DOC_ID, text=text, existing=doc["entities"])
    assert imported.text == text and imported.facts is None
    assert imported.entities == doc["entities"]
    merged, report = merge_document(doc, text, imported, schema)
    assert report.empty and merged == doc


def test_vlsp_without_existing_gives_id_none(gold, schema):
    doc, text = gold
    imported = from_vlsp(to_vlsp(doc, text, schema), schema, "x", DOC_ID)
    assert imported.text == text
    assert all(e["id"] is None for e in imported.entities)
    assert [{**e, "id": None} for e in doc["entities"]] == imported.entities


def test_vlsp_round_trip_coarse(gold, schema):
    doc, text = gold
    markup = to_vlsp(doc, text, schema, labels="coarse")
    assert 'TYPE="TITLE"' not in markup and 'TYPE="EVENT"' not in markup and 'TYPE="DOC"' not in markup
    assert set(re.findall(r'TYPE="([A-Z]+)"', markup)) <= {"PERSON", "LOCATION", "ORGANIZATION", "MISCELLANEOUS"}
    imported = from_vlsp(markup, schema, "x", DOC_ID, text=text, existing=doc["entities"])
    expected = [{**e, "label": schema.coarse_of(e["label"])} for e in doc["entities"] if schema.coarse_of(e["label"])]
    assert any(e["label"] in ("EVENT", "DOC") for e in doc["entities"]) and any(e["label"] == "TITLE" for e in doc["entities"])
    assert imported.entities == expected


def test_vlsp_nested_example_looks_like_vlsp_2018(gold, schema):
    doc, text = gold
    for labels in ("fine", "coarse"):
        assert NESTED in to_vlsp(doc, text, schema, labels=labels)
    assert '<ENAMEX TYPE="TITLE">Chủ tịch nước</ENAMEX> <ENAMEX TYPE="PERSON">Lương Cường</ENAMEX>' in to_vlsp(doc, text, schema)
    assert 'Chủ tịch nước <ENAMEX TYPE="PERSON">Lương Cường</ENAMEX>' in to_vlsp(doc, text, schema, labels="coarse")


def test_vlsp_nested_example_parses(schema):
    imported = from_vlsp(f"Với {NESTED}.", schema, "x", "d")
    assert imported.text == "Với Ban Thường vụ Tỉnh ủy Quảng Ninh."
    assert imported.entities == [
        {"id": None, "start": 4, "end": 36, "label": "ORG", "text": "Ban Thường vụ Tỉnh ủy Quảng Ninh"},
        {"id": None, "start": 18, "end": 36, "label": "ORG", "text": "Tỉnh ủy Quảng Ninh"},
        {"id": None, "start": 26, "end": 36, "label": "LOC", "text": "Quảng Ninh"},
    ]


def test_vlsp_identical_extents_outer_is_first_in_the_list(schema):
    text = "Hội nghị Quảng Ninh"
    entities = [
        {"id": "e001", "start": 0, "end": 19, "label": "EVENT", "text": text},
        {"id": "e002", "start": 0, "end": 19, "label": "MISC", "text": text},
        {"id": "e003", "start": 9, "end": 19, "label": "LOC", "text": "Quảng Ninh"},
    ]
    doc = {"id": "d", "entities": entities}
    markup = to_vlsp(doc, text, schema)
    assert markup == (
        '<ENAMEX TYPE="EVENT"><ENAMEX TYPE="MISCELLANEOUS">Hội nghị <ENAMEX TYPE="LOCATION">Quảng Ninh</ENAMEX>'
        "</ENAMEX></ENAMEX>"
    )
    assert from_vlsp(markup, schema, "x", "d", text=text, existing=entities).entities == entities
    swapped = {"id": "d", "entities": [entities[1], entities[0], entities[2]]}
    assert to_vlsp(swapped, text, schema).startswith('<ENAMEX TYPE="MISCELLANEOUS"><ENAMEX TYPE="EVENT">')


def test_vlsp_escaping_round_trips(schema):
    text = "Giá <b> & R&D của Công ty A&B > 5 &amp; Lương Cường"
    amp = text.index("A&B")
    entities = [
        {"id": "e001", "start": amp - 8, "end": amp + 3, "label": "ORG", "text": "Công ty A&B"},
        {"id": "e002", "start": text.index("Lương"), "end": len(text), "label": "PER", "text": "Lương Cường"},
    ]
    doc = {"id": "d", "entities": entities}
    markup = to_vlsp(doc, text, schema)
    assert markup == (
        'Giá &lt;b&gt; &amp; R&amp;D của <ENAMEX TYPE="ORGANIZATION">Công ty A&amp;B</ENAMEX> &gt; 5 &amp;amp; '
        '<ENAMEX TYPE="PERSON">Lương Cường</ENAMEX>'
    )
    imported = from_vlsp(markup, schema, "x", "d", text=text, existing=entities)
    assert imported.text == text and imported.entities == entities
    # brat needs no escaping: offsets index the raw text
    txt, ann = to_brat({**doc, "facts": []}, text, schema)
    assert from_brat(ann, txt, schema, "x.ann", "d").entities == entities


def test_vlsp_raw_ampersand_is_kept(schema):
    imported = from_vlsp('<ENAMEX TYPE="ORGANIZATION">R&D Việt Nam</ENAMEX> &#x26; &quot;x&quot;', schema, "x", "d")
    assert imported.text == 'R&D Việt Nam & "x"'
    assert imported.entities[0]["text"] == "R&D Việt Nam"


@pytest.mark.parametrize(
    "markup, expected",
    [
        ('Một\n<ENAMEX TYPE="PERSON">Lương Cường', r"x\.vlsp\.txt:2:1: unbalanced tag: '<ENAMEX TYPE=\"PERSON\">' is never closed"),
        ("Một\nhai </ENAMEX>", r"x\.vlsp\.txt:2:5: unbalanced tag: closing '</ENAMEX>' without an open <ENAMEX>"),
        ('<ENAMEX TYPE="PERSON">A</ENAMEX>\n  <ENAMEX TYPE="PERSONNE">B</ENAMEX>', r"x\.vlsp\.txt:2:3: unknown TYPE 'PERSONNE'; did you mean 'PERSON'\?"),
        ('<ENAMEX TYPE="PER">B</ENAMEX>', r"x\.vlsp\.txt:1:1: unknown TYPE 'PER'"),
        ("a <ENAMEX>B</ENAMEX>", r"x\.vlsp\.txt:1:3: tag '<ENAMEX>' has no TYPE attribute"),
        ('<ENAMEX TYPE="PERSON" ID="1">B</ENAMEX>', r"x\.vlsp\.txt:1:1: unknown attribute 'ID'"),
        ('<TIMEX TYPE="DATE">29/7</TIMEX>', r"x\.vlsp\.txt:1:1: unknown tag '<TIMEX TYPE=\"DATE\">'"),
        ("a < b", r"x\.vlsp\.txt:1:3: unterminated tag or unescaped '<'"),
        ('<ENAMEX TYPE="PERSON"></ENAMEX>', r"x\.vlsp\.txt:1:1: empty entity"),
    ],
)
def test_vlsp_errors_name_line_and_column(schema, markup, expected):
    with pytest.raises(FormatError, match=f"^{expected}"):
        from_vlsp(markup, schema, "x.vlsp.txt", "d")


def test_vlsp_error_when_the_text_differs(gold, schema):
    doc, text = gold
    markup = to_vlsp(doc, text, schema)
    at = markup.index("rút kinh nghiệm")
    broken = markup[:at] + "rut" + markup[at + 3 :]
    offset = text.index("rút kinh nghiệm") + 1  # 'r' is the same, 'u' differs from 'ú'
    with pytest.raises(FormatError, match=rf"^x: document '{DOC_ID}': the text of the markup differs from the document text at offset {offset} \('ut kinh nghiệm cho c' vs 'út kinh"):
        from_vlsp(broken, schema, "x", DOC_ID, text=text, existing=doc["entities"])


def test_vlsp_refuses_crossing_spans(schema):
    text = "Ban Thường vụ Tỉnh ủy"
    doc = {"id": "d", "entities": [
        {"id": "e001", "start": 0, "end": 13, "label": "ORG", "text": "Ban Thường vụ"},
        {"id": "e002", "start": 4, "end": 21, "label": "ORG", "text": "Thường vụ Tỉnh ủy"},
    ]}
    with pytest.raises(FormatError, match=r"entity e002 \[4:21\] crosses entity e001"):
        to_vlsp(doc, text, schema)


def test_vlsp_unknown_label_in_the_document(schema):
    doc = {"id": "d", "entities": [{"id": "e001", "start": 0, "end": 2, "label": "PERSON", "text": "Hà"}]}
    with pytest.raises(FormatError, match=r"entity e001 has unknown label 'PERSON'"):
        to_vlsp(doc, "Hà", schema)


def test_importers_do_not_touch_their_inputs(gold, schema, brat_files):
    doc, text = gold
    before = copy.deepcopy(doc)
    from_vlsp(to_vlsp(doc, text, schema), schema, "x", DOC_ID, text=text, existing=doc["entities"])
    from_brat(brat_files[1], text, schema, "x.ann", DOC_ID)
    assert doc == before
