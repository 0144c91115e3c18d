"""The benchmark's HTML report (vinerfacts/render.py): what it highlights, escaping, determinism,
and, in a real headless Chromium, that the page loads with every mark and paints.

Mark-counting rule under test (documented in render.py):
  gold column   = one mark per gold span of the headline view (coarse labels, outermost, per document);
  system column = one mark per span the system was scored on (correct + every error record with a
                  prediction) plus one per missed gold span, i.e. strict `pred` + `missed`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BROWSER_TIMEOUT = 60


# ---------------------------------------------------------------- helpers


class PageParser(HTMLParser):
    """Collects every `mark.ent` (attributes, text, nesting) and the text of every `.txt` cell."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.marks: list[dict] = []
        self.cells: list[dict] = []
        self.tags: Counter = Counter()
        self._stack: list[tuple[str, dict | None, dict | None]] = []
        self.nested_marks = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] += 1
        classes = (a.get("class") or "").split()
        mark = cell = None
        if tag == "mark" and "ent" in classes:
            if any(m is not None for _, m, _ in self._stack):
                self.nested_marks += 1
            mark = {**a, "classes": classes, "text": ""}
            self.marks.append(mark)
        if tag == "div" and "txt" in classes:
            cell = {**a, "text": ""}
            self.cells.append(cell)
        if tag not in ("meta", "br", "img", "input", "link", "hr"):
            self._stack.append((tag, mark, cell))

    def handle_endtag(self, tag):
        while self._stack:
            t, _, _ = self._stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for _, mark, cell in self._stack:
            if mark is not None:
                mark["text"] += data
            if cell is not None:
                cell["text"] += data


def parse(html: str) -> PageParser:
    p = PageParser()
    p.feed(html)
    p.close()
    return p


def outermost(spans: set[tuple[int, int, str]]) -> set[tuple[int, int, str]]:
    """Spans inside no other span of the set (the same extent does not count as inside)."""
    return {s for s in spans if not any(o[0] <= s[0] and s[1] <= o[1] and (o[0], o[1]) != (s[0], s[1]) for o in spans)}


def gold_headline(doc) -> set[tuple[int, int, str]]:
    return outermost({(s, e, coarse) for s, e, _fine, coarse in doc.entities if coarse is not None})


def expected_system_marks(docs, report: dict) -> Counter:
    """Per error class, from the report's errors and the gold alone (correct = gold spans not in any error)."""
    gold = Counter()
    for doc in docs:
        for span in gold_headline(doc):
            gold[span] += 1
    errors = report["errors"]
    errored = Counter((e["gold"]["start"], e["gold"]["end"], e["gold"]["label"]) for e in errors if "gold" in e)
    out = Counter(e["class"] for e in errors)
    out["correct"] = sum(gold.values()) - sum(errored.values())
    return out


# ---------------------------------------------------------------- the real benchmark


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from vinerfacts.benchmark import benchmark
    from vinerfacts.evaluate import read_dataset_gold

    results = tmp_path_factory.mktemp("bench") / "results"
    out = benchmark(dataset=ROOT / "dataset", annotations=ROOT / "annotations", results=results, systems=["rules"], resamples=50, progress=False, log=lambda *a: None)
    docs, _ = read_dataset_gold(ROOT / "dataset")
    html_path = results / "report.html"
    assert html_path.exists(), "benchmark() did not write report.html"
    return {"leaderboard": out["leaderboard"], "results": results, "html_path": html_path, "html": html_path.read_text(encoding="utf-8"), "docs": docs}


def ok_rows(leaderboard):
    return [r for r in leaderboard["rows"] if r["status"] == "ok"]


def expected_total(run) -> int:
    docs = run["docs"]
    total = sum(len(gold_headline(d)) for d in docs)
    for row in ok_rows(run["leaderboard"]):
        total += sum(expected_system_marks(docs, json.loads(Path(row["report"]).read_text(encoding="utf-8"))).values())
    return total


def test_page_is_utf8_vietnamese_and_self_contained(run):
    html = run["html"]
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in html and '<meta charset="utf-8">' in html
    assert '"Noto Sans", "DejaVu Sans"' in html
    # real characters, not entities
    assert "Quảng Ninh" in html and "rút kinh nghiệm cho cả nước" in html
    refs = re.findall(r"&#(x[0-9a-fA-F]+|[0-9]+);", html)
    assert all((int(r[1:], 16) if r[0] == "x" else int(r)) < 128 for r in refs), "non-ASCII characters written as references"
    lowered = html.lower()
    for forbidden in ("<script", "<link", "<img", "@import", "url(", "http://", "https://"):
        assert forbidden not in lowered, forbidden
    assert not list(run["results"].glob(".report.html.tmp-*"))


