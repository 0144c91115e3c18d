"""The CoNLL path of the harness (`vinerfacts evaluate --gold G.conll --pred P.conll --labels gold`).

Checked against seqeval (strict and default modes), nervaluate (where its greedy matching cannot go
wrong), the conlleval port; then invariants, the invalid-tag report, error messages naming file and
line, and the fast (array) path against the generic (per-sentence) one, report for report.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vinerfacts.cli import main
from vinerfacts.errors import VinerfactsError
from vinerfacts.evaluate import evaluate, load_inputs
from vinerfacts.formats import conll as conll_format
from vinerfacts.scoring import fast
from vinerfacts.scoring.fast import ConllUnits, lsa_maximize
from vinerfacts.scoring.matching import match_spans
from vinerfacts.spans import Span
from vinerfacts.tags import SCHEMES as TAG_SCHEMES
from vinerfacts.tags import encode

TYPES = ("PER", "LOC", "ORG")
SCHEMES = ("strict", "exact", "partial", "type")
NERVALUATE = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
SYLLABLES = "Hà Nội Nguyễn Văn An ở Đà Nẵng công ty FPT và thành_phố_Hồ_Chí_Minh Bộ Y tế , .".split()
LONG_TYPES = ("PER", "GEOPOLITICAL_ENTITY_WITH_A_LONG_NAME", "ORGANIZATION")  # tags over 8 and 32 bytes
PROPERTY = settings(
    max_examples=60, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ------------------------------------------------------------------------------------------ helpers


def tokens_for(tag_lists) -> list[list[str]]:
    return [[SYLLABLES[(k + i) % len(SYLLABLES)] for i in range(len(tags))] for k, tags in enumerate(tag_lists)]


def conll_text(tokens, tag_lists, sep="\t") -> str:
    out = []
    for words, tags in zip(tokens, tag_lists):
        out += [f"{w}{sep}{t}\n" for w, t in zip(words, tags)]
        out.append("\n")
    return "".join(out)


def write_pair(tmp_path, gold_tags, pred_tags, tokens=None):
    tokens = tokens or tokens_for(gold_tags)
    gold, pred = tmp_path / "gold.conll", tmp_path / "pred.conll"
    gold.write_text(conll_text(tokens, gold_tags), encoding="utf-8")
    pred.write_text(conll_text(tokens, pred_tags), encoding="utf-8")
    return gold, pred


def score(tmp_path, gold_tags, pred_tags, **options) -> dict:
    gold, pred = write_pair(tmp_path, gold_tags, pred_tags)
    return evaluate(gold, pred, labels="gold", resamples=0, **options).to_json()


def or_zero(x):
    """seqeval and nervaluate say 0 where we say None (undefined)."""
    return 0.0 if x is None else x


ANCHOR = [f"B-{t}" for t in TYPES]  # a sentence with every type, so that --labels gold knows them all


@st.composite
def tag_corpora(draw, prefixes="BI", types=TYPES):
    """(gold, pred) lists of tag sequences over the same tokens: random IOB2-ish tags (I- after O and type
    changes inside a chunk included), predictions either independent or the gold with a few edits."""
    vocab = ["O", "O", "O"] + [f"{p}-{t}" for p in prefixes for t in types]
    gold, pred = [], []
    for _ in range(draw(st.integers(1, 6))):
        g = draw(st.lists(st.sampled_from(vocab), min_size=1, max_size=12))
        if draw(st.booleans()):
            p = draw(st.lists(st.sampled_from(vocab), min_size=len(g), max_size=len(g)))
        else:
            p = list(g)
            for i, tag in draw(st.lists(st.tuples(st.integers(0, len(g) - 1), st.sampled_from(vocab)), max_size=3)):
                p[i] = tag
        gold.append(g)
        pred.append(p)
    return gold + [ANCHOR], pred + [list(ANCHOR)]


def seqeval_report(gold, pred, strict: bool) -> dict:
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    options = {"mode": "strict", "scheme": IOB2} if strict else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return classification_report(gold, pred, output_dict=True, zero_division=0, **options)


def assert_equals_seqeval(report: dict, gold, pred, strict: bool) -> None:
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    ref = seqeval_report(gold, pred, strict)
    ours = report["schemes"]["strict"]
    assert set(ours["per_type"]) == set(ref) - {"micro avg", "macro avg", "weighted avg"}
    rows = [("micro avg", ours["micro"])] + [(t, s) for t, s in ours["per_type"].items()]
    for key, mine in rows:
        assert or_zero(mine["precision"]) == ref[key]["precision"], key
        assert or_zero(mine["recall"]) == ref[key]["recall"], key
        assert or_zero(mine["f1"]) == ref[key]["f1-score"], key
        assert mine["gold"] == ref[key]["support"], key
    options = {"mode": "strict", "scheme": IOB2} if strict else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert or_zero(ours["micro"]["precision"]) == precision_score(gold, pred, zero_division=0, **options)
        assert or_zero(ours["micro"]["recall"]) == recall_score(gold, pred, zero_division=0, **options)
        assert or_zero(ours["micro"]["f1"]) == f1_score(gold, pred, zero_division=0, **options)


# ------------------------------------------------------------------------------------------ seqeval


@PROPERTY
@given(corpus=tag_corpora())
def test_strict_decoding_equals_seqeval_strict_mode(tmp_path, corpus):
    gold, pred = corpus
    assert_equals_seqeval(score(tmp_path, gold, pred), gold, pred, strict=True)


@PROPERTY
@given(corpus=tag_corpora())
def test_lenient_decoding_equals_seqeval_default_mode(tmp_path, corpus):
    gold, pred = corpus
    assert_equals_seqeval(score(tmp_path, gold, pred, decode="lenient"), gold, pred, strict=False)


# ------------------------------------------------------------------------------------------ nervaluate


@st.composite
def unambiguous_corpora(draw):
    """Valid IOB2 gold/pred where every prediction overlaps at most one gold entity and vice versa:
    each pair lives in its own slot of tokens (exact, other type, other boundary, both, one side only)."""
    gold_tags, pred_tags = [], []
    for _ in range(draw(st.integers(1, 5))):
        gold, pred, pos = [], [], 0
        for _ in range(draw(st.integers(0, 4))):
            pos += draw(st.integers(0, 2))
            width = draw(st.integers(1, 4))
            kind = draw(st.sampled_from(("gold", "pred", "both", "both", "both")))
            label = draw(st.sampled_from(TYPES))
            g = (pos, pos + width)
            if kind == "both" and width > 1 and draw(st.booleans()):
                a = draw(st.integers(pos, pos + width - 1))
                b = draw(st.integers(a + 1, pos + width))
                p = (a, b)
            else:
                p = g
            other = draw(st.sampled_from(TYPES)) if draw(st.booleans()) else label
            if kind in ("gold", "both"):
                gold.append((*g, label))
            if kind in ("pred", "both"):
                pred.append((*p, other))
            pos += width
        n = max(pos, 1)
        gold_tags.append(encode(n, gold, "IOB2"))
        pred_tags.append(encode(n, pred, "IOB2"))
    return gold_tags + [ANCHOR], pred_tags + [list(ANCHOR)]


@PROPERTY
@given(corpus=unambiguous_corpora())
def test_semeval_schemes_equal_nervaluate_when_matching_is_unambiguous(tmp_path, corpus):
    from nervaluate import Evaluator

    gold, pred = corpus
    report = score(tmp_path, gold, pred)
    result = Evaluator(gold, pred, tags=list(TYPES), loader="list").evaluate()
    for ours_name, theirs_name in NERVALUATE.items():
        ours, theirs = report["schemes"][ours_name]["micro"], result["overall"][theirs_name]
        assert ours["tp"] == theirs.correct
        assert ours.get("partial", 0) == theirs.partial
        assert ours["fn"] == theirs.incorrect + theirs.missed  # gold not (even partly) found
        assert ours["fp"] == theirs.incorrect + theirs.spurious  # predictions not (even partly) right
        assert ours["gold"] == theirs.possible and ours["pred"] == theirs.actual
        assert or_zero(ours["precision"]) == theirs.precision
        assert or_zero(ours["recall"]) == theirs.recall
        assert or_zero(ours["f1"]) == theirs.f1
    for label, by_scheme in result["entities"].items():
        mine = report["schemes"]["strict"]["per_type"][label]
        assert or_zero(mine["precision"]) == by_scheme["strict"].precision
        assert or_zero(mine["recall"]) == by_scheme["strict"].recall


def test_matching_is_order_independent_unlike_greedy_matching(tmp_path):
    # gold  A = tokens 0-1, B = tokens 2-3 (both X); predictions P2 = token 0, P1 = tokens 1-2 (both X).
    # P1 overlaps A and B, P2 only A. The best one-to-one matching pairs P2-A and P1-B (two partial
    # matches). nervaluate 1.2.1 matches greedily in list order: given [P2, P1] it finds the same,
    # but given [P1, P2] (e.g. Evaluator([[A, B]], [[P1, P2]], tags=["X"], loader="dict")) P1 takes A,
    # the first gold it overlaps, P2 is left spurious and B missed: partial COR 0, PAR 1, MIS 1, SPU 1
    # instead of PAR 2 -- the score depends on the order the predictions are listed in.
    gold_tags = [["B-X", "I-X", "B-X", "I-X"]]
    pred_tags = [["B-X", "B-X", "I-X", "O"]]
    report = score(tmp_path, gold_tags, pred_tags)
    partial = report["schemes"]["partial"]["micro"]
    assert (partial["tp"], partial["partial"], partial["fn"], partial["fp"]) == (0, 2, 0, 0)
    assert report["schemes"]["type"]["micro"]["tp"] == 2
    assert report["schemes"]["strict"]["micro"]["tp"] == 0
    gold = [Span(0, 2, "X"), Span(2, 4, "X")]
    p1, p2 = Span(1, 3, "X"), Span(0, 1, "X")
    for preds in ([p2, p1], [p1, p2]):
        pairs = match_spans(gold, preds)
        matched = {(gold[p.gold], preds[p.pred]) for p in pairs if p.gold is not None and p.pred is not None}
        assert matched == {(gold[0], p2), (gold[1], p1)}


# ------------------------------------------------------------------------------------------ conlleval

GOLDEN = """\
Ông O O
Nguyễn B-PER B-PER
Văn I-PER I-PER
An I-PER I-PER
đến O O
Hà B-LOC B-LOC
Nội I-LOC I-LOC

