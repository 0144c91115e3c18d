"""The evaluation harness on character-span (JSONL) predictions against the dataset."""
import json
import random
import unicodedata

import pytest

from vinerfacts.errors import VinerfactsError
from vinerfacts.evaluate import evaluate
from vinerfacts.spans import VIEWS

DOC = "000_d08f880c9ee73c57"


def write_jsonl(path, docs):
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def gold_line(corpus, **extra):
    doc = corpus.document(DOC)
    return {"id": DOC, "entities": [{"start": e.start, "end": e.end, "label": e.label} for e in doc.entities], **extra}


@pytest.fixture
def dataset(root):
    return root / "dataset"


@pytest.mark.parametrize("labels", ["coarse", "fine"])
@pytest.mark.parametrize("view", VIEWS)
def test_gold_as_prediction_scores_one(dataset, corpus, tmp_path, labels, view):
    pred = write_jsonl(tmp_path / "p.jsonl", [gold_line(corpus)])
    report = evaluate(dataset, pred, view=view, labels=labels, resamples=50)
    for scheme, scores in report.to_json()["schemes"].items():
        assert scores["micro"]["f1"] == 1.0, scheme
        assert scores["micro"]["fp"] == scores["micro"]["fn"] == 0
    assert report.to_json()["errors"] == []


def test_reordering_spans_changes_nothing(dataset, corpus, tmp_path):
    line = gold_line(corpus)
    # Damage some spans so that matching matters, then shuffle.
    for e in line["entities"][::4]:
        e["end"] -= 1 if e["end"] - e["start"] > 3 else 0
    for e in line["entities"][1::5]:
        e["label"] = "LOC"
    a = evaluate(dataset, write_jsonl(tmp_path / "a.jsonl", [line]), labels="fine", view="all", resamples=100).to_json()
    random.Random(3).shuffle(line["entities"])
    b = evaluate(dataset, write_jsonl(tmp_path / "b.jsonl", [line]), labels="fine", view="all", resamples=100).to_json()
    assert a["schemes"] == b["schemes"] and a["views"] == b["views"] and a["bootstrap"] == b["bootstrap"]


def test_seeded_bootstrap_repeats_and_seed_matters(dataset, corpus, tmp_path):
    line = gold_line(corpus)
    line["entities"] = line["entities"][::2]
    pred = write_jsonl(tmp_path / "p.jsonl", [line])
    a = evaluate(dataset, pred, resamples=200, seed=7).to_json()["bootstrap"]
    b = evaluate(dataset, pred, resamples=200, seed=7).to_json()["bootstrap"]
    c = evaluate(dataset, pred, resamples=200, seed=8).to_json()["bootstrap"]
    assert a == b
    assert a["schemes"]["strict"]["f1"] != c["schemes"]["strict"]["f1"]
    lo, hi = a["schemes"]["strict"]["f1"]
    assert lo < hi


def test_empty_prediction_gives_undefined_precision_not_zero(dataset, tmp_path):
    report = evaluate(dataset, write_jsonl(tmp_path / "p.jsonl", [{"id": DOC, "entities": []}]), resamples=0).to_json()
    micro = report["schemes"]["strict"]["micro"]
    assert micro["precision"] is None and micro["recall"] == 0.0 and micro["f1"] == 0.0
    assert report["zones"]["furniture"]["schemes"]["strict"]["micro"]["recall"] is None
    assert "undef" in evaluate(dataset, tmp_path / "p.jsonl", resamples=0).format_text()