def test_gold_column_has_one_mark_per_outermost_coarse_gold_entity(run):
    page = parse(run["html"])
    docs = run["docs"]
    gold_marks = [m for m in page.marks if m["data-column"] == "gold"]
    expected = {(d.id, s) for d in docs for s in gold_headline(d)}
    assert len(gold_marks) == len(expected)
    got = {(int(m["data-start"]), int(m["data-end"]), m["data-label"]) for m in gold_marks}
    assert got == {s for _, s in expected}
    # every mark's text is the document's text at its offsets
    text = docs[0].text
    for m in gold_marks:
        assert m["text"] == text[int(m["data-start"]) : int(m["data-end"])]
    assert any(m["text"] == "Quảng Ninh" and m["data-label"] == "LOC" for m in gold_marks)
    # the harness scores the same gold spans
    for row in ok_rows(run["leaderboard"]):
        assert row["scores"]["strict"]["gold"] == len(expected)


def test_each_system_column_has_one_mark_per_scored_span_plus_missed(run):
    page = parse(run["html"])
    rows = ok_rows(run["leaderboard"])
    assert {r["system"] for r in rows} >= {"rules", "human-B"}
    for row in rows:
        report = json.loads(Path(row["report"]).read_text(encoding="utf-8"))
        expected = expected_system_marks(run["docs"], report)
        marks = [m for m in page.marks if m.get("data-system") == row["system"]]
        by_class = Counter(m["data-error"] for m in marks)
        assert +by_class == +expected, row["system"]
        strict = row["scores"]["strict"]
        assert by_class["correct"] == strict["tp"]
        assert sum(1 for m in marks if m["data-side"] == "pred") == strict["pred"]
        assert len(marks) == strict["pred"] + expected["missed"]
        for m in marks:
            assert f"err-{m['data-error'].replace('_', '-')}" in m["classes"]
            assert m["data-label"] in m["title"] and m["title"]


