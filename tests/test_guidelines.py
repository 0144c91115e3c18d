"""GUIDELINES.md quotes entity ids of the gold file: each quoted id must exist and its text must appear in the same rule."""
import json
import re

from conftest import DOC_ID


def test_guideline_examples_point_at_the_right_entities(root):
    gold = json.loads((root / "annotations" / "documents" / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    entities = {e["id"]: e for e in gold["entities"]}
    guidelines = (root / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8")
    checked = 0
    for rule in re.split(r"\n(?=\*\*)", guidelines):
        plain = " ".join(re.sub(r"\[[A-Z]+ ", "", rule).replace("]", "").split())  # `[ORG Ban [LOC X]]` -> `Ban X`
        for entity_id in re.findall(r"\be\d{3}\b", rule):
            assert entity_id in entities, f"GUIDELINES.md cites {entity_id}, which is not in the gold file"
            e = entities[entity_id]
            assert e["text"] in plain and e["label"] in rule, f"{entity_id} is {e['label']} {e['text']!r}, not what its rule shows"
            checked += 1
    assert checked >= 20


def test_every_label_has_a_rule(root):
    guidelines = (root / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8")
    schema = json.loads((root / "annotations" / "schema.json").read_text(encoding="utf-8"))
    for label in schema["entity_labels"]:
        assert f"({label['name']}" in guidelines, label["name"]


def test_guideline_fact_examples_exist(root):
    gold = json.loads((root / "annotations" / "documents" / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    facts = {f["id"]: f for f in gold["facts"]}
    guidelines = (root / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8")
    facts_part = guidelines.split("# Facts", 1)[1]
    cited = 0
    for rule in re.split(r"\n(?=\*\*)", facts_part):
        for fid in re.findall(r"\bf\d{3}\b", rule):
            assert fid in facts, f"GUIDELINES.md cites {fid}, which is not a gold fact"
            texts = [s["text"] for value in facts[fid]["slots"].values() for s in (value if isinstance(value, list) else [value])]
            flat = " ".join(rule.split())  # markdown wraps lines inside quoted spans
            assert any(t in flat for t in texts), f"{fid}: none of its slot texts {texts} appears in its rule"
            cited += 1
    assert cited >= 15