def test_predictions_on_a_differently_normalized_text_are_aligned(dataset, corpus, tmp_path):
    doc = corpus.document(DOC)
    # NFD, another tone-mark placement and collapsed double spaces: offsets differ from the gold's.
    def transform(s):
        return unicodedata.normalize("NFD", s.replace("Tỉnh ủy", "Tỉnh uỷ").replace("\n\n", "\n"))

    text = transform(doc.text)
    entities = []
    for e in doc.entities:
        start = len(transform(doc.text[: e.start]))
        entities.append({"start": start, "end": start + len(transform(e.text)), "label": e.label})
    pred = write_jsonl(tmp_path / "p.jsonl", [{"id": DOC, "text": text, "entities": entities}])
    report = evaluate(dataset, pred, labels="fine", view="all", resamples=0).to_json()
    assert report["schemes"]["strict"]["micro"]["f1"] == 1.0
    assert report["inputs"]["alignment"] == {"aligned": len(doc.entities)}


def test_unalignable_predictions_are_false_positives(dataset, corpus, tmp_path):
    doc = corpus.document(DOC)
    text = doc.text + "\nXYZ Corp"
    line = gold_line(corpus, text=text)
    line["entities"].append({"start": len(doc.text) + 1, "end": len(text), "label": "ORG"})
    report = evaluate(dataset, write_jsonl(tmp_path / "p.jsonl", [line]), labels="fine", view="all", resamples=0).to_json()
    micro = report["schemes"]["strict"]["micro"]
    assert report["inputs"]["alignment"]["unalignable"] == 1
    assert micro["fp"] == 1 and micro["fn"] == 0 and micro["pred"] == len(doc.entities) + 1
    assert any(e.get("unalignable") for e in report["errors"])
    assert any("could not be aligned" in w for w in report["warnings"])


def test_unknown_labels_are_an_error_listing_them(dataset, corpus, tmp_path):
    line = gold_line(corpus)
    line["entities"][1]["label"] = "PERSON"
    line["entities"][2]["label"] = "LOCATION"
    with pytest.raises(VinerfactsError) as e:
        evaluate(dataset, write_jsonl(tmp_path / "p.jsonl", [line]))
    message = str(e.value)
    assert "'LOCATION' (1x" in message and "'PERSON' (1x, did you mean 'PER'?)" in message and "--label-map" in message


def test_label_map_is_applied_and_signed(dataset, corpus, tmp_path):
    line = gold_line(corpus)
    for e in line["entities"]:
        e["label"] = {"PER": "PERSON", "LOC": "LOCATION"}.get(e["label"], e["label"])
    pred = write_jsonl(tmp_path / "p.jsonl", [line])
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"PERSON": "PER", "LOCATION": "LOC"}))
    report = evaluate(dataset, pred, label_map=mapping, resamples=0)
    assert report.f1() == 1.0
    assert "|map:none|" not in report.signature and "|map:" in report.signature
    assert report.to_json()["inputs"]["label_mapping"]["mapped"]["PERSON->PER"] == 13


def test_signature_names_every_choice(dataset, corpus, tmp_path):
    report = evaluate(dataset, write_jsonl(tmp_path / "p.jsonl", [gold_line(corpus)]), view="innermost", labels="fine", resamples=10, seed=3)
    for part in ("vinerfacts:", "gold:vinerfacts-0.1.0#", "view:innermost", "labels:fine", "map:none", "pred:jsonl", "tok:chars", "match:optimal-1to1", "boot:10", "seed:3"):
        assert part in report.signature


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b'{"id": "000_d08f880c9ee73c57", "entities": [}\n', "p.jsonl:1: column"),
        (b'{"id": "000_d08f880c9ee73c5", "entities": []}\n', "p.jsonl:1: unknown document id '000_d08f880c9ee73c5'; did you mean '000_d08f880c9ee73c57'?"),
        (b'{"id": "000_d08f880c9ee73c57", "entities": [{"start": 5, "end": 99999, "label": "PER"}]}\n', "p.jsonl:1: document '000_d08f880c9ee73c57': entities[0] offsets [5:99999] out of range"),
        (b'{"id": "000_d08f880c9ee73c57", "entities": [{"start": 0, "end": 5, "label": "PER", "text": "Bogus"}]}\n', "entities[0] text 'Bogus' != gold text[0:5] 'Chủ t'"),
        (b'{"id": "000_d08f880c9ee73c57"}\n', "p.jsonl:1: document '000_d08f880c9ee73c57': (top level): 'entities' is a required property"),
        (b"", "p.jsonl: no documents"),
        (b'{"id": "x\xff"}\n', "p.jsonl:1: byte 9 of the line is not UTF-8 (0xff)"),
        (b'{"id": "000_d08f880c9ee73c57", "entities": []}\n{"id": "000_d08f880c9ee73c57", "entities": []}\n', "p.jsonl:2: document '000_d08f880c9ee73c57' already given on line 1"),
    ],
)
def test_bad_prediction_files_name_file_and_line(dataset, tmp_path, content, fragment):
    path = tmp_path / "p.jsonl"
    path.write_bytes(content)
    with pytest.raises(VinerfactsError) as e:
        evaluate(dataset, path, resamples=0)
    assert fragment in str(e.value)


