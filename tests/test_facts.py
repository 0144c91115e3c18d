"""The fact layer: validation rules on broken copies, normalized values, verification verdicts, packaging."""
import json

import pytest

from conftest import DOC_ID
from vinerfacts.facts import NOT_ENOUGH_INFO, REFUTED, SUPPORTED, fill_normalized, verify_quantities
from vinerfacts.validate import ERROR, validate


def errors(root):
    return [str(p) for p in validate(root) if p.severity == ERROR]


def fact(doc, fid):
    return next(f for f in doc.data["facts"] if f["id"] == fid)


def test_gold_has_every_fact_type(corpus):
    doc = corpus.document(DOC_ID)
    types = {f.type for f in doc.facts}
    assert types == {"quantity", "time", "event", "statement"}
    assert sum(f.type == "quantity" for f in doc.facts) == 10


def test_gold_values_are_what_the_normalizer_gives(corpus, root):
    raw = json.loads((root / "annotations" / "documents" / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    for f in raw["facts"]:
        assert fill_normalized(f, raw["metadata"]) == f, f["id"]
    by_text = {f["slots"]["quantity"]["text"]: f["slots"]["quantity"] for f in raw["facts"] if f["type"] == "quantity"}
    assert by_text["1.452"]["value"] == 1452
    assert by_text["trên 103.500"] == {**by_text["trên 103.500"], "value": 103500, "comparator": ">"}
    assert by_text["trên 1,4 triệu"]["value"] == 1400000


FACT_CASES = {
    "slot outside the evidence": (lambda d: fact(d, "f001")["slots"]["cue"].update(start=79, end=92, text="Chủ tịch nước"), ["fact f001 slot cue [79:92]", "outside the fact's evidence span"]),
    "evidence outside its sentence": (lambda d: fact(d, "f002").update(sentence="s04"), ["fact f002 [244:254]", "not inside its sentence s04"]),
    "unknown entity link": (lambda d: fact(d, "f004")["slots"]["entity"].update(entity_id="e999"), ["fact f004 slot entity", "entity_id 'e999' is not an entity"]),
    "value inconsistent with the text": (lambda d: fact(d, "f004")["slots"]["quantity"].update(value=45), ["fact f004 slot quantity", "value is 45, the normalizer gives 54"]),
    "comparator inconsistent": (lambda d: fact(d, "f012")["slots"]["quantity"].update(comparator="="), ["comparator is '=', the normalizer gives '>'"]),
    "time value inconsistent": (lambda d: fact(d, "f002")["slots"]["expression"].update(value="2024-07-29"), ["value is '2024-07-29', the normalizer gives '2025-07-29'"]),
    "missing required slot": (lambda d: fact(d, "f001")["slots"].pop("cue"), ["fact f001", "required slot 'cue' of a statement fact is missing"]),
    "unknown slot": (lambda d: fact(d, "f001")["slots"].update(speakr=fact(d, "f001")["slots"]["speaker"]), ["unknown slot of a statement fact 'speakr'", "did you mean 'speaker'"]),
    "unknown type": (lambda d: fact(d, "f002").update(type="tiem"), ["unknown fact type 'tiem'", "did you mean 'time'"]),
    "unknown measure": (lambda d: fact(d, "f004")["slots"]["unit"].update(measure="communes"), ["measure 'communes' is not in the schema's measures"]),
    "unknown part": (lambda d: fact(d, "f004").update(parts=["f005", "f099"]), ["part 'f099' is not a fact id"]),
    "duplicate fact": (lambda d: d.data["facts"].append({**fact(d, "f002"), "id": "f999"}), ["duplicate fact: same type, evidence and slots as fact f002"]),
    "duplicate fact id": (lambda d: fact(d, "f002").update(id="f001"), ["fact f001", "duplicate fact id"]),
    "evidence text differs": (lambda d: fact(d, "f002").update(text="Chiều 30/7"), ["evidence text 'Chiều 30/7' != text[244:254] 'Chiều 29/7'"]),
    "unparseable quantity": (lambda d: fact(d, "f004")["slots"]["quantity"].update(start=596, end=604, text="30 phườn"), ["cannot normalize '30 phườn'"]),
}


@pytest.mark.parametrize("name", sorted(FACT_CASES))
def test_fact_rule_rejects_broken_copy(name, gold_doc, annotations_copy):
    mutate, fragments = FACT_CASES[name]
    mutate(gold_doc)
    gold_doc.save()
    text = "\n".join(errors(annotations_copy))
    assert text, f"{name}: no error"
    for fragment in fragments:
        assert fragment in text, f"{name}: {fragment!r} not in:\n{text}"


def _verdicts(corpus_doc):
    return {v.fact_id: v for v in verify_quantities(corpus_doc, {e.id: e for e in corpus_doc.entities})}


def test_admin_unit_counts_are_supported_by_the_source(corpus):
    doc = corpus.document(DOC_ID)
    verdicts = _verdicts(doc)
    by_measure = {f.slots["unit"]["measure"]: verdicts[f.id] for f in doc.facts if f.type == "quantity"}
    for measure, expected in (("admin_units.commune_level", 54), ("admin_units.ward", 30), ("admin_units.commune", 22), ("admin_units.special_zone", 2)):
        v = by_measure[measure]
        assert v.verdict == SUPPORTED and v.expected == expected and v.source == "vietnam-provinces" and v.source_version == "2025.10.1"
        assert v.source_describes.startswith("2025-07-01/")
    assert by_measure["population"].verdict == NOT_ENOUGH_INFO and "no offline source" in by_measure["population"].reason


def test_a_wrong_count_is_refuted(corpus):
    import copy

    doc = copy.deepcopy(corpus.document(DOC_ID))
    total = next(f for f in doc.facts if f.slots.get("unit", {}).get("measure") == "admin_units.commune_level")
    total.slots["quantity"]["value"] = 55
    v = _verdicts(doc)[total.id]
    assert v.verdict == REFUTED and "lists 54" in v.reason


def test_a_date_outside_the_sources_period_is_not_enough_info(corpus):
    import copy

    doc = copy.deepcopy(corpus.document(DOC_ID))
    doc.metadata["event_date"] = {"value": "2024-12-31", "inferred": False, "evidence": "test"}
    verdicts = _verdicts(doc)
    ward = next(f for f in doc.facts if f.slots.get("unit", {}).get("measure") == "admin_units.ward")
    assert verdicts[ward.id].verdict == NOT_ENOUGH_INFO and "outside the period the source describes" in verdicts[ward.id].reason


def test_facts_config_rows(root):
    import pyarrow.parquet as pq

    rows = pq.read_table(root / "dataset" / "facts" / "test-00000-of-00001.parquet").to_pylist()
    assert len(rows) == 27
    doc = pq.read_table(root / "dataset" / "documents" / "test-00000-of-00001.parquet").to_pylist()[0]
    assert len(doc["facts"]) == 27
    for r in rows:
        assert doc["text"][r["start"]:r["end"]] == r["text"]
        for s in r["slots"]:
            assert doc["text"][s["start"]:s["end"]] == s["text"]
            assert r["start"] <= s["start"] and s["end"] <= r["end"]
    supported = [r for r in rows if r["verification"] and r["verification"]["verdict"] == SUPPORTED]
    assert len(supported) == 4
