import pytest
from hypothesis import given, settings, strategies as st
from seqeval.metrics import classification_report, accuracy_score
from seqeval.scheme import IOB2

from vinerfacts.errors import VinerfactsError
from vinerfacts.metric import compute

TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
sentences = st.lists(st.lists(st.sampled_from(TAGS), min_size=1, max_size=12), min_size=1, max_size=6)


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(sentences, st.data())
def test_matches_seqeval_strict_and_default(refs, data):
    preds = [data.draw(st.lists(st.sampled_from(TAGS), min_size=len(r), max_size=len(r))) for r in refs]
    for mode, kwargs in (("strict", {"mode": "strict", "scheme": IOB2}), ("lenient", {})):
        ours = compute(predictions=preds, references=refs, mode=mode)
        theirs = classification_report(refs, preds, output_dict=True, zero_division=0, **kwargs)
        for label in ("PER", "LOC"):
            if label in theirs:
                assert ours[label]["number"] == theirs[label]["support"]
                for key in ("precision", "recall", "f1"):
                    assert (ours[label][key] or 0.0) == pytest.approx(theirs[label][f"{key}-score" if key == "f1" else key])
        micro = theirs.get("micro avg")
        if micro:
            assert (ours["overall_f1"] or 0.0) == pytest.approx(micro["f1-score"])
            assert (ours["overall_precision"] or 0.0) == pytest.approx(micro["precision"])
        assert ours["overall_accuracy"] == pytest.approx(accuracy_score(refs, preds))


def test_undefined_is_none_and_invalid_tags_are_counted():
    out = compute(predictions=[["O", "I-PER"]], references=[["B-PER", "O"]])
    assert out["overall_precision"] is None and out["overall_recall"] == 0.0
    assert out["invalid_tags"] == {"references": 0, "predictions": 1}
    assert "decode:strict" in out["signature"]


def test_length_mismatch_is_an_error():
    with pytest.raises(VinerfactsError, match="sentence 0: 1 predicted tags but 2 reference tags"):
        compute(predictions=[["O"]], references=[["O", "O"]])