Công B-ORG O
ty I-ORG O
FPT I-ORG B-ORG
mở O O
văn O O
phòng O O
ở O O
Đà B-LOC B-LOC
Nẵng I-LOC I-LOC

Bộ B-ORG B-ORG
Y I-ORG I-ORG
tế I-ORG I-ORG
và O O
World B-MISC I-MISC
Cup I-MISC I-MISC

Trần B-PER B-LOC
Hưng I-PER I-LOC
Đạo I-PER I-LOC
ở O O
Huế B-LOC B-PER

SEA B-MISC B-MISC
Games I-MISC I-MISC
tại O B-ORG
Việt B-LOC B-LOC
Nam I-LOC I-LOC
"""


def split_golden(tmp_path):
    """The three-column golden file as gold and pred CoNLL files, and as tag lists."""
    blocks = [b.splitlines() for b in GOLDEN.strip().split("\n\n")]
    rows = [[line.split() for line in block] for block in blocks]
    gold = tmp_path / "golden_gold.conll"
    pred = tmp_path / "golden_pred.conll"
    gold.write_text("\n\n".join("\n".join(f"{w} {g}" for w, g, _ in r) for r in rows) + "\n", encoding="utf-8")
    pred.write_text("\n\n".join("\n".join(f"{w} {p}" for w, _, p in r) for r in rows) + "\n", encoding="utf-8")
    return gold, pred, [[g for _, g, _ in r] for r in rows], [[p for _, _, p in r] for r in rows]


def test_golden_file_lenient_equals_seqeval_and_conlleval(tmp_path, capsys):
    import conlleval

    gold, pred, gold_tags, pred_tags = split_golden(tmp_path)
    report = evaluate(gold, pred, labels="gold", decode="lenient", resamples=0)
    data = report.to_json()
    assert_equals_seqeval(data, gold_tags, pred_tags, strict=False)
    ref = conlleval.evaluate(GOLDEN.splitlines())
    micro = data["schemes"]["strict"]["micro"]
    chunks = ref["overall"]["chunks"]
    assert (micro["gold"], micro["pred"], micro["tp"]) == (chunks["stats"]["gold"], chunks["stats"]["pred"], chunks["stats"]["correct"]) == (10, 11, 7)
    assert (micro["precision"], micro["recall"], micro["f1"]) == (chunks["evals"]["prec"], chunks["evals"]["rec"], chunks["evals"]["f1"])
    for label, s in data["schemes"]["strict"]["per_type"].items():
        theirs = ref["slots"]["chunks"][label]
        assert (s["precision"], s["recall"], s["f1"]) == (theirs["evals"]["prec"], theirs["evals"]["rec"], theirs["evals"]["f1"])
    tags = ref["overall"]["tags"]["stats"]
    assert data["inputs"]["tokens"] == tags["gold"] == 32
    assert data["inputs"]["token_accuracy"] == tags["correct"] / tags["gold"]
    # conlleval's own layout, number for number
    assert report.format_conlleval() == conlleval.report(ref)
    capsys.readouterr()
    assert main(["evaluate", "--gold", str(gold), "--pred", str(pred), "--labels", "gold", "--decode", "lenient", "--bootstrap", "0", "--format", "conlleval"]) == 0
    assert capsys.readouterr().out == conlleval.report(ref)


def test_golden_file_strict_drops_the_chunk_that_breaks_iob2(tmp_path):
    gold, pred, gold_tags, pred_tags = split_golden(tmp_path)
    data = evaluate(gold, pred, labels="gold", resamples=0).to_json()
    assert_equals_seqeval(data, gold_tags, pred_tags, strict=True)
    assert data["schemes"]["strict"]["micro"]["tp"] == 6  # "World Cup" starts with I-MISC in the prediction
    assert data["inputs"]["invalid_tags"]["pred"]["first"] == [
        {"line": 23, "tag": "I-MISC", "reason": "I-MISC continues no entity"},
        {"line": 24, "tag": "I-MISC", "reason": "I-MISC continues no entity"},
    ]


# ------------------------------------------------------------------------------------------ invalid tags


@pytest.mark.parametrize("decode", ["strict", "lenient"])
def test_report_counts_invalid_tags_and_locates_the_first(tmp_path, decode):
    gold_tags = [["B-PER", "I-PER", "O"], ["O", "B-LOC", "O", "O"], ["B-ORG", "O"]] * 3
    pred_tags = [["I-PER", "I-PER", "O"], ["O", "B-LOC", "I-ORG", "O"], ["B-ORG", "O"]] * 3
    gold, pred = write_pair(tmp_path, gold_tags, pred_tags)
    data = evaluate(gold, pred, labels="gold", decode=decode, resamples=0).to_json()
    invalid = data["inputs"]["invalid_tags"]
    assert invalid["gold"] == {"count": 0, "first": [], "file": str(gold)}
    assert invalid["pred"]["count"] == 9 and invalid["pred"]["file"] == str(pred)
    # lines: sentence 1 starts on line 1, sentence 2 on line 5, sentence 4 (= sentence 1 again) on line 13
    assert invalid["pred"]["first"] == [
        {"line": 1, "tag": "I-PER", "reason": "I-PER continues no entity"},
        {"line": 2, "tag": "I-PER", "reason": "I-PER continues no entity"},
        {"line": 7, "tag": "I-ORG", "reason": "I-ORG continues a LOC entity (type change inside a chunk)"},
        {"line": 13, "tag": "I-PER", "reason": "I-PER continues no entity"},
        {"line": 14, "tag": "I-PER", "reason": "I-PER continues no entity"},
    ]
    warning = next(w for w in data["warnings"] if "break the IOB2 scheme" in w)
    assert warning.startswith(f"9 pred tags break the IOB2 scheme ({decode} decoding); first: {pred}:1 I-PER (I-PER continues no entity), {pred}:2 I-PER")


# ------------------------------------------------------------------------------------------ invariants


@PROPERTY
@given(corpus=tag_corpora(prefixes="BIES"))
def test_gold_as_prediction_scores_one_in_every_scheme(tmp_path, corpus):
    gold, _ = corpus
    data = score(tmp_path, gold, gold)
    for scheme in SCHEMES:
        micro = data["schemes"][scheme]["micro"]
        assert micro["precision"] == micro["recall"] == micro["f1"] == 1.0, scheme
        assert micro["fp"] == micro["fn"] == 0


@PROPERTY
@given(corpus=tag_corpora(), seed=st.integers(0, 1000))
def test_reordering_sentences_changes_nothing_at_micro_level(tmp_path, corpus, seed):
    gold, pred = corpus
    a = score(tmp_path, gold, pred)
    order = list(range(len(gold)))
    random.Random(seed).shuffle(order)
    b = score(tmp_path, [gold[k] for k in order], [pred[k] for k in order])
    for scheme in SCHEMES:
        assert a["schemes"][scheme]["micro"] == b["schemes"][scheme]["micro"]
        assert a["schemes"][scheme]["per_type"] == b["schemes"][scheme]["per_type"]
    assert a["views"] == b["views"]


def test_seeded_bootstrap_repeats_exactly(tmp_path):
    rng = random.Random(5)
    vocab = ["O"] * 4 + [f"{p}-{t}" for p in "BI" for t in TYPES]
    gold = [[rng.choice(vocab) for _ in range(rng.randint(3, 12))] for _ in range(60)] + [ANCHOR]
    pred = [[t if rng.random() < 0.8 else rng.choice(vocab) for t in s] for s in gold]
    gold_path, pred_path = write_pair(tmp_path, gold, pred)
    run = lambda seed: evaluate(gold_path, pred_path, labels="gold", resamples=200, seed=seed).to_json()["bootstrap"]  # noqa: E731
    a, b, c = run(7), run(7), run(8)
    assert a == b
    assert a["schemes"]["strict"]["f1"] != c["schemes"]["strict"]["f1"]
    lo, hi = a["schemes"]["strict"]["f1"]
    assert lo < hi


# ------------------------------------------------------------------------------------------ bad inputs

GOOD = "Hà B-LOC\nNội I-LOC\nđẹp O\n\nAn B-PER\n"


@pytest.mark.parametrize(
    "gold_text, pred_text, fragment",
    [
        ("Hà B-LOC\nNội\n", GOOD, "gold.conll:2: expected 'token tag' (tag in the last column), found one column 'Nội'"),
        (GOOD, GOOD + "\nthêm O\n", "pred.conll:7: sentence 3 has no gold sentence in "),
        (GOOD, "Hà B-LOC\nNội I-LOC\nđẹp O\n", "pred.conll:1: the predictions end with sentence 1 here, but the gold sentence 2 at "),
        (GOOD, "Hà B-LOC\nNội I-LOC\n\nAn B-PER\n", "pred.conll:1: sentence 1 has 2 tokens, the gold sentence at "),
        (GOOD, "Hà B-LOC\nHanoi I-LOC\nđẹp O\n\nAn B-PER\n", "pred.conll:2: token 'Hanoi' differs from the gold token 'Nội' at "),
        (GOOD, "", "pred.conll: file is empty"),
        (GOOD, "\n\n", "pred.conll: no sentences"),
        (GOOD, b"Ha B-LOC\nN\xffi I-LOC\n", "pred.conll:2: byte 1 of the line is not UTF-8 (0xff)"),
        (GOOD, "Hà B-LOC\nNội PER\nđẹp O\n\nAn B-PER\n", "pred.conll:2: tag 1 'PER' is malformed"),
        ("Hà LOC\nNội I-LOC\nđẹp O\n\nAn B-PER\n", GOOD, "gold.conll:1: tag 0 'LOC' is malformed"),
        (GOOD, "Hà B-LOC\nNội I-LOC\nđẹp O\n\nAn B-PERSON\n", "pred.conll: labels outside the label set ['LOC', 'PER']: 'PERSON' (1x, did you mean 'PER'?)"),
    ],
)
def test_bad_inputs_name_file_and_line(tmp_path, gold_text, pred_text, fragment):
    gold, pred = tmp_path / "gold.conll", tmp_path / "pred.conll"
    for path, text in ((gold, gold_text), (pred, pred_text)):
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(VinerfactsError) as e:
        evaluate(gold, pred, labels="gold", resamples=0)
    assert fragment in str(e.value)
    assert str(tmp_path) in str(e.value)


def test_gold_label_outside_the_label_set_names_the_sentence(tmp_path):
    gold, pred = write_pair(tmp_path, [["O", "B-LOC"], ["B-FOO", "O"]], [["O", "B-LOC"], ["O", "O"]])
    with pytest.raises(VinerfactsError) as e:
        evaluate(gold, pred, labels="coarse", resamples=0)
    assert f"{gold}:4: gold label 'FOO' is outside the label set ['PER', 'LOC', 'ORG', 'MISC'] (use --labels gold" in str(e.value)


def test_wrong_scheme_is_not_blamed_on_the_file(tmp_path):
    gold, pred = write_pair(tmp_path, [["B-PER", "O"]], [["B-PER", "O"]])
    with pytest.raises(VinerfactsError) as e:
        evaluate(gold, pred, labels="gold", tag_scheme="IOB3", resamples=0)
    assert str(e.value).startswith("unknown tag scheme 'IOB3'")


def test_cli_reports_bad_input_with_exit_code_3(tmp_path):
    gold, pred = tmp_path / "gold.conll", tmp_path / "pred.conll"
    gold.write_text(GOOD, encoding="utf-8")
    pred.write_text("Hà B-LOC\nNội I-LOC\nđẹp O\n\nAn PER\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "vinerfacts.cli", "evaluate", "--gold", str(gold), "--pred", str(pred), "--labels", "gold"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    assert f"vinerfacts evaluate: error: {pred}:5: tag 0 'PER' is malformed" in proc.stderr


def test_cli_json_report_and_text(tmp_path, capsys):
    gold, pred, _, _ = split_golden(tmp_path)
    out = tmp_path / "out" / "report.json"
    assert main(["evaluate", "--gold", str(gold), "--pred", str(pred), "--labels", "gold", "--bootstrap", "0", "--no-errors", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "errors" not in data and data["units"] == 5 and data["labels"] == ["LOC", "MISC", "ORG", "PER"]
    assert data == json.loads(json.dumps(evaluate(gold, pred, labels="gold", resamples=0, errors=False).to_json()))
    assert "strict" in text and "per type (strict):" in text and "pred tags break the IOB2 scheme" in text


# ------------------------------------------------------------------------------------------ fast path = generic path

ALLOWED = {"IOB1": "IB", "IOB2": "IB", "IOE1": "IE", "IOE2": "IE", "IOBES": "IBES", "BILOU": "BILU"}


@st.composite
def conll_files(draw):
    """Random gold/pred CoNLL files in any scheme and layout (separators, extra columns, CRLF,
    -DOCSTART-, blank-line runs, BOM, no final newline, the odd non-breaking space)."""
    scheme = draw(st.sampled_from(TAG_SCHEMES))
    mode = draw(st.sampled_from(("strict", "lenient")))
    prefixes = ALLOWED[scheme] if draw(st.integers(0, 3)) else "BIESLU"
    mapped = draw(st.booleans())
    types = TYPES if mapped or draw(st.booleans()) else LONG_TYPES
    pred_types = types + ("PERSON", "JUNK") if mapped else types
    vocab_g = ["O"] * 3 + [f"{p}-{t}" for p in prefixes for t in types]
    vocab_p = ["O"] * 3 + [f"{p}-{t}" for p in prefixes for t in pred_types]
    gold, pred = [], []
    for _ in range(draw(st.integers(1, 7))):
        g = draw(st.lists(st.sampled_from(vocab_g), min_size=1, max_size=14))
        if draw(st.booleans()):
            p = draw(st.lists(st.sampled_from(vocab_p), min_size=len(g), max_size=len(g)))
        else:
            p = list(g)
            for i, tag in draw(st.lists(st.tuples(st.integers(0, len(g) - 1), st.sampled_from(vocab_p)), max_size=4)):
                p[i] = tag
        gold.append(g)
        pred.append(p)
    anchor = encode(len(types), [(i, i + 1, t) for i, t in enumerate(types)], scheme)
    gold.append(anchor)
    pred.append(list(anchor))
    layout = {
        "sep": draw(st.sampled_from(["\t", " ", "  ", " _ ", "\t-\t"])),
        "eol": draw(st.sampled_from(["\n", "\n", "\r\n", " \n"])),
        "blank": draw(st.sampled_from(["\n", "\n\n", " \n"])),
        "docstart": draw(st.sampled_from([None, "start", "every"])),
        "bom": draw(st.integers(0, 9)) == 0,
        "final_newline": draw(st.integers(0, 4)) > 0,
        "nbsp": draw(st.integers(0, 9)) == 0,
    }
    return scheme, mode, mapped, gold, pred, layout


def render(tokens, tag_lists, layout) -> bytes:
    out = []
    if layout["docstart"]:
        out.append(f"-DOCSTART-{layout['sep']}O{layout['eol']}{layout['blank']}")
    for k, (words, tags) in enumerate(zip(tokens, tag_lists)):
        if layout["docstart"] == "every" and k % 3 == 2:
            out.append(f"-DOCSTART-{layout['eol']}{layout['blank']}")
        out += [f"{w}{layout['sep']}{t}{layout['eol']}" for w, t in zip(words, tags)]
        out.append(layout["blank"])
    text = "".join(out)
    if not layout["final_newline"]:
        text = text.rstrip("\n")
    if layout["nbsp"]:
        text = text.replace("Nội", "N\u00a0ội", 1)
    return (b"\xef\xbb\xbf" if layout["bom"] else b"") + text.encode("utf-8")


def both_paths(gold, pred, **options):
    def run():
        try:
            return json.dumps(evaluate(gold, pred, **options).to_json(), ensure_ascii=False)
        except VinerfactsError as e:
            return f"error: {e}"

    fast_result = run()
    with fast.generic():
        generic_result = run()
    return fast_result, generic_result


@PROPERTY
@given(case=conll_files())
def test_fast_path_report_equals_generic_path_report(tmp_path, case):
    scheme, mode, mapped, gold_tags, pred_tags, layout = case
    tokens = tokens_for(gold_tags)
    gold, pred = tmp_path / "gold.conll", tmp_path / "pred.conll"
    gold.write_bytes(render(tokens, gold_tags, layout))
    pred.write_bytes(render(tokens, pred_tags, layout))
    options = dict(tag_scheme=scheme, decode=mode, resamples=20, seed=3, errors=True)
    if mapped:
        options.update(labels="coarse", label_map={"PERSON": "PER", "JUNK": None})
    else:
        options.update(labels="gold")
    fast_result, generic_result = both_paths(gold, pred, **options)
    assert fast_result == generic_result
    nested_possible = mode == "lenient" and scheme != "BILOU" and any(t[:2] in ("L-", "U-") for s in pred_tags + gold_tags for t in s)
    if not layout["nbsp"] and not nested_possible and not fast_result.startswith("error"):
        inputs = load_inputs(gold, pred, labels=options["labels"], tag_scheme=scheme, decode=mode, label_map=options.get("label_map"))
        assert isinstance(inputs.units, ConllUnits)  # the fast path did run


def test_fast_path_on_a_larger_corpus_with_tangles(tmp_path):
    rng = random.Random(11)
    gold_tags, pred_tags = [], []
    for _ in range(400):
        n = rng.randint(4, 25)
        spans, pos = [], 0
        while pos < n - 1:
            pos += rng.randint(0, 3)
            width = rng.randint(1, 3)
            if pos + width <= n:
                spans.append((pos, pos + width, rng.choice(TYPES)))
            pos += width
        pred = []
        for a, b, t in spans:
            r = rng.random()
            if r < 0.5:
                pred.append((a, b, t))
            elif r < 0.7 and b - a > 1:
                pred += [(a, a + 1, rng.choice(TYPES)), (a + 1, b, t)]
            elif r < 0.9:
                pred.append((max(0, a - 1), min(n, b + 1), rng.choice(TYPES)))
        flat, end = [], 0
        for a, b, t in sorted(pred):
            if a >= end:
                flat.append((a, b, t))
                end = b
        gold_tags.append(encode(n, spans, "IOB2"))
        pred_tags.append(encode(n, flat, "IOB2"))
    gold, pred = write_pair(tmp_path, gold_tags + [ANCHOR], pred_tags + [list(ANCHOR)])
    for mode in ("strict", "lenient"):
        fast_result, generic_result = both_paths(gold, pred, labels="gold", decode=mode, resamples=50, errors=True)
        assert fast_result == generic_result
    assert isinstance(load_inputs(gold, pred, labels="gold").units, ConllUnits)


def test_fast_path_needs_no_scipy(tmp_path):
    gold, pred = write_pair(tmp_path, [["B-PER", "I-PER", "B-PER", "I-PER"], ANCHOR], [["B-PER", "B-PER", "I-PER", "O"], list(ANCHOR)])
    code = (
        "import sys; from vinerfacts.evaluate import evaluate; "
        f"r = evaluate({str(gold)!r}, {str(pred)!r}, labels='gold', resamples=0); "
        "print(r.to_json()['schemes']['partial']['micro']['partial'], 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout.split()
    assert out == ["2", "False"]


@settings(max_examples=40, derandomize=True, deadline=None, database=None)
@given(
    shape=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    values=st.lists(st.sampled_from([0.0, 0.0, 1.0, 1e3, 1e6, 1e9]), min_size=25, max_size=25),
)
def test_lsa_maximize_is_scipys_assignment(shape, values):
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    rows, cols = shape
    weight = [values[r * 5 : r * 5 + cols] for r in range(rows)]
    a, b = linear_sum_assignment(np.array(weight), maximize=True)
    assert lsa_maximize(weight) == list(zip(a.tolist(), b.tolist()))


@settings(max_examples=60, derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=conll_files(), chunk=st.integers(1, 64))
def test_array_reader_reads_what_the_generic_reader_reads(tmp_path, monkeypatch, case, chunk):
    _, _, _, gold_tags, _, layout = case
    path = tmp_path / "file.conll"
    path.write_bytes(render(tokens_for(gold_tags), gold_tags, layout))
    monkeypatch.setattr(conll_format, "CHUNK_BYTES", chunk)  # blocks of a few lines: every seam
    arrays = conll_format.scan_conll(path)
    if layout["nbsp"]:
        assert arrays is None  # the generic reader splits on it; the array reader declines
        return
    sentences = conll_format.read_conll(path)
    assert sorted(arrays.tags) == sorted({t for s in sentences for t in s.tags})  # each tag interned once
    assert arrays.n_sentences == len(sentences)
    assert arrays.sent_line.tolist() == [s.line for s in sentences]
    assert arrays.sent_doc.tolist() == [s.document for s in sentences]
    for k, s in enumerate(sentences):
        assert arrays.tokens(k) == s.tokens and arrays.sentence_tags(k) == s.tags


def test_array_reader_declines_what_it_cannot_read_exactly(tmp_path):
    cases = {
        "one column": "Hà B-LOC\nNội\n",
        "not utf-8": b"Ha B-LOC\nN\xffi O\n",
        "control character": "Hà\x01 B-LOC\n",
        "empty": "",
        "only blank": "\n \n",
        "long tag": "Hà B-" + "X" * 70 + "\n",
        "ideographic space": "Hà\u3000B-LOC\n",
    }
    for name, text in cases.items():
        path = tmp_path / "f.conll"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        assert conll_format.scan_conll(path) is None, name
    assert conll_format.scan_conll(tmp_path / "missing.conll") is None


def test_unicode_whitespace_list_is_complete():
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert "".join(c for c in spaces if ord(c) > 127) == conll_format.UNICODE_SPACES
    assert bytes(ord(c) for c in spaces if ord(c) < 128) == conll_format.ASCII_SPACES


def test_nervaluate_greedy_matching_depends_on_order():
    """The README's example: nervaluate 1.2.1's partial score changes with the order of the predictions."""
    from nervaluate import Evaluator

    a, b = {"label": "X", "start": 0, "end": 1}, {"label": "X", "start": 2, "end": 3}
    p1, p2 = {"label": "X", "start": 1, "end": 2}, {"label": "X", "start": 0, "end": 0}

    def partial(preds):
        result = Evaluator([[a, b]], [preds], tags=["X"], loader="dict").evaluate()
        result = result[0] if isinstance(result, tuple) else result
        return result["overall"]["partial"].precision

    assert partial([p2, p1]) == 0.5 and partial([p1, p2]) == 0.25
