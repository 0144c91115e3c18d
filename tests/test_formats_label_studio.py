"""Label Studio export/import (`vinerfacts.formats.label_studio`) on the gold article and on an emoji document."""
from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vinerfacts.formats.label_studio import (
    from_label_studio,
    labeling_config,
    py_to_utf16,
    to_label_studio,
    utf16_to_py,
)
from vinerfacts.merge import FormatError, merge_document
from vinerfacts.schema import load_schema

from conftest import DOC_ID, ROOT

SOURCE = "export.json"


@pytest.fixture(scope="module")
def schema():
    return load_schema(ROOT / "annotations" / "schema.json")


@pytest.fixture(scope="module")
def gold():
    doc = json.loads((ROOT / "annotations" / "documents" / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    text = (ROOT / "annotations" / "documents" / f"{DOC_ID}.txt").read_text(encoding="utf-8")
    return doc, text


def export(gold, schema, **kw) -> list[dict]:
    """What Label Studio gives back for an untouched task: our JSON, through a JSON round trip."""
    doc, text = gold
    return json.loads(json.dumps(to_label_studio([(doc, text)], schema, **kw), ensure_ascii=False))


def result_of(tasks) -> list[dict]:
    return tasks[0]["annotations"][-1]["result"]


def region(result, rid) -> dict:
    return next(r for r in result if r.get("id") == rid)


def import_(tasks, gold, schema, existing=True):
    doc, text = gold
    return from_label_studio(tasks, {doc["id"]: text}, schema, SOURCE, existing={doc["id"]: doc} if existing else None)


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


# ---------------------------------------------------------------- export shape


def test_export_task_shape(gold, schema):
    doc, text = gold
    tasks = export(gold, schema)
    assert len(tasks) == 1
    task = tasks[0]
    assert task["id"] == 1 and task["data"] == {"text": text, "document_id": DOC_ID}
    assert "predictions" not in task and len(task["annotations"]) == 1
    result = task["annotations"][0]["result"]
    regions = [r for r in result if r["type"] == "labels"]
    relations = [r for r in result if r["type"] == "relation"]
    n_slots = sum(len(v) if isinstance(v, list) else 1 for f in doc["facts"] for v in f["slots"].values())
    n_links = sum(1 for f in doc["facts"] for v in f["slots"].values() for s in (v if isinstance(v, list) else [v]) if "entity_id" in s)
    assert len(regions) == len(doc["entities"]) + len(doc["facts"]) + n_slots
    assert len(relations) == n_slots + n_links
    assert len({r["id"] for r in regions}) == len(regions)

    e = doc["entities"][0]
    assert region(result, e["id"]) == {
        "id": e["id"], "from_name": "label", "to_name": "text", "type": "labels",
        "value": {"start": e["start"], "end": e["end"], "text": e["text"], "labels": [e["label"]]},
    }
    f004 = next(f for f in doc["facts"] if f["id"] == "f004")
    evidence = region(result, "f004")
    assert evidence["from_name"] == "fact" and evidence["value"]["labels"] == ["quantity"]
    assert json.loads(evidence["meta"]["text"][0]) == {"sentence": "s04", "parts": ["f005", "f006", "f007"]}
    quantity = region(result, "f004.quantity.0")
    assert quantity["value"] == {"start": 557, "end": 559, "text": "54", "labels": ["quantity.quantity"]}
    assert json.loads(quantity["meta"]["text"][0]) == {"span_text": "54", "value": 54, "comparator": "="}
    assert json.loads(region(result, "f004.unit.0")["meta"]["text"][0])["measure"] == f004["slots"]["unit"]["measure"]
    assert "meta" not in region(result, "f004.qualifier.0")
    assert {"from_id": "f004", "to_id": "f004.quantity.0", "type": "relation", "direction": "right", "labels": ["quantity"]} in relations
    assert {"from_id": "f004.entity.0", "to_id": "e017", "type": "relation", "direction": "right", "labels": ["link"]} in relations
    # every region's text is the text at its offsets (all BMP here: UTF-16 offsets = code points)
    for r in regions:
        assert text[r["value"]["start"]:r["value"]["end"]] == r["value"]["text"]


def test_export_as_predictions(gold, schema):
    tasks = export(gold, schema, as_predictions=True, model_version="gold-v1")
    task = tasks[0]
    assert "annotations" not in task
    assert task["predictions"] == [{"model_version": "gold-v1", "result": result_of(export(gold, schema))}]
    assert "model_version" not in export(gold, schema, as_predictions=True)[0]["predictions"][0]
    # a task with only predictions has nothing to import
    with pytest.raises(FormatError, match=r"export\.json: task 1 \(document '000_d08f880c9ee73c57'\): no annotations \(only predictions"):
        import_(tasks, gold, schema)


def test_export_is_deterministic_and_numbers_tasks(gold, schema):
    doc, text = gold
    other = {**doc, "id": "other"}
    tasks = to_label_studio([(doc, text), (other, text)], schema)
    assert [t["id"] for t in tasks] == [1, 2]
    assert [t["data"]["document_id"] for t in tasks] == [DOC_ID, "other"]
    assert json.dumps(tasks) == json.dumps(to_label_studio([(doc, text), (other, text)], schema))


def test_export_rejects_an_unknown_label(gold, schema):
    doc, text = gold
    bad = copy.deepcopy(doc)
    bad["entities"][1]["label"] = "PERSON"
    with pytest.raises(FormatError, match=r"entity e002 has label 'PERSON', not in the schema"):
        to_label_studio([(bad, text)], schema)


# ---------------------------------------------------------------- round trip


@pytest.mark.parametrize("existing", [True, False], ids=["with-existing", "without-existing"])
def test_round_trip_is_the_identity(gold, schema, existing):
    doc, text = gold
    [imported] = import_(export(gold, schema), gold, schema, existing=existing)
    assert imported.document_id == DOC_ID and imported.text == text
    assert imported.source == f"{SOURCE}: task 1"
    assert imported.entities == doc["entities"]
    assert imported.facts == doc["facts"]
    # key order too, so that a merge writes the same bytes
    assert [json.dumps(f, ensure_ascii=False) for f in imported.facts] == [json.dumps(f, ensure_ascii=False) for f in doc["facts"]]
    merged, report = merge_document(doc, text, imported, schema)
    assert report.empty and merged == doc


def test_round_trip_from_predictions(gold, schema):
    """Pre-annotations accepted as they are in Label Studio come back unchanged."""
    doc, _ = gold
    tasks = export(gold, schema, as_predictions=True, model_version="m")
    tasks[0]["annotations"] = [{"id": 7, "result": tasks[0]["predictions"][0]["result"], "was_cancelled": False}]
    [imported] = import_(tasks, gold, schema)
    assert imported.entities == doc["entities"] and imported.facts == doc["facts"]


def test_relation_direction_and_missing_relation_labels_do_not_matter(gold, schema):
    doc, _ = gold
    tasks = export(gold, schema)
    for r in result_of(tasks):
        if r["type"] == "relation":
            r["from_id"], r["to_id"], r["direction"] = r["to_id"], r["from_id"], "left"
            r["labels"] = []
    [imported] = import_(tasks, gold, schema)
    assert imported.entities == doc["entities"] and imported.facts == doc["facts"]


def test_label_studio_fields_are_ignored(gold, schema):
    """A real export carries more fields (origin, task and annotation metadata); they change nothing."""
    doc, _ = gold
    tasks = export(gold, schema)
    task = tasks[0]
    task.update({"id": 4211, "created_at": "2025-08-01T10:00:00.000000Z", "project": 3, "meta": {}, "predictions": []})
    ann = task["annotations"][0]
    ann.update({"id": 99, "completed_by": 1, "was_cancelled": False, "ground_truth": False, "lead_time": 12.5,
                "created_at": "2025-08-01T10:05:00.000000Z", "updated_at": "2025-08-01T10:05:00.000000Z"})
    for r in ann["result"]:
        if r["type"] == "labels":
            r["origin"] = "manual"
    [imported] = import_(tasks, gold, schema)
    assert imported.source == f"{SOURCE}: task 4211"
    assert imported.entities == doc["entities"] and imported.facts == doc["facts"]


def test_extra_entity_fields_round_trip_and_a_file_without_facts_keeps_none(gold, schema):
    """Candidates of an unreviewed document carry `source`; such a file may have no fact layer."""
    doc, text = gold
    candidate = {k: v for k, v in doc.items() if k != "facts"}
    candidate["entities"] = [{**e, "source": "underthesea"} for e in doc["entities"][:3]]
    tasks = json.loads(json.dumps(to_label_studio([(candidate, text)], schema)))
    assert json.loads(region(result_of(tasks), "e001")["meta"]["text"][0]) == {"source": "underthesea"}
    [imported] = from_label_studio(tasks, {DOC_ID: text}, schema, SOURCE, existing={DOC_ID: candidate})
    assert imported.entities == candidate["entities"] and imported.facts is None
    merged, report = merge_document(candidate, text, imported, schema)
    assert report.empty and merged == candidate


# ---------------------------------------------------------------- edits made in Label Studio


def edited_export(gold, schema) -> list[dict]:
    """The export after a user's session: one label changed, one entity deleted, one region added,
    one slot moved; with an older annotation before it and a cancelled one after it."""
    doc, text = gold
    tasks = export(gold, schema)
    original = tasks[0]["annotations"][0]
    original.update({"id": 1, "was_cancelled": False, "created_at": "2025-08-01T09:00:00Z", "updated_at": "2025-08-01T09:00:00Z"})
    result = copy.deepcopy(original["result"])
    region(result, "e013")["value"]["labels"] = ["MISC"]  # Đại hội Đảng các cấp: EVENT -> MISC
    result.remove(region(result, "e003"))  # Quảng Ninh in the headline
    start = text.index("đoàn công tác Trung ương")
    result.append({"id": "Xk3_9aZqLw", "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
                   "value": {"start": start, "end": start + 24, "text": "đoàn công tác Trung ương", "labels": ["ORG"]}})
    qualifier = region(result, "f020.qualifier.0")["value"]  # "vừa ban hành" -> "ban hành"
    qualifier["start"] += 4
    qualifier["text"] = text[qualifier["start"]:qualifier["end"]]
    edited = {"id": 2, "result": result, "was_cancelled": False, "created_at": "2025-08-02T09:00:00Z", "updated_at": "2025-08-02T09:30:00.123456Z"}
    cancelled = {"id": 3, "result": [], "was_cancelled": True, "created_at": "2025-08-03T09:00:00Z", "updated_at": "2025-08-03T09:00:00Z"}
    tasks[0]["annotations"] = [original, cancelled, edited]  # the latest non-cancelled one is not last
    return tasks


def test_edits_merge_into_exactly_those_changes(gold, schema):
    doc, text = gold
    [imported] = import_(edited_export(gold, schema), gold, schema)
    merged, report = merge_document(doc, text, imported, schema)

    start = text.index("đoàn công tác Trung ương")
    assert report.added == [{"id": "e068", "start": start, "end": start + 24, "label": "ORG", "text": "đoàn công tác Trung ương"}]
    assert [x["id"] for x in report.deleted] == ["e003"]
    assert [(old["id"], new["id"]) for old, new in report.changed] == [("e013", "e013"), ("f020", "f020")]
    (old_e, new_e), (old_f, new_f) = report.changed
    assert (old_e["label"], new_e["label"]) == ("EVENT", "MISC")
    assert {k: v for k, v in new_e.items() if k != "label"} == {k: v for k, v in old_e.items() if k != "label"}
    assert old_f["slots"]["qualifier"] == [{"start": 2362, "end": 2374, "text": "vừa ban hành"}]
    assert new_f["slots"]["qualifier"] == [{"start": 2366, "end": 2374, "text": "ban hành"}]
    assert {k: v for k, v in new_f.items() if k != "slots"} == {k: v for k, v in old_f.items() if k != "slots"}
    assert {k: v for k, v in new_f["slots"].items() if k != "qualifier"} == {k: v for k, v in old_f["slots"].items() if k != "qualifier"}
    assert report.lines()[0] == f"{DOC_ID}: 1 added, 2 changed, 1 deleted"
    # everything else is untouched
    assert [e for e in merged["entities"] if e["id"] not in ("e013", "e068")] == [e for e in doc["entities"] if e["id"] not in ("e003", "e013")]
    assert [f for f in merged["facts"] if f["id"] != "f020"] == [f for f in doc["facts"] if f["id"] != "f020"]


def test_the_latest_non_cancelled_annotation_is_taken(gold, schema):
    doc, _ = gold
    tasks = edited_export(gold, schema)
    anns = tasks[0]["annotations"]
    [imported] = import_(tasks, gold, schema)
    assert next(e for e in imported.entities if e["id"] == "e013")["label"] == "MISC"  # annotation 2
    anns[0]["updated_at"] = "2025-08-05T00:00:00+00:00"  # the original, updated last, wins
    [imported] = import_(tasks, gold, schema)
    assert imported.entities == doc["entities"]
    for a in anns:  # without timestamps: the later one in the list
        a.pop("created_at"), a.pop("updated_at")
    [imported] = import_(tasks, gold, schema)
    assert next(e for e in imported.entities if e["id"] == "e013")["label"] == "MISC"
    for a in anns:
        a["was_cancelled"] = True
    with pytest.raises(FormatError, match=r"export\.json: task 1 \(document '000_d08f880c9ee73c57'\): all 3 annotations are cancelled"):
        import_(tasks, gold, schema)
    tasks[0]["annotations"] = []
    with pytest.raises(FormatError, match=r"task 1 \(document '000_d08f880c9ee73c57'\): no annotations; nothing to import"):
        import_(tasks, gold, schema)


def test_a_slot_linked_to_a_new_entity_gets_its_merged_id(gold, schema):
    doc, text = gold
    tasks = edited_export(gold, schema)
    result = result_of(tasks)
    assert region(result, "f003.participant.1")["value"]["text"] == "đoàn công tác Trung ương"
    result.append({"from_id": "f003.participant.1", "to_id": "Xk3_9aZqLw", "type": "relation", "direction": "right", "labels": ["link"]})
    [imported] = import_(tasks, gold, schema)
    merged, report = merge_document(doc, text, imported, schema)
    f003 = next(f for f in merged["facts"] if f["id"] == "f003")
    link = f003["slots"]["participant"][1]["entity_id"]
    entity = next(e for e in merged["entities"] if e["id"] == link)
    assert (link, entity["text"], entity["label"]) == ("e068", "đoàn công tác Trung ương", "ORG")
    assert [old["id"] for old, _ in report.changed] == ["e013", "f003", "f020"]
    # without the current annotations the new entity's id cannot be known
    with pytest.raises(FormatError, match=r"region 'f003\.participant\.1': links to the new entity region 'Xk3_9aZqLw'; pass the current annotations"):
        import_(tasks, gold, schema, existing=False)


def test_a_fact_drawn_in_label_studio_is_added(gold, schema):
    doc, text = gold
    tasks = export(gold, schema)
    result = result_of(tasks)
    start = text.index("từ 1/7")
    span = {"start": start, "end": start + 6, "text": "từ 1/7"}
    result += [
        {"id": "qW2-e_Rt5y", "from_name": "fact", "to_name": "text", "type": "labels", "value": {**span, "labels": ["time"]}},
        {"id": "Zx9yTq1_0a", "from_name": "fact", "to_name": "text", "type": "labels", "value": {**span, "labels": ["time.expression"]}},
        {"from_id": "qW2-e_Rt5y", "to_id": "Zx9yTq1_0a", "type": "relation", "direction": "right", "labels": ["expression"]},
    ]
    [imported] = import_(tasks, gold, schema)
    new = imported.facts[-1]
    # no meta: no normalized fields (the validator recomputes them); the sentence comes from the evidence
    assert new == {"id": None, "type": "time", "sentence": "s13", "start": start, "end": start + 6, "text": "từ 1/7",
                   "slots": {"expression": {"start": start, "end": start + 6, "text": "từ 1/7"}}}
    _, report = merge_document(doc, text, imported, schema)
    assert [x["id"] for x in report.added] == ["f028"] and not report.changed and not report.deleted


def test_moved_normalized_slots_drop_stale_values_and_meta_edits_are_read(gold, schema):
    doc, text = gold
    tasks = export(gold, schema)
    result = result_of(tasks)
    quantity = region(result, "f004.quantity.0")["value"]  # "54" -> "30": value and comparator are stale
    quantity.update({"start": 589, "end": 591, "text": "30"})
    unit = region(result, "f004.unit.0")["value"]  # "đơn vị hành chính cấp xã" -> "đơn vị hành chính": measure kept
    unit.update({"end": 577, "text": text[560:577]})
    meta = region(result, "f005.unit.0")["meta"]  # the annotator edits the measure in the region's meta
    meta["text"] = [json.dumps({**json.loads(meta["text"][0]), "measure": "other"})]
    [imported] = import_(tasks, gold, schema)
    facts = {f["id"]: f for f in imported.facts}
    assert facts["f004"]["slots"]["quantity"] == {"start": 589, "end": 591, "text": "30"}
    assert facts["f004"]["slots"]["unit"] == {"start": 560, "end": 577, "text": "đơn vị hành chính", "measure": "admin_units.commune_level"}
    assert facts["f005"]["slots"]["unit"]["measure"] == "other"
    _, report = merge_document(doc, text, imported, schema)
    assert [old["id"] for old, _ in report.changed] == ["f004", "f005"]


# ---------------------------------------------------------------- UTF-16 offsets


EMOJI_TEXT = "Tin nóng 🔥🔥: Chủ tịch nước Lương Cường 👋 đến Hà Nội.\nTỉnh có trên 1,4 triệu người 𝔸."


@pytest.fixture(scope="module")
def emoji_doc():
    text = EMOJI_TEXT

    def span(s, after=0):
        start = text.index(s, after)
        return {"start": start, "end": start + len(s), "text": s}

    def entity(eid, s, label):
        x = span(s)
        return {"id": eid, "start": x["start"], "end": x["end"], "label": label, "text": s}

    entities = [entity("e001", "Chủ tịch nước", "TITLE"), entity("e002", "Lương Cường", "PER"), entity("e003", "Hà Nội", "LOC")]
    first = text.index("\n")
    sentences = [{"id": "s01", "start": 0, "end": first}, {"id": "s02", "start": first + 1, "end": len(text)}]
    facts = [
        {"id": "f001", "type": "event", "sentence": "s01", **span("Lương Cường 👋 đến Hà Nội"), "slots": {
            "trigger": span("đến"),
            "participant": [{**span("Lương Cường"), "entity_id": "e002"}],
            "location": {**span("Hà Nội"), "entity_id": "e003"},
        }},
        {"id": "f002", "type": "quantity", "sentence": "s02", **span("có trên 1,4 triệu người 𝔸"), "slots": {
            "quantity": {**span("trên 1,4 triệu"), "value": 1400000, "comparator": ">"},
            "unit": {**span("người 𝔸"), "measure": "population"},
        }},
    ]
    return {"id": "emoji", "sentences": sentences, "entities": entities, "facts": facts}, text


def test_utf16_helpers():
    s = "a😀b𝔸"
    assert [py_to_utf16(s, i) for i in range(len(s) + 1)] == [0, 1, 3, 4, 6]
    assert [utf16_to_py(s, u) for u in (0, 1, 3, 4, 6)] == [0, 1, 2, 3, 4]
    for bad in (2, 5):
        with pytest.raises(ValueError, match="inside a surrogate pair"):
            utf16_to_py(s, bad)
    with pytest.raises(ValueError, match="outside the text"):
        utf16_to_py(s, 7)
    with pytest.raises(ValueError, match="outside the text"):
        py_to_utf16(s, 5)
    assert py_to_utf16("Quảng Ninh", 5) == 5 and utf16_to_py("Quảng Ninh", 5) == 5


@given(st.text(alphabet=st.sampled_from(list("aăđ ✓😀𝔸🔥\n")) | st.characters(), max_size=40))
def test_utf16_helpers_agree_with_javascript_indices(s):
    for i in range(len(s) + 1):
        u = py_to_utf16(s, i)
        assert u == utf16_len(s[:i])
        assert utf16_to_py(s, u) == i


def test_emoji_document_round_trips_with_utf16_offsets(emoji_doc, schema):
    doc, text = emoji_doc
    tasks = json.loads(json.dumps(to_label_studio([(doc, text)], schema)))
    encoded = text.encode("utf-16-le")
    for r in result_of(tasks):
        if r["type"] != "labels":
            continue
        v = r["value"]
        # JavaScript's text.slice(start, end)
        assert encoded[2 * v["start"]:2 * v["end"]].decode("utf-16-le") == v["text"]
    e002 = region(result_of(tasks), "e002")["value"]
    assert (e002["start"], e002["end"]) == (doc["entities"][1]["start"] + 2, doc["entities"][1]["end"] + 2)
    unit = region(result_of(tasks), "f002.unit.0")["value"]
    assert unit["end"] == utf16_len(text[:doc["facts"][1]["slots"]["unit"]["end"]]) == doc["facts"][1]["slots"]["unit"]["end"] + 4
    [imported] = from_label_studio(tasks, {"emoji": text}, schema, SOURCE, existing={"emoji": doc})
    assert imported.entities == doc["entities"]
    assert imported.facts == doc["facts"]


def test_emoji_document_import_rejects_code_point_offsets(emoji_doc, schema):
    """A tool that wrote Python offsets into a Label Studio file is caught by the text check."""
    doc, text = emoji_doc
    tasks = to_label_studio([(doc, text)], schema)
    e002 = region(result_of(tasks), "e002")["value"]
    e002["start"], e002["end"] = doc["entities"][1]["start"], doc["entities"][1]["end"]
    assert (e002["start"], e002["end"]) == (27, 38)  # code points; the UTF-16 offsets are [29:40]
    with pytest.raises(FormatError, match=r"region 'e002': offsets \[27:38\] \(UTF-16; \[25:36\] in code points\) do not match its text 'Lương Cường': the text there is 'c Lương Cườ'"):
        from_label_studio(tasks, {"emoji": text}, schema, SOURCE)
    e002["start"] = 10  # between the halves of the second 🔥
    with pytest.raises(FormatError, match=r"region 'e002': offsets \[10:38\] \(UTF-16\) do not match the text: UTF-16 offset 10 falls inside a surrogate pair"):
        from_label_studio(tasks, {"emoji": text}, schema, SOURCE)


# ---------------------------------------------------------------- labeling config


def test_labeling_config_lists_every_label_fact_slot_and_relation(schema):
    xml = labeling_config(schema)
    assert xml == labeling_config(schema)  # deterministic
    root = ET.fromstring(xml)
    assert root.tag == "View"
    [text] = root.findall("Text")
    assert text.attrib == {"name": "text", "value": "$text"}
    controls = {c.get("name"): c for c in root.findall("Labels")}
    assert set(controls) == {"label", "fact"}
    assert all(c.get("toName") == "text" for c in controls.values())
    entity_labels = controls["label"].findall("Label")
    assert [x.get("value") for x in entity_labels] == list(schema.labels)
    assert [x.get("hint") for x in entity_labels] == [lab.description for lab in schema.labels.values()]
    expected_fact_labels = []
    for ftype, slots in schema.fact_types.items():
        expected_fact_labels += [ftype] + [f"{ftype}.{name}" for name in slots]
    assert [x.get("value") for x in controls["fact"].findall("Label")] == expected_fact_labels
    assert "quantity.quantity" in expected_fact_labels and "statement.addressee" in expected_fact_labels
    [relations] = root.findall("Relations")
    slot_names = list(dict.fromkeys(name for slots in schema.fact_types.values() for name in slots))
    assert [x.get("value") for x in relations.findall("Relation")] == slot_names + ["link"]


def test_labeling_config_covers_everything_the_export_uses(gold, schema):
    root = ET.fromstring(labeling_config(schema))
    labels = {(c.get("name"), x.get("value")) for c in root.findall("Labels") for x in c.findall("Label")}
    relations = {x.get("value") for x in root.iter("Relation")}
    for r in result_of(export(gold, schema)):
        if r["type"] == "labels":
            assert (r["from_name"], r["value"]["labels"][0]) in labels
            assert r["to_name"] == root.find("Text").get("name")
        else:
            assert r["labels"][0] in relations


def test_labeling_config_escapes_descriptions(schema):
    from dataclasses import replace

    from vinerfacts.schema import Label

    odd = replace(schema, labels={**schema.labels, "X&Y": Label("X&Y", None, 'a "quoted" <tag> & more')})
    root = ET.fromstring(labeling_config(odd))
    label = next(x for x in root.iter("Label") if x.get("value") == "X&Y")
    assert label.get("hint") == 'a "quoted" <tag> & more'


# ---------------------------------------------------------------- errors


def _set_label(rid, label):
    def edit(tasks):
        region(result_of(tasks), rid)["value"]["labels"] = [label]
    return edit


def _shift(rid, by):
    def edit(tasks):
        region(result_of(tasks), rid)["value"]["start"] += by
    return edit


def _end(rid, end):
    def edit(tasks):
        region(result_of(tasks), rid)["value"]["end"] = end
    return edit


def _delete_region(rid):
    def edit(tasks):
        result = result_of(tasks)
        result.remove(region(result, rid))
    return edit


def _add(item):
    def edit(tasks):
        result_of(tasks).append(copy.deepcopy(item))
    return edit


def _remove_relations_to(rid):
    def edit(tasks):
        result = result_of(tasks)
        result[:] = [r for r in result if not (r["type"] == "relation" and rid in (r["from_id"], r["to_id"]))]
    return edit


def _set_meta(rid, text):
    def edit(tasks):
        region(result_of(tasks), rid)["meta"] = {"text": [text]}
    return edit


def _set_data(key, value):
    def edit(tasks):
        tasks[0]["data"][key] = value
    return edit


def _change_text(tasks):
    t = tasks[0]["data"]["text"]
    tasks[0]["data"]["text"] = t[:100] + "X" + t[101:]


def _drop_document_id(tasks):
    del tasks[0]["data"]["document_id"]


def _duplicate_task(tasks):
    tasks.append({**copy.deepcopy(tasks[0]), "id": 2})


def _relabel_relation(from_id, to_id, labels):
    def edit(tasks):
        rel = next(r for r in result_of(tasks) if r["type"] == "relation" and (r["from_id"], r["to_id"]) == (from_id, to_id))
        rel["labels"] = labels
    return edit


def _two_labels(tasks):
    region(result_of(tasks), "e002")["value"]["labels"] = ["PER", "LOC"]


def _duplicate_region(tasks):
    result = result_of(tasks)
    result.append(copy.deepcopy(region(result, "e002")))


SECOND_UNIT = {"id": "Nw7_unit_x", "from_name": "fact", "to_name": "text", "type": "labels",
               "value": {"start": 560, "end": 566, "text": "đơn vị", "labels": ["quantity.unit"]}}
WHERE = re.escape("export.json: task 1 (document '000_d08f880c9ee73c57')")

ERROR_CASES = {
    "unknown entity label": (_set_label("e002", "PERSON"), WHERE + r": region 'e002': unknown entity label 'PERSON'; did you mean 'PER'\?"),
    "unknown fact label": (_set_label("f004", "quantities"), WHERE + r": region 'f004': unknown fact label 'quantities' \(expected a fact type or 'type\.slot'"),
    "unknown slot label": (_set_label("f004.unit.0", "quantity.units"), WHERE + r": region 'f004\.unit\.0': unknown fact label 'quantity\.units'"),
    "offsets do not match the text": (_shift("e002", 1), WHERE + r": region 'e002': offsets \[15:25\] .* do not match its text 'Lương Cường': the text there is 'ương Cường'"),
    "offsets outside the text": (_end("e002", 10**6), WHERE + r": region 'e002': offsets \[14:1000000\] \(UTF-16\) do not match the text: UTF-16 offset 1000000 is outside the text \(0\.\.4319 code units\)"),
    "empty span": (_end("e002", 14), WHERE + r": region 'e002': empty or reversed span \[14:14\]"),
    "relation to a missing region": (_delete_region("e005"), WHERE + r": relation 'f001\.speaker\.0' -> 'e005': to_id 'e005' is not a region of the annotation"),
    "relation to a made-up id": (_add({"from_id": "f001", "to_id": "nope", "type": "relation", "labels": ["cue"]}), WHERE + r": relation 'f001' -> 'nope': to_id 'nope' is not a region"),
    "relation between entities": (_add({"from_id": "e001", "to_id": "e002", "type": "relation", "labels": ["link"]}), WHERE + r": relation 'e001' -> 'e002': relation between regions of kinds entity \('TITLE'\) and entity \('PER'\)"),
    "relation label disagrees with the slot": (_relabel_relation("f001", "f001.cue.0", ["speaker"]), WHERE + r": relation 'f001' -> 'f001\.cue\.0': relation labels \['speaker'\] do not agree with the slot region labeled 'statement\.cue'"),
    "link labeled as a slot": (_relabel_relation("f001.speaker.0", "e005", ["speaker"]), WHERE + r": relation 'f001\.speaker\.0' -> 'e005': relation labels \['speaker'\] between slot"),
    "slot of another fact type": (_add({"from_id": "f002", "to_id": "f001.cue.0", "type": "relation", "labels": ["cue"]}), WHERE + r": relation 'f002' -> 'f001\.cue\.0': slot region 'f001\.cue\.0' labeled 'statement\.cue' is related to fact region 'f002' of type 'time'"),
    "slot without a fact": (_remove_relations_to("f001.cue.0"), WHERE + r": region 'f001\.cue\.0': slot region 'statement\.cue' 'nhấn mạnh' is not related to any fact"),
    "single slot given twice": (lambda t: (_add(SECOND_UNIT)(t), _add({"from_id": "f004", "to_id": "Nw7_unit_x", "type": "relation", "labels": ["unit"]})(t)),
                                WHERE + r": region 'f004': slot 'unit' of a quantity fact takes one span, found 2: \[560:584\] 'đơn vị hành chính cấp xã', \[560:566\] 'đơn vị'"),
    "slot linked to two entities": (_add({"from_id": "f001.speaker.0", "to_id": "e004", "type": "relation", "labels": ["link"]}), WHERE + r": relation 'f001\.speaker\.0' -> 'e004': slot region 'f001\.speaker\.0' is linked to two entities, 'e005' and 'e004'"),
    "meta that is not JSON": (_set_meta("f004.quantity.0", "value: 54"), WHERE + r": region 'f004\.quantity\.0': meta text 'value: 54' is not JSON"),
    "meta that is not an object": (_set_meta("f004", "[1, 2]"), WHERE + r": region 'f004': meta text '\[1, 2\]' is not a JSON object"),
    "changed text": (_change_text, WHERE + r": data\.text differs from the document's text at offset 100 \('X"),
    "unknown document id": (_set_data("document_id", "zzz_unknown"), re.escape("export.json: task 1 (document 'zzz_unknown'): unknown document id 'zzz_unknown'")),
    "no document id": (_drop_document_id, r"export\.json: task 1: data has no document_id"),
    "document exported twice": (_duplicate_task, r"export\.json: task 2: document '000_d08f880c9ee73c57' is also task 1"),
    "unsupported result type": (_add({"id": "t1", "from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": ["x"]}}), WHERE + r": region 't1': result type 'textarea' is not produced by the vinerfacts labeling config"),
    "unknown control": (lambda t: region(result_of(t), "e002").update(from_name="ner"), WHERE + r": region 'e002': from_name 'ner' is not a control of the labeling config"),
    "two labels on a region": (_two_labels, WHERE + r": region 'e002': expected exactly one label, found \['PER', 'LOC'\]"),
    "one region id twice": (_duplicate_region, WHERE + r": region 'e002': region id used twice"),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_name_source_task_region_and_value(gold, schema, case):
    edit, message = ERROR_CASES[case]
    tasks = export(gold, schema)
    edit(tasks)
    with pytest.raises(FormatError, match=message):
        import_(tasks, gold, schema)


def test_an_export_that_is_not_a_list_of_tasks(gold, schema):
    doc, text = gold
    with pytest.raises(FormatError, match=r"export\.json: a Label Studio JSON export is a list of tasks, found dict"):
        from_label_studio(export(gold, schema)[0], {DOC_ID: text}, schema, SOURCE)
    with pytest.raises(FormatError, match=r"export\.json: item 0 is not a task object"):
        from_label_studio(["task"], {DOC_ID: text}, schema, SOURCE)