def test_markup_keeps_the_text_and_never_nests_marks(run):
    page = parse(run["html"])
    assert page.nested_marks == 0
    doc = run["docs"][0]
    columns = 1 + len(ok_rows(run["leaderboard"]))
    # rows: the zones, plus any text between them that is not blank (it gets the zone "—")
    rows, pos = [], 0
    for s, e, kind in sorted(doc.zones):
        if doc.text[pos:s].strip():
            rows.append((pos, s, "—"))
        rows.append((s, e, kind))
        pos = e
    if doc.text[pos:].strip():
        rows.append((pos, len(doc.text), "—"))
    assert len(page.cells) == columns * len(rows)
    for i, cell in enumerate(page.cells):
        s, e, kind = rows[i // columns]
        assert cell["data-zone"] == kind
        assert cell["text"] == doc.text[s:e]


def test_failed_systems_and_signatures_are_shown(run, tmp_path):
    from vinerfacts.render import write_html_report

    board = json.loads(json.dumps(run["leaderboard"]))
    board["rows"].append({"system": "broken", "kind": "bundled", "version": "?", "status": "failed", "error": "RuntimeError: no model", "scores": {},
                          "predictions": None, "report": None, "signature": None})
    html = write_html_report(board, ROOT / "dataset", run["results"] / "report-failed.html").read_text(encoding="utf-8")
    assert "failed: RuntimeError: no model" in html
    for row in ok_rows(board):
        assert row["signature"] in html
    assert board["dataset"]["annotations_sha256"] in html
    assert "gold \\ pred" in html  # the confusion matrices' corner


def test_two_renders_are_byte_identical(run):
    from vinerfacts.render import write_html_report

    a = write_html_report(run["leaderboard"], ROOT / "dataset", run["results"] / "again.html")
    b = write_html_report(run["leaderboard"], ROOT / "dataset", run["results"] / "again-2.html")
    assert a.read_bytes() == b.read_bytes() == run["html_path"].read_bytes()


def test_confusion_matrix_matches_the_report(run):
    from vinerfacts.render import confusion_table

    row = next(r for r in ok_rows(run["leaderboard"]) if r["system"] == "rules")
    report = json.loads(Path(row["report"]).read_text(encoding="utf-8"))
    table = confusion_table(report)
    assert table["axis"] == report["labels"] + ["O"]
    total = sum(c["n"] for r in table["rows"] for c in r["cells"])
    assert total == sum(n for r in report["confusion"].values() for n in r.values())


# ---------------------------------------------------------------- crafted inputs: escaping, overlaps


TEXT = "Tin <b>nóng</b> từ Hà Nội\n\nÔng Nguyễn Văn An đến Hà Nội <script>alert(1)</script> chiều nay.\nBộ Y tế họp.\n\nẢnh: Quảng Ninh"


def at(s: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(s, start + 1)
    return start, start + len(s)


@pytest.fixture
def crafted(tmp_path):
    from vinerfacts.evaluate import GoldDocument

    title_end = TEXT.index("\n\n")
    body_start = title_end + 2
    caption_start = TEXT.rindex("\n\n") + 2
    first_sentence_end = TEXT.index("\n", body_start)
    ents = [
        (*at("Hà Nội"), "LOC", "LOC"),
        (*at("Ông"), "TITLE", None),  # no coarse label: not shown
        (*at("Nguyễn Văn An"), "PER", "PER"),
        (*at("Văn An đến"), "MISC", "MISC"),  # crosses the PER span: outermost keeps both
        (*at("Hà Nội", 1), "LOC", "LOC"),
        (*at("Bộ Y tế"), "ORG", "ORG"),
        (*at("Y tế"), "MISC", "MISC"),  # nested: not in the outermost view
        (*at("Quảng Ninh"), "LOC", "LOC"),
    ]
    # in memory, as `read_dataset_gold` returns it (the parquet layout is the dataset builder's business)
    doc = GoldDocument(
        "doc-<x>",
        TEXT,
        [("s1", 0, title_end), ("s2", body_start, first_sentence_end), ("s3", first_sentence_end + 1, caption_start - 2), ("s4", caption_start, len(TEXT))],
        [(0, title_end, "title"), (body_start, caption_start - 2, "body"), (caption_start, len(TEXT), "caption")],
        ents,
    )

    def span(s, label):
        a, b = at(s) if isinstance(s, str) else s
        return {"start": a, "end": b, "label": label, "text": TEXT[a:b]}

    script = at("<script>alert(1)</script>")
    errors = [
        {"class": "missed", "document_id": "doc-<x>", "gold": span("Quảng Ninh", "LOC")},
        {"class": "wrong_type", "document_id": "doc-<x>", "gold": span("Bộ Y tế", "ORG"), "pred": span("Bộ Y tế", "LOC")},
        {"class": "spurious", "document_id": "doc-<x>", "pred": span(script, "MISC")},
        {"class": "spurious", "document_id": "doc-<x>", "pred": span((script[0], script[1] + 5), "ORG")},  # overlaps the previous one
        {"class": "spurious", "document_id": "doc-<x>", "pred": span(("Tin <b>nóng</b> từ Hà Nội\n\nÔng"), "MISC")},  # crosses zones
        {"class": "spurious", "unalignable": True, "document_id": "doc-<x>", "pred": {"start": 3, "end": 9, "label": "PER", "text": "<script>evil()</script>"}},
    ]
    report = {
        "labels": ["PER", "LOC", "ORG", "MISC"],
        "signature_fields": {"view": "outermost", "labels": "coarse"},
        "bootstrap": {"schemes": {"strict": {"precision": [0.1, 0.9], "recall": [0.2, 0.8], "f1": [0.3, 0.7]}}},
        "errors": errors,
        "confusion": {"ORG": {"LOC": 1}, "LOC": {"O": 1}, "O": {"MISC": 2, "ORG": 1, "PER": 1}},
        "warnings": ["<i>careful</i>"],
    }
    report_path = tmp_path / "results" / "reports" / "evil.json"
    report_path.parent.mkdir(parents=True)
    report_path.write_text(json.dumps(report), encoding="utf-8")
    board = {
        "dataset": {"name": "crafted", "version": "0.0.1", "annotations_sha256": "ab" * 32},
        "headline": {"view": "outermost", "labels": "coarse", "scheme": "strict", "bootstrap": 50, "seed": 1},
        "rows": [
            {"system": "<b>sys</b>", "kind": "submission", "version": "1\"><img src=x>", "status": "ok", "error": None, "description": "<em>d</em>",
             "scores": {"strict": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "tp": 4, "fp": 4, "fn": 2, "gold": 6, "pred": 8}, "strict_f1_ci": [0.3, 0.7],
                        "partial_f1": 0.6, "per_type_f1": {"PER": 1.0, "LOC": 0.5, "ORG": 0.0, "MISC": None}},
             "predictions": str(tmp_path / "results" / "predictions" / "evil.jsonl"), "report": str(report_path), "signature": "sig<&>"},
            {"system": "bad", "kind": "bundled", "version": "?", "status": "failed", "error": "ValueError: <img src=x onerror=alert(1)>"},
        ],
    }
    return board, [doc], tmp_path / "results" / "report.html"


def test_untrusted_text_is_escaped(crafted):
    from vinerfacts.render import render_html

    board, docs, out = crafted
    html = render_html(board, docs, out)
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<b>" not in lowered and "<em>" not in lowered and "<i>" not in lowered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # document text
    assert "&lt;script&gt;evil()&lt;/script&gt;" in html  # a prediction's own text
    assert "&lt;b&gt;sys&lt;/b&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html and "sig&lt;&amp;&gt;" in html
    assert 'data-system="&lt;b&gt;sys&lt;/b&gt;"' in html
    page = parse(html)
    assert {m["data-system"] for m in page.marks if m["data-column"] == "system"} == {"<b>sys</b>"}


def test_overlaps_nesting_and_newlines(crafted):
    from vinerfacts.render import render_html

    board, docs, out = crafted
    html = render_html(board, docs, out)
    page = parse(html)
    assert page.nested_marks == 0
    gold = [m for m in page.marks if m["data-column"] == "gold"]
    # outermost coarse: Hà Nội x2, Nguyễn Văn An, Văn An đến (crosses it), Bộ Y tế, Quảng Ninh; not Y tế, not Ông
    assert sorted(m["text"] for m in gold) == sorted(["Hà Nội", "Hà Nội", "Nguyễn Văn An", "Văn An đến", "Bộ Y tế", "Quảng Ninh"])
    crossing = [m for m in gold if "overflow" in m["classes"]]
    assert [m["text"] for m in crossing] == ["Văn An đến"]
    system = [m for m in page.marks if m["data-column"] == "system"]
    by_class = Counter(m["data-error"] for m in system)
    # correct: the 6 gold spans minus the 2 in errors; + one mark per error record (6)
    assert by_class == Counter({"correct": 4, "spurious": 4, "missed": 1, "wrong_type": 1})
    overflow = sorted(m["text"] for m in system if "overflow" in m["classes"])
    # drawn first (document order, longest first) wins; the rest is listed below with the reason
    assert overflow == sorted(["<script>evil()</script>", "<script>alert(1)</script>", "Tin <b>nóng</b> từ Hà Nội\n\nÔng", "Văn An đến"])
    unaligned = [m for m in system if "data-start" not in m]
    assert len(unaligned) == 1 and unaligned[0]["data-error"] == "spurious"
    # the cells keep the text, newlines included (shown by white-space: pre-wrap)
    body = [c for c in page.cells if c["data-zone"] == "body"]
    assert len(body) == 2 and all("chiều nay.\nBộ Y tế họp." in c["text"] for c in body)
    assert ".txt { white-space: pre-wrap;" in html


# ---------------------------------------------------------------- a real browser


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "chromium is not installed: run scripts/install_browser.sh (as root: apt-get install chromium fonts-noto-core)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI=true, so the browser test may not be skipped")
    pytest.skip(message)


def browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    exe = chromium()
    cmd = [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", *args,
    ]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=BROWSER_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within {BROWSER_TIMEOUT} s: {' '.join(cmd)}")


def test_chromium_loads_every_mark_and_paints_the_page(run, tmp_path):
    url = run["html_path"].resolve().as_uri()
    dom = browser(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = parse(dom.stdout)
    assert page.tags["mark"] > 0, dom.stdout[:500]
    assert len(page.marks) == expected_total(run)
    assert len(page.marks) == len(parse(run["html"]).marks)
    assert page.nested_marks == 0
    assert any(m["text"] == "Quảng Ninh" for m in page.marks)

    png = tmp_path / "report.png"
    shot = browser(tmp_path, f"--screenshot={png}", "--window-size=1400,2000", url)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.exists(), shot.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000, f"screenshot is only {len(data)} bytes: a blank page?"
