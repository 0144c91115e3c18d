"""The transformers system, run for real and offline on tiny BERT models built inside the test.

Two models share one fast WordPiece tokenizer made with `tokenizers` from the syllables of a
Vietnamese sentence (plus its characters, so unseen words split into `##` pieces):
- `random_dir`: a randomly initialised BertForTokenClassification (fixed seed) whose classifier bias
  makes B-PER win on every token, so every word comes back as its own PER span;
- `wired_dir`: the same architecture with its weights set by hand so that the label depends on the
  token only (attention/feed-forward outputs zeroed, one embedding direction per label), so the
  exact entities of the sentence are known: PER `Lương Cường`, ORG `Ban Thường vụ`, LOC `Quảng Ninh`.
Tests that need neither torch nor transformers (argument checks, span trimming, lazy import) run
without them; the rest skip when torch or transformers is not installed.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import unicodedata

import pytest

from vinerfacts.errors import VinerfactsError
from vinerfacts.systems.base import Prediction
from vinerfacts.systems.transformers_system import TransformersSystem, trim_span
from vinerfacts.text import syllable_tokens

SENTENCE = "Chủ tịch nước Lương Cường làm việc với Ban Thường vụ Tỉnh ủy Quảng Ninh."
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
WIRED = {"Lương": "B-PER", "Cường": "I-PER", "Ban": "B-ORG", "Thường": "I-ORG", "vụ": "I-ORG", "Quảng": "B-LOC", "Ninh": "I-LOC"}
GOLD = [("Lương Cường", "PER"), ("Ban Thường vụ", "ORG"), ("Quảng Ninh", "LOC")]
POSITIONS = 64  # the models' max_position_embeddings: the default window
NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731


def hf():
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0)")
    transformers = pytest.importorskip("transformers", reason="transformers is not installed (pip install -e '.[transformers]')")
    tokenizers = pytest.importorskip("tokenizers", reason="tokenizers is not installed (it comes with transformers)")
    return torch, transformers, tokenizers


def expected(text: str, at: int, nfd: bool = False) -> list[dict]:
    """GOLD spans of the copy of SENTENCE (or of its NFD form) that starts at `at` in `text`."""
    out = []
    for name, label in GOLD:
        a = SENTENCE.index(name)
        # NFD works character by character, so prefix lengths give the offsets in the NFD copy.
        start = at + (len(NFD(SENTENCE[:a])) if nfd else a)
        end = start + (len(NFD(name)) if nfd else len(name))
        assert text[start:end] == (NFD(name) if nfd else name)
        out.append({"start": start, "end": end, "label": label, "text": text[start:end]})
    return out


def check_offsets(text: str, prediction: Prediction) -> None:
    for e in prediction.entities:
        assert set(e) == {"start", "end", "label", "text"}
        assert 0 <= e["start"] < e["end"] <= len(text)
        assert text[e["start"]:e["end"]] == e["text"], e
        assert e["text"] == e["text"].strip()


# ---------------------------------------------------------------- building the tiny models


def _vocab() -> dict[str, int]:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = list(dict.fromkeys(re.findall(r"\w+|[^\w\s]", SENTENCE)))
    chars = sorted({c for w in words for c in w} - set(words))
    tokens = specials + words + chars + ["##" + c for c in sorted({c for w in words for c in w})]
    return {t: i for i, t in enumerate(tokens)}


def _tokenizer():
    _, transformers, tokenizers = hf()
    from tokenizers import decoders, models, normalizers, pre_tokenizers, processors

    vocab = _vocab()
    tok = tokenizers.Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    # NFC first, so NFD input finds the NFC vocabulary; offsets still point into the NFD text.
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.BertNormalizer(lowercase=False, strip_accents=False)])
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tok.decoder = decoders.WordPiece()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]"
    )


def _model(seed: int = 0):
    torch, transformers, _ = hf()
    config = transformers.BertConfig(
        vocab_size=len(_vocab()),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=POSITIONS,
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    torch.manual_seed(seed)
    return transformers.BertForTokenClassification(config)


def _save(model, directory) -> str:
    model.save_pretrained(directory)
    _tokenizer().save_pretrained(directory)
    return str(directory)


def random_model(bias_label: str = "B-PER", bias: float = 10.0):
    torch, _, _ = hf()
    model = _model()
    with torch.no_grad():
        model.classifier.bias[LABELS.index(bias_label)] = bias
    return model


def wired_model():
    """Labels that depend on the token alone: every layer reduces to LayerNorm(word embedding)."""
    torch, _, _ = hf()
    model = _model()
    hidden = model.config.hidden_size
    with torch.no_grad():
        emb = model.bert.embeddings
        emb.position_embeddings.weight.zero_()
        emb.token_type_embeddings.weight.zero_()
        emb.word_embeddings.weight.zero_()
        for token, i in _vocab().items():
            emb.word_embeddings.weight[i, LABELS.index(WIRED.get(token, "O"))] = 1.0
            emb.word_embeddings.weight[i, hidden - 1] = -1.0  # mean 0: LayerNorm keeps the direction
        for layer in model.bert.encoder.layer:
            for dense in (layer.attention.output.dense, layer.output.dense):
                dense.weight.zero_()
                dense.bias.zero_()
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        for k in range(len(LABELS)):
            model.classifier.weight[k, k] = 5.0
    return model


@pytest.fixture(scope="module")
def random_dir(tmp_path_factory):
    hf()
    return _save(random_model(), tmp_path_factory.mktemp("random-bert"))


@pytest.fixture(scope="module")
def wired_dir(tmp_path_factory):
    hf()
    return _save(wired_model(), tmp_path_factory.mktemp("wired-bert"))


# ---------------------------------------------------------------- without torch


def test_info_and_settings(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    system = TransformersSystem(str(tmp_path), label_map={"ORG": None}, max_length=32, aggregation="MAX")
    assert system.info.name == "transformers" and system.info.extra == "transformers" and not system.info.offline
    settings = system.settings()
    assert {k: settings[k] for k in ("model", "aggregation", "max_length", "label_map", "device")} == {
        "model": str(tmp_path), "aggregation": "max", "max_length": 32, "label_map": {"ORG": None}, "device": "cpu",
    }
    json.dumps(settings)


def test_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(VinerfactsError, match="does not exist"):
        TransformersSystem(str(tmp_path / "no-such-model"))
    with pytest.raises(VinerfactsError, match="no config.json"):
        TransformersSystem(str(tmp_path))
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(VinerfactsError, match="not a model directory"):
        TransformersSystem(str(tmp_path / "weights.bin"))
    (tmp_path / "config.json").write_text("{}")
    system = TransformersSystem(str(tmp_path))
    shutil.rmtree(tmp_path)
    with pytest.raises(VinerfactsError, match="does not exist"):
        system.version()


@pytest.mark.parametrize("options, message", [
    ({"aggregation": "longest"}, "unknown aggregation"),
    ({"batch_size": 0}, "batch_size"),
    ({"max_length": 0}, "max_length"),
])
def test_bad_options(tmp_path, options, message):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(VinerfactsError, match=message):
        TransformersSystem(str(tmp_path), **options)


def test_importing_the_module_imports_neither_torch_nor_transformers():
    code = (
        "import sys, vinerfacts.systems.transformers_system as m; "
        "m.TransformersSystem; print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("missing", ["torch", "transformers"])
def test_missing_packages_give_the_install_hint(tmp_path, monkeypatch, missing):
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setitem(sys.modules, missing, None)  # `import missing` now raises ImportError
    system = TransformersSystem(str(tmp_path))
    with pytest.raises(VinerfactsError, match=r"pip install -e '\.\[transformers\]' and torch==2\.13\.0"):
        system.predict([{"id": "d", "text": SENTENCE}])


@pytest.mark.parametrize("text, span, kept", [
    ("“Quảng Ninh”,", (0, 13), "Quảng Ninh"),
    ("  Hà Nội. ", (0, 10), "Hà Nội"),
    ("Điện lực (EVN).", (0, 15), "Điện lực (EVN)"),
    ("(EVN)", (0, 5), "EVN"),
    (NFD("ở Hà"), (4, 6), NFD("Hà")),  # an end before the combining grave accent takes it in
    (NFD("Hà Nội"), (2, 9), NFD("à Nội")),  # a start on a combining mark takes its base letter
    (NFD("“ở”"), (0, 5), NFD("ở")),
    (" ., ", (0, 4), ""),
])
def test_trim_span(text, span, kept):
    start, end = trim_span(text, *span)
    assert text[start:end] == kept


# ---------------------------------------------------------------- with the tiny models


def test_wired_model_gives_the_exact_entities(wired_dir):
    system = TransformersSystem(wired_dir)
    docs = [{"id": "a", "text": SENTENCE}, {"id": "b", "text": "Lương Cường."}, {"id": "empty", "text": ""}, {"id": "blank", "text": " \n\t\n"}]
    preds = system.predict(docs)
    assert [p.id for p in preds] == ["a", "b", "empty", "blank"]
    assert preds[0].entities == expected(SENTENCE, 0)
    assert preds[1].entities == [{"start": 0, "end": 11, "label": "PER", "text": "Lương Cường"}]
    assert preds[2].entities == preds[3].entities == []
    assert all(p.unaligned == [] for p in preds)


def test_label_map_drops_and_counts_and_passes_unknown_labels_through(wired_dir):
    system = TransformersSystem(wired_dir, label_map={"PER": "PER", "LOC": "LOC", "ORG": None})
    preds = system.predict([{"id": "a", "text": SENTENCE}, {"id": "b", "text": SENTENCE + "\n" + SENTENCE}])
    assert [e["label"] for e in preds[0].entities] == ["PER", "LOC"]
    assert len(preds[1].entities) == 4 and "ORG" not in {e["label"] for e in preds[1].entities}
    assert system.dropped == {"ORG": 3}
    renamed = TransformersSystem(wired_dir, label_map={"PER": "PERSON"}).predict([{"id": "a", "text": SENTENCE}])[0]
    assert [e["label"] for e in renamed.entities] == ["PERSON", "ORG", "LOC"]  # the harness rejects PERSON loudly


def test_lines_nfd_leading_spaces_and_a_line_longer_than_the_window(wired_dir):
    system = TransformersSystem(wired_dir)
    long_line = " ".join([SENTENCE] * 5)
    parts = ["  ", SENTENCE, "\n\n", NFD(SENTENCE), "\n   ", long_line, "\r\n", "\tLương Cường"]
    text = "".join(parts)
    starts = [sum(len(p) for p in parts[:i]) for i in range(len(parts))]

    # Without chunking the pipeline would truncate the long line at the window and lose entities.
    assert len(_tokenizer()(long_line)["input_ids"]) > POSITIONS
    prediction = system.predict([{"id": "doc", "text": text}])[0]
    check_offsets(text, prediction)
    want = expected(text, starts[1]) + expected(text, starts[3], nfd=True)
    for k in range(5):
        want += expected(text, starts[5] + k * (len(SENTENCE) + 1))
    want.append({"start": starts[7] + 1, "end": len(text), "label": "PER", "text": "Lương Cường"})
    assert prediction.entities == want
    assert prediction.entities[3]["text"] == NFD("Lương Cường") != "Lương Cường"
    assert prediction.unaligned == []

    chunks = system.split_text(text)
    long_chunks = [c for c in chunks if starts[5] <= c[0] < starts[6]]
    assert len(long_chunks) >= 2 and all(text[b - 1] == "." for a, b in long_chunks)  # cut after sentences
    assert max(len(_tokenizer()(text[a:b])["input_ids"]) for a, b in chunks) <= POSITIONS


def test_tiny_max_length_cuts_between_words_and_inside_long_words(wired_dir):
    window = 8
    system = TransformersSystem(wired_dir, max_length=window)
    long_word = "Thường" + "g" * 30  # one word of 31 WordPiece tokens
    text = "  " + SENTENCE + "\n" + NFD(SENTENCE) + " " + long_word + " Lương Cường,Quảng Ninh."
    chunks = system.split_text(text)
    tokenizer = _tokenizer()
    assert all(len(tokenizer(text[a:b])["input_ids"]) <= window for a, b in chunks)
    # Chunks are in order, and only whitespace lies between or around them: no character is lost.
    covered = [False] * len(text)
    for (a, b), (c, _) in zip(chunks, chunks[1:] + [(len(text), None)]):
        assert a < b <= c
        covered[a:b] = [True] * (b - a)
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))
    word_start = text.index(long_word)
    inside = [a for a, _ in chunks if word_start < a < word_start + len(long_word)]
    assert inside, "the long word must be cut between tokens"

    prediction = system.predict([{"id": "doc", "text": text}])[0]
    check_offsets(text, prediction)
    assert {e["label"] for e in prediction.entities} <= {"PER", "ORG", "LOC"}
    for e in prediction.entities:  # every span lies inside one chunk
        assert any(a <= e["start"] and e["end"] <= b for a, b in chunks)
    assert {"start": text.rindex("Lương"), "end": text.rindex("Cường") + 5, "label": "PER", "text": "Lương Cường"} in prediction.entities


def test_random_model_every_word_a_person(random_dir):
    system = TransformersSystem(random_dir, batch_size=3)
    texts = [
        SENTENCE,
        "  “Lương Cường” (Quảng Ninh), Ban Thường vụ!\n" + NFD("Tỉnh ủy Quảng Ninh làm việc với Hạ Long") + "\n\n",
        "Lươngg Cường",
    ]
    preds = system.predict([{"id": str(i), "text": t} for i, t in enumerate(texts)])
    for text, prediction in zip(texts, preds):
        check_offsets(text, prediction)
        # B-PER wins on every token, so every word is one PER span and every punctuation mark is a
        # span with nothing left after trimming: reported in `unaligned`, not dropped.
        words = [(a, b) for a, b in syllable_tokens(text) if re.match(r"\w", text[a])]
        marks = [text[a:b] for a, b in syllable_tokens(text) if not re.match(r"\w", text[a])]
        assert [(e["start"], e["end"]) for e in prediction.entities] == words
        assert {e["label"] for e in prediction.entities} == {"PER"}
        assert [u["text"] for u in prediction.unaligned] == marks
        assert all(u["label"] == "PER" and "punctuation" in u["reason"] for u in prediction.unaligned)
    # `Lươngg` is `Lương` + `##g`: one word with "first" aggregation, two tokens without aggregation.
    raw = TransformersSystem(random_dir, aggregation="none").predict([{"id": "2", "text": texts[2]}])[0]
    assert [(e["text"], e["label"]) for e in raw.entities] == [("Lương", "PER"), ("g", "PER"), ("Cường", "PER")]


def test_version_is_stable_and_follows_the_model_directory(tmp_path, random_dir):
    copy = tmp_path / "model"
    shutil.copytree(random_dir, copy)
    system = TransformersSystem(str(copy))
    first = system.version()
    assert first == system.version()
    assert first.startswith(f"transformers-{hf()[1].__version__} ") and " local:model@sha256:" in first
    assert first.split("@")[-1] == TransformersSystem(random_dir).version().split("@")[-1]  # content, not place
    random_model(bias=11.0).save_pretrained(copy)  # same files, same sizes, other weights
    assert system.version() != first
    (copy / "tokenizer.json").unlink()
    assert system.version() != first


def test_hub_id_version_names_the_cached_revision(tmp_path, monkeypatch):
    hf()
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    system = TransformersSystem("someone/vi-ner")
    assert system.version().endswith(" hub:someone/vi-ner@unresolved")
    sha = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "models--someone--vi-ner"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(sha)
    (repo / "snapshots" / sha).mkdir(parents=True)
    (repo / "snapshots" / sha / "config.json").write_text("{}")
    assert system.version().endswith(f" hub:someone/vi-ner@{sha}")


def test_model_without_a_fast_tokenizer_is_refused(tmp_path, random_dir):
    _, transformers, _ = hf()
    try:
        from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy as SlowBert  # transformers 5
    except ImportError:
        SlowBert = transformers.BertTokenizer  # transformers 4: the Python tokenizer
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(_vocab()), encoding="utf-8")
    slow = SlowBert(str(vocab))
    if slow.is_fast:
        pytest.skip("this transformers version has no slow BERT tokenizer")
    model_dir = tmp_path / "slow"
    model_dir.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(f"{random_dir}/{name}", model_dir / name)
    slow.save_pretrained(model_dir)
    with pytest.raises(VinerfactsError, match="no fast tokenizer"):
        TransformersSystem(str(model_dir)).predict([{"id": "d", "text": SENTENCE}])


def test_window_larger_than_the_model_is_refused(wired_dir):
    with pytest.raises(VinerfactsError, match="larger than the model's limit of 64"):
        TransformersSystem(wired_dir, max_length=65).predict([{"id": "d", "text": SENTENCE}])