def test_missing_documents_are_reported(dataset, tmp_path, root):
    # A second, empty document id cannot exist in the gold; a gold document without a line is missed.
    path = write_jsonl(tmp_path / "p.jsonl", [])
    path.write_text("")
    with pytest.raises(VinerfactsError, match="no documents"):
        evaluate(dataset, path)


def test_error_classes_and_confusion(dataset, corpus, tmp_path):
    doc = corpus.document(DOC)
    lc = next(e for e in doc.entities if e.text == "Lương Cường")
    qn = next(e for e in doc.entities if e.text == "Quảng Ninh")
    line = {"id": DOC, "entities": [
        {"start": lc.start, "end": lc.end, "label": "LOC"},          # wrong type
        {"start": qn.start, "end": qn.end - 1, "label": "LOC"},      # wrong boundary
        {"start": 4210, "end": 4220, "label": "PER"},                # spurious (in the furniture)
    ]}
    report = evaluate(dataset, write_jsonl(tmp_path / "p.jsonl", [line]), resamples=0).to_json()
    classes = [e["class"] for e in report["errors"]]
    assert classes.count("wrong_type") == 1 and classes.count("wrong_boundary") == 1 and classes.count("spurious") == 1
    assert classes.count("missed") == 37 - 2
    assert report["confusion"]["PER"]["LOC"] == 1 and report["confusion"]["O"]["PER"] == 1
    wrong_type = next(e for e in report["errors"] if e["class"] == "wrong_type")
    assert wrong_type["context"].startswith("Chủ tịch nước [Lương Cường]") and wrong_type["zone"] == "title"
    assert report["schemes"]["exact"]["micro"]["tp"] == 1  # the wrong-type span has the exact boundary
    assert report["schemes"]["type"]["micro"]["tp"] == 1  # the wrong-boundary span has the right type
    assert report["schemes"]["partial"]["micro"]["tp"] == 1 and report["schemes"]["partial"]["micro"]["partial"] == 1


def _gold_facts_as_predictions(corpus):
    doc = corpus.document(DOC)
    extent = {e.id: {"start": e.start, "end": e.end} for e in doc.entities}
    facts = []
    for f in doc.facts:
        slots = {}
        for name, value in f.slots.items():
            items = []
            for s in value if isinstance(value, list) else [value]:
                slot = {"start": s["start"], "end": s["end"]}
                for key in ("value", "comparator"):
                    if key in s:
                        slot[key] = s[key]
                if "entity_id" in s:
                    slot["link"] = extent[s["entity_id"]]
                items.append(slot)
            slots[name] = items if isinstance(value, list) else items[0]
        facts.append({"type": f.type, "start": f.start, "end": f.end, "slots": slots})
    return facts


