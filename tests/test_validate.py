"""Every validation rule, each with a broken copy of the annotations that it must reject."""
import hashlib
import json
import unicodedata

import pytest

from conftest import DOC_ID, Editable
from vinerfacts.validate import ERROR, WARNING, validate

DOC_FILE = f"annotations/documents/{DOC_ID}.json"


def errors(root):
    return [str(p) for p in validate(root) if p.severity == ERROR]


def warnings(root):
    return [str(p) for p in validate(root) if p.severity == WARNING]


def test_committed_annotations_are_clean(root):
    problems = validate(root / "annotations")
    assert [str(p) for p in problems] == []


def _text(doc, s, e):
    return (doc.path.parent / doc.data["text_file"]).read_text(encoding="utf-8")[s:e]


def set_span(doc, entity_id, start, end):
    e = doc.entity(entity_id)
    e["start"], e["end"] = start, end
    e["text"] = _text(doc, start, end)


# Each case: a mutation of the gold document, then the exact fragments the error line must contain.
CASES = {
    "text hash mismatch": (lambda d: d.data.update(text_sha256="0" * 64), ["text_sha256:", "has sha256 72e567e0", "records 0000"]),
    "offsets out of range": (lambda d: d.entity("e003").update(end=99999), ["entity e003 [38:99999]", "out of range", "<= 4319"]),
    "reversed offsets": (lambda d: d.entity("e003").update(start=48, end=38), ["entity e003 [48:38]", "empty or reversed"]),
    "span text differs": (lambda d: d.entity("e003").update(text="Quang Ninh"), ["entity e003 [38:48]", "span text 'Quang Ninh' != text[38:48] 'Quảng Ninh'"]),
    "trailing whitespace": (lambda d: set_span(d, "e005", 93, 105), ["entity e005 [93:105]", "leading or trailing whitespace: 'Lương Cường '"]),
    "unknown label": (lambda d: d.entity("e002").update(label="PERSON"), ["entity e002 [14:25]", "unknown label 'PERSON'", "did you mean 'PER'"]),
    "duplicate id": (lambda d: d.entity("e003").update(id="e002"), ["entity e002", "duplicate entity id (used 2 times)"]),
    "duplicate span": (
        lambda d: d.data["entities"].append({**d.entity("e003"), "id": "e999", "label": "ORG"}),
        ["[38:48]", "duplicate span: entities e003 (LOC), e999 (ORG)"],
    ),
    "crossing spans": (
        lambda d: d.data["entities"].append({"id": "e999", "start": 346, "end": 363, "label": "ORG", "text": "Thường vụ Tỉnh ủy"}),
        ["crosses entity", "e999 [346:363]", "e011 [356:374]"],
    ),
    "entity across sentences": (
        lambda d: d.data["entities"].append({"id": "e999", "start": 847, "end": 868, "label": "ORG", "text": ""}),
        ["entity e999 [847:868]", "lies in no single sentence"],
    ),
    "entity inside a token": (
        lambda d: d.data["entities"].append({"id": "e999", "start": 15, "end": 25, "label": "PER", "text": "ương Cường"}),
        ["entity e999 [15:25]", "starts inside the token"],
    ),
    "sentences overlap": (lambda d: d.data["sentences"][1].update(start=0), ["sentence s02 [0:242]", "overlaps sentence s01 [0:77]"]),
    "non-whitespace outside sentences": (lambda d: d.data["sentences"].pop(6), ["text [837:857]", "'Ảnh: Lâm Khánh/TTXVN' is in no sentence"]),
    "sentence with surrounding whitespace": (lambda d: d.data["sentences"][0].update(end=78), ["sentence s01 [0:78]", "leading or trailing whitespace"]),
    "unknown zone kind": (lambda d: d.data["zones"][0].update(kind="headline"), ["zone z01", "unknown zone kind 'headline'", "title"]),
    "sentence outside zones": (lambda d: d.data["zones"].pop(0), ["sentence s01 [0:77]", "lies in 0 zones", "is in no zone"]),
    "unknown schema_version": (lambda d: d.data.update(schema_version="9.9"), ["schema_version:", "unknown schema_version '9.9'", "expected one of: 1.1"]),
    "wrong canary": (lambda d: d.data.update(canary="nope"), ["canary:", "canary is 'nope'"]),
    "missing field": (lambda d: d.data.pop("sentences"), ["does not match document.schema.json", "'sentences' is a required property"]),
    "id does not match file name": (lambda d: d.data.update(id="other"), ["id:", "document id 'other' does not match the file name"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_rejects_broken_copy(name, gold_doc, annotations_copy):
    mutate, fragments = CASES[name]
    mutate(gold_doc)
    gold_doc.save()
    found = errors(annotations_copy)
    assert found, f"{name}: no error reported"
    text = "\n".join(found)
    for fragment in fragments:
        assert fragment in text, f"{name}: {fragment!r} not in:\n{text}"
    assert all(line.startswith(DOC_FILE) for line in found), text


def test_non_nfc_text_is_rejected(gold_doc, annotations_copy):
    text_path = annotations_copy / "documents" / f"{DOC_ID}.txt"
    nfd = unicodedata.normalize("NFD", text_path.read_text(encoding="utf-8"))
    text_path.write_text(nfd, encoding="utf-8")
    gold_doc.data["text_sha256"] = hashlib.sha256(nfd.encode()).hexdigest()
    gold_doc.save()
    assert any("text is not NFC: offset 2" in e for e in errors(annotations_copy))


def test_malformed_json_names_line_and_column(gold_doc, annotations_copy):
    gold_doc.path.write_text('{\n  "schema_version": "1.0",\n  oops\n}\n', encoding="utf-8")
    (line,) = errors(annotations_copy)[:1]
    assert line.startswith(DOC_FILE) and "line 3 column 3: not valid JSON" in line


def test_missing_text_file(gold_doc, annotations_copy):
    (annotations_copy / "documents" / f"{DOC_ID}.txt").unlink()
    assert any("text file not found" in e for e in errors(annotations_copy))


def test_inconsistent_labels_warn(gold_doc, annotations_copy):
    gold_doc.entity("e003").update(label="ORG")
    gold_doc.save()
    assert errors(annotations_copy) == []
    assert any("'Quảng Ninh'" in w and "labelled differently in this document: LOC, ORG" in w for w in warnings(annotations_copy))


def test_unannotated_repeat_warns(gold_doc, annotations_copy):
    gold_doc.data["entities"] = [e for e in gold_doc.data["entities"] if e["id"] != "e002"]
    gold_doc.save()
    assert any("[14:25]" in w and "'Lương Cường' is annotated elsewhere (PER) but not here" in w for w in warnings(annotations_copy))


def test_raw_annotation_rules(annotations_copy):
    raw = Editable(annotations_copy / "raw" / DOC_ID / "annotator_b.json")
    raw.data["entities"][0]["end"] += 1
    raw.data["text_sha256"] = raw.data["text_sha256"]
    raw.save()
    found = errors(annotations_copy)
    assert any(e.startswith(f"annotations/raw/{DOC_ID}/annotator_b.json") and "b001" in e for e in found), found


def test_raw_annotation_of_another_text(annotations_copy):
    raw = Editable(annotations_copy / "raw" / DOC_ID / "annotator_b.json")
    raw.data["text_sha256"] = "1" * 64
    raw.save()
    assert any("annotated a text with sha256 1111" in e for e in errors(annotations_copy))


def test_schema_version_of_label_schema(annotations_copy):
    path = annotations_copy / "schema.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["schema_version"] = "0.1"
    path.write_text(json.dumps(data), encoding="utf-8")
    (line,) = errors(annotations_copy)
    assert "unknown schema_version '0.1'" in line