def test_gold_facts_as_predictions_score_one(dataset, corpus, tmp_path):
    line = gold_line(corpus, facts=_gold_facts_as_predictions(corpus))
    report = evaluate(dataset, write_jsonl(tmp_path / "p.jsonl", [line]), resamples=0).to_json()
    facts = report["facts"]
    assert facts["overall"]["f1"] == 1.0 and facts["overall"]["gold"] == 27
    for key, slot in facts["slots"].items():
        assert slot["exact_f1"] == 1.0, key
        for field in ("value_accuracy", "comparator_accuracy", "link_accuracy"):
            if field in slot:
                assert slot[field] == 1.0, (key, field)


def test_fact_errors_are_scored(dataset, corpus, tmp_path):
    facts = _gold_facts_as_predictions(corpus)
    quantity = next(f for f in facts if f["type"] == "quantity" and f["slots"]["quantity"]["value"] == 54)
    quantity["slots"]["quantity"]["value"] = 45  # wrong value, right span
    facts = [f for f in facts if f["type"] != "statement"]  # all 8 statements missed
    line = gold_line(corpus, facts=facts)
    report = evaluate(dataset, write_jsonl(tmp_path / "p.jsonl", [line]), resamples=0).to_json()["facts"]
    assert report["per_type"]["statement"]["recall"] == 0.0 and report["per_type"]["statement"]["precision"] is None
    assert report["per_type"]["quantity"]["f1"] == 1.0
    assert report["slots"]["quantity.quantity"]["value_accuracy"] == 0.9
    assert report["overall"]["recall"] == 19 / 27


def test_predicted_facts_must_follow_the_schema(dataset, corpus, tmp_path):
    line = gold_line(corpus, facts=[{"type": "quantiy", "start": 0, "end": 3, "slots": {}}])
    with pytest.raises(VinerfactsError, match="p.jsonl:1: document '000_d08f880c9ee73c57': facts/0/type"):
        evaluate(dataset, write_jsonl(tmp_path / "p.jsonl", [line]), resamples=0)


def test_reports_match_the_published_schema(dataset, corpus, tmp_path, root):
    from vinerfacts.jsonio import schema_errors

    line = gold_line(corpus, facts=_gold_facts_as_predictions(corpus))
    line["entities"] = line["entities"][::3]
    report = evaluate(dataset, write_jsonl(tmp_path / "p.jsonl", [line]), resamples=20).to_json()
    assert schema_errors(json.loads(json.dumps(report)), "report.schema.json") == []
    for path in (root / "results" / "reports").glob("*.json"):
        assert schema_errors(json.loads(path.read_text(encoding="utf-8")), "report.schema.json") == [], path


@pytest.mark.parametrize("tokens", ["syllable", "word"])
def test_conll_predictions_of_any_tokenization_are_aligned_to_the_dataset(dataset, root, tmp_path, tokens):
    from vinerfacts.workflow import conll_text

    text = conll_text(root / "annotations", [DOC], tokens)
    import re

    text = re.sub(r"^(Tỉnh_)?ủy\t", lambda m: (m.group(1) or "") + "uỷ\t", text, flags=re.M)  # another tone placement
    assert "uỷ\t" in text
    path = tmp_path / "p.conll"
    path.write_text(text, encoding="utf-8")
    report = evaluate(dataset, path, resamples=0)
    assert report.f1() == 1.0
    assert "tok:conll-aligned" in report.signature and "tags:IOB2" in report.signature
    assert report.to_json()["inputs"]["alignment"]["aligned_tokens"] > 500


def test_conll_predictions_that_do_not_fit_the_text_name_the_line(dataset, root, tmp_path):
    from vinerfacts.workflow import conll_text

    lines = conll_text(root / "annotations", [DOC]).split("\n")
    lines[5] = "Xyz\tO"
    path = tmp_path / "p.conll"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(VinerfactsError, match=r"p.conll:6: cannot align the CoNLL tokens to the gold text: token 3 'Xyz'"):
        evaluate(dataset, path, resamples=0)
