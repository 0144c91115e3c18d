"""The static HTML report of a benchmark run (`results/report.html`).

    write_html_report(leaderboard, Path("dataset"), Path("results/report.html"))

One self-contained page (inline CSS, no script, no network resource), rendered with a Jinja2
template with autoescape on (`templates/report.html.j2`), written atomically and deterministically
(same inputs -> same bytes; nothing depends on the clock or on the order of a directory listing):

1. the leaderboard (strict P/R/F1 with their 95% bootstrap intervals, partial F1, per-type F1,
   failed systems with their error), the dataset's name, version and hash, each row's signature;
2. for each document, a grid whose rows are the document's zones (title, lead, body, caption,
   byline, furniture) and whose columns are the gold and every `ok` system: the gold column
   highlights the gold spans of the headline view, each system column highlights what that system
   was scored on, colored by error class (from the system's JSON report);
3. for each system, its error counts and the confusion matrix of types (gold rows x predicted
   columns, `O` for no span).

Which spans are highlighted (the mark-counting rule)
----------------------------------------------------
Every highlighted span is one `<mark class="ent ...">` element with `data-column` ("gold" or
"system"), `data-side` ("gold": a gold span, "pred": a predicted span), `data-label`, and, when it
has offsets, `data-start`/`data-end` (character offsets in the document's text, end exclusive);
marks of a system column also carry `data-system` and `data-error` (one of `ERROR_CLASSES`) and the
CSS class `err-<class>` (underscores as hyphens, e.g. `err-wrong-type-and-boundary`).

* Gold column of a document: one mark per gold span of the headline view: the gold entities that
  have a label in the headline label set (coarse: entities without a coarse label are skipped),
  then the headline view (outermost) over the whole document, duplicates (same offsets and label)
  counted once, as `spans.select_view` does.
* Column of system S in a document: one mark per span that S was scored on in the headline view,
  plus one per gold span S missed:
    - `correct`: every gold span of the headline view (as the harness builds it, sentence by
      sentence) that is not the gold side of any error record of S's report: a correct prediction
      is exactly that gold span;
    - one mark per error record of the report: the predicted span for `wrong_type`,
      `wrong_boundary`, `wrong_type_and_boundary` and `spurious` (`data-side="pred"`), the gold
      span for `missed` (`data-side="gold"`).
  So, per system and document: marks = correct + (error records) and, over the corpus,
  marks = strict `pred` count (predicted spans, unalignable ones included) + `missed` count.

Nothing is lost and the markup never nests marks: in each column the marks are taken in
document order (start, then longest first); a mark is drawn inline unless it overlaps a mark
already drawn, crosses a zone boundary, or has no offsets in the gold text (a prediction that
could not be aligned); those are listed, still as `mark.ent` elements with the same attributes
and the CSS class `overflow`, in the last row of the grid, under their column, with the reason.
Text between zones that is only whitespace (the blank lines between paragraphs) is shown as the
break between rows; any other text outside the zones gets a row of its own (zone "—").
Newlines inside a zone are kept (`white-space: pre-wrap`).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .spans import Span, select_view

TEMPLATE = "report.html.j2"
ERROR_CLASSES = ("correct", "wrong_type", "wrong_boundary", "wrong_type_and_boundary", "missed", "spurious")
CLASS_NAMES = {
    "correct": "correct",
    "wrong_type": "wrong type",
    "wrong_boundary": "wrong boundary",
    "wrong_type_and_boundary": "wrong type and boundary",
    "missed": "missed",
    "spurious": "spurious",
}
CLASS_HELP = {
    "correct": "same boundary, same type as a gold span",
    "wrong_type": "same boundary as a gold span, other type",
    "wrong_boundary": "overlaps a gold span of the same type, other boundary",
    "wrong_type_and_boundary": "overlaps a gold span of another type, other boundary",
    "missed": "a gold span with no overlapping prediction (shown with the gold label)",
    "spurious": "a prediction that overlaps no gold span",
}
ZONE_NAMES = {None: "—"}


# ---------------------------------------------------------------- the page's data


@dataclass
class Mark:
    """One highlighted span of one column."""

    column: str  # gold | system
    side: str  # gold | pred
    label: str
    start: int | None
    end: int | None
    text: str
    system: str | None = None
    error: str | None = None  # one of ERROR_CLASSES, system columns only
    detail: str = ""  # e.g. the gold span a wrong prediction was paired with
    note: str | None = None  # why the mark is listed below the text instead of inline

    @property
    def css(self) -> str:
        parts = ["ent", "gold" if self.column == "gold" else "err-" + (self.error or "").replace("_", "-")]
        if self.note is not None:
            parts.append("overflow")
        return " ".join(parts)

    @property
    def title(self) -> str:
        where = f" [{self.start}:{self.end}]" if self.start is not None else ""
        if self.column == "gold":
            head = f"{self.label} · gold{where}"
        else:
            head = f"{self.label} · {CLASS_NAMES.get(self.error, self.error)}{where}"
        return head + (f" · {self.detail}" if self.detail else "")

    def sort_key(self) -> tuple:
        if self.start is None:
            return (1, 0, 0, self.label, self.text)
        return (0, self.start, -self.end, 0 if self.side == "gold" else 1, self.label)


@dataclass
class Block:
    """A row of a document's grid: one zone (or a stretch of text outside the zones)."""

    start: int
    end: int
    zone: str | None

    @property
    def zone_name(self) -> str:
        return self.zone if self.zone is not None else ZONE_NAMES[None]


@dataclass
class Column:
    """One column of a document's grid: its cells (segments per block) and the marks listed below."""

    name: str
    kind: str  # gold | system
    cells: list[list[dict]] = field(default_factory=list)
    overflow: list[Mark] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    problem: str | None = None

    @property
    def summary(self) -> str:
        """E.g. `37 spans` (gold) or `35 predicted, 2 missed` (a system)."""
        if self.kind == "gold":
            return f"{len(self.marks)} span{'' if len(self.marks) == 1 else 's'}"
        pred = sum(1 for m in self.marks if m.side == "pred")
        return f"{pred} predicted, {len(self.marks) - pred} missed"


@dataclass
class SystemView:
    """What the page needs of one `ok` leaderboard row."""

    index: int
    row: dict
    report: dict | None
    problem: str | None
    view: str
    labels: str

    @property
    def name(self) -> str:
        return self.row["system"]

    @property
    def anchor(self) -> str:
        return f"system-{self.index}"


# ---------------------------------------------------------------- gold


def _label_of(fine: str, coarse: str | None, labels: str) -> str | None:
    return coarse if labels == "coarse" else fine


def gold_headline_spans(doc, view: str = "outermost", labels: str = "coarse") -> list[Span]:
    """The gold spans of the gold column: labelled entities of the label set, then the view, per document."""
    spans = [Span(s, e, lab) for s, e, fine, coarse in doc.entities if (lab := _label_of(fine, coarse, labels)) is not None]
    return select_view(spans, view)


def _scored_gold(doc, view: str, labels: str) -> list[Span]:
    """The gold spans the harness scores: per sentence (spans inside it), then the view (as evaluate.py does)."""
    spans = [Span(s, e, lab) for s, e, fine, coarse in doc.entities if (lab := _label_of(fine, coarse, labels)) is not None]
    out = []
    for _sid, s, e in doc.sentences:
        out += select_view([sp for sp in spans if s <= sp.start and sp.end <= e], view)
    return out


# ---------------------------------------------------------------- system marks from a report


def _span_text(text: str, start: int, end: int) -> str:
    return text[start:end]


def _describe(rec: dict) -> str:
    return f"{rec['label']} [{rec['start']}:{rec['end']}] «{rec.get('text', '')}»"


def system_marks(doc, report: dict, system: str, view: str, labels: str) -> tuple[list[Mark], str | None]:
    """The marks of one system column of one document (see the module docstring), and a problem
    when the report does not fit the gold (its gold-side error spans are not gold spans)."""
    errors = [e for e in report.get("errors", []) if e.get("document_id") == doc.id]
    errored = Counter((e["gold"]["start"], e["gold"]["end"], e["gold"]["label"]) for e in errors if "gold" in e)
    marks: list[Mark] = []
    for sp in _scored_gold(doc, view, labels):
        key = (sp.start, sp.end, sp.label)
        if errored[key] > 0:
            errored[key] -= 1
            continue
        marks.append(Mark("system", "pred", sp.label, sp.start, sp.end, doc.text[sp.start : sp.end], system, "correct"))
    problem = None
    leftover = sum(errored.values())
    if leftover:
        problem = f"{leftover} gold span(s) of the report's errors are not gold spans of this dataset: was the report made on another dataset version?"
    for e in errors:
        kind = e.get("class")
        gold, pred = e.get("gold"), e.get("pred")
        if e.get("unalignable"):
            rec = pred or {}
            marks.append(Mark("system", "pred", str(rec.get("label", "?")), None, None, str(rec.get("text", "")), system, kind or "spurious",
                              detail="not alignable to the gold text"))
        elif pred is not None:
            start, end = pred["start"], pred["end"]
            detail = f"gold {_describe(gold)}" if gold is not None else ""
            marks.append(Mark("system", "pred", pred["label"], start, end, _span_text(doc.text, start, end), system, kind, detail))
        elif gold is not None:
            start, end = gold["start"], gold["end"]
            marks.append(Mark("system", "gold", gold["label"], start, end, _span_text(doc.text, start, end), system, kind or "missed"))
    return sorted(marks, key=Mark.sort_key), problem


# ---------------------------------------------------------------- layout


def blocks_of(doc) -> list[Block]:
    """The rows of a document's grid: its zones in order, plus any non-blank text outside them."""
    text = doc.text
    blocks: list[Block] = []
    pos = 0

    def gap(a: int, b: int) -> None:
        if b > a and text[a:b].strip():
            blocks.append(Block(a, b, None))

    for start, end, kind in sorted(doc.zones):
        start, end = max(start, pos), min(end, len(text))
        if end <= start:
            continue
        gap(pos, start)
        blocks.append(Block(start, end, kind))
        pos = end
    gap(pos, len(text))
    if not blocks and text:
        blocks.append(Block(0, len(text), None))
    return blocks


def layout(text: str, blocks: list[Block], marks: list[Mark]) -> tuple[list[list[dict]], list[Mark]]:
    """Cells (one list of segments per block) with non-overlapping inline marks, and the marks that
    could not be drawn inline (each with its `note`). Segments are {"text": str, "mark": Mark|None}."""
    inline: list[list[Mark]] = [[] for _ in blocks]
    drawn: list[Mark] = []
    overflow: list[Mark] = []
    for m in sorted(marks, key=Mark.sort_key):
        if m.start is None:
            m.note = "no offsets in the gold text (the prediction could not be aligned)"
            overflow.append(m)
            continue
        if not (0 <= m.start < m.end <= len(text)):
            m.note = f"offsets out of the text (length {len(text)})"
            overflow.append(m)
            continue
        over = next((d for d in drawn if d.start < m.end and m.start < d.end), None)
        if over is not None:
            m.note = f"overlaps {over.label} [{over.start}:{over.end}]"
            overflow.append(m)
            continue
        b = next((i for i, bl in enumerate(blocks) if bl.start <= m.start and m.end <= bl.end), None)
        if b is None:
            m.note = "crosses a zone boundary"
            overflow.append(m)
            continue
        inline[b].append(m)
        drawn.append(m)
    cells = []
    for block, ms in zip(blocks, inline):
        segments = []
        pos = block.start
        for m in ms:  # already in document order
            if m.start > pos:
                segments.append({"text": text[pos : m.start], "mark": None})
            segments.append({"text": text[m.start : m.end], "mark": m})
            pos = m.end
        if pos < block.end:
            segments.append({"text": text[pos : block.end], "mark": None})
        cells.append(segments)
    return cells, overflow


# ---------------------------------------------------------------- reports and scores


def _load_report(row: dict, out: Path) -> tuple[dict | None, str | None]:
    ref = row.get("report")
    if not ref:
        return None, "no report file in the leaderboard row"
    path = Path(ref)
    candidates = [path] if path.is_absolute() else [path, out.parent / "reports" / path.name]
    for p in candidates:
        if p.is_file():
            try:
                return json.loads(p.read_text(encoding="utf-8")), None
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
                return None, f"cannot read the report {ref}: {type(e).__name__}: {e}"
    return None, f"report {ref} not found"


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def _ci(pair) -> str:
    if not pair or pair[0] is None or pair[1] is None:
        return ""
    return f"{_pct(pair[0])}–{_pct(pair[1])}"


def _labels_of(rows: list[dict], default: list[str]) -> list[str]:
    labels = list(default)
    for r in rows:
        for lab in (r.get("scores") or {}).get("per_type_f1", {}):
            if lab not in labels:
                labels.append(lab)
    return labels


def _score_cells(row: dict, report: dict | None, labels: list[str]) -> dict:
    s = row.get("scores") or {}
    strict = s.get("strict", {})
    boot = ((report or {}).get("bootstrap") or {}).get("schemes", {}).get("strict", {})
    return {
        "p": _pct(strict.get("precision")),
        "p_ci": _ci(boot.get("precision")),
        "r": _pct(strict.get("recall")),
        "r_ci": _ci(boot.get("recall")),
        "f1": _pct(strict.get("f1")),
        "f1_ci": _ci(s.get("strict_f1_ci") or boot.get("f1")),
        "partial": _pct(s.get("partial_f1")),
        "per_type": [_pct(s.get("per_type_f1", {}).get(lab)) for lab in labels],
        "counts": {k: strict.get(k) for k in ("tp", "fp", "fn", "gold", "pred")},
    }


def confusion_table(report: dict) -> dict:
    """Gold rows x predicted columns, both `labels` then O (then any other label the matrix has)."""
    conf = report.get("confusion") or {}
    labels = list(report.get("labels") or [])
    seen = set(conf) | {p for row in conf.values() for p in row}
    extra = sorted(seen - set(labels) - {"O"})
    axis = labels + extra + ["O"]
    rows = []
    for g in axis:
        cells = []
        for p in axis:
            n = (conf.get(g) or {}).get(p, 0)
            cells.append({"n": n, "diag": g == p and g != "O", "none": g == "O" and p == "O"})
        rows.append({"label": g, "cells": cells, "total": sum(c["n"] for c in cells)})
    col_totals = [sum(r["cells"][j]["n"] for r in rows) for j in range(len(axis))]
    return {"axis": axis, "rows": rows, "col_totals": col_totals}


ROW_DEFAULTS = {"system": "?", "kind": "?", "version": "?", "status": "failed", "error": None, "description": "", "scores": {},
                "predictions": None, "report": None, "signature": None}


def _normalize_row(row: dict) -> dict:
    """A leaderboard row with every field the template reads (older or hand-made rows may lack some)."""
    out = {**ROW_DEFAULTS, **row}
    out["scores"] = out["scores"] or {}
    return out


def _display_path(ref: str | None, base: Path) -> str | None:
    if not ref:
        return None
    p = Path(ref)
    try:
        return p.resolve().relative_to(base.resolve()).as_posix()
    except (ValueError, OSError):
        return p.as_posix()


# ---------------------------------------------------------------- the page


def build_context(leaderboard: dict, documents: list, out: Path) -> dict:
    """Everything the template shows, computed here so that the template stays plain markup."""
    head = leaderboard.get("headline") or {}
    view, label_set = head.get("view", "outermost"), head.get("labels", "coarse")
    rows = [_normalize_row(r) for r in leaderboard.get("rows") or []]
    from .schema import COARSE_LABELS

    labels = _labels_of(rows, list(COARSE_LABELS) if label_set == "coarse" else [])
    base = out.parent

    systems: list[SystemView] = []
    board = []
    for i, row in enumerate(rows, 1):
        report, problem = (None, None)
        if row.get("status") == "ok":
            report, problem = _load_report(row, out)
            fields = (report or {}).get("signature_fields") or {}
            sv = SystemView(len(systems) + 1, row, report, problem, fields.get("view", view), fields.get("labels", label_set))
            systems.append(sv)
        board.append({
            "rank": i,
            "row": row,
            "ok": row.get("status") == "ok",
            "anchor": systems[-1].anchor if row.get("status") == "ok" else None,
            "scores": _score_cells(row, report, labels) if row.get("status") == "ok" else None,
        })

    docs = []
    totals = {sv.name: Counter() for sv in systems}
    for d_index, doc in enumerate(documents, 1):
        blocks = blocks_of(doc)
        columns = []
        gold_marks = [Mark("gold", "gold", sp.label, sp.start, sp.end, doc.text[sp.start : sp.end]) for sp in gold_headline_spans(doc, view, label_set)]
        cells, overflow = layout(doc.text, blocks, gold_marks)
        columns.append(Column("gold", "gold", cells, overflow, gold_marks))
        for sv in systems:
            if sv.report is None:
                col = Column(sv.name, "system", [[] for _ in blocks], [], [], sv.problem)
            else:
                marks, problem = system_marks(doc, sv.report, sv.name, sv.view, sv.labels)
                totals[sv.name].update(m.error for m in marks)
                cells, overflow = layout(doc.text, blocks, marks)
                col = Column(sv.name, "system", cells, overflow, marks, problem)
            columns.append(col)
        rows_ = [{"block": b, "cells": [c.cells[k] for c in columns]} for k, b in enumerate(blocks)]
        docs.append({
            "index": d_index,
            "id": doc.id,
            "chars": len(doc.text),
            "columns": columns,
            "rows": rows_,
            "has_overflow": any(c.overflow for c in columns),
        })

    system_sections = []
    for sv in systems:
        rep = sv.report or {}
        system_sections.append({
            "sv": sv,
            "counts": [{"cls": c, "name": CLASS_NAMES[c], "n": totals[sv.name].get(c, 0)} for c in ERROR_CLASSES],
            "confusion": confusion_table(rep) if sv.report is not None else None,
            "warnings": rep.get("warnings", []),
            "predictions": _display_path(sv.row.get("predictions"), base),
            "report": _display_path(sv.row.get("report"), base),
        })

    return {
        "dataset": leaderboard.get("dataset") or {},
        "headline": head,
        "view": view,
        "label_set": label_set,
        "labels": labels,
        "board": board,
        "systems": systems,
        "system_sections": system_sections,
        "documents": docs,
        "classes": [{"cls": c, "css": "err-" + c.replace("_", "-"), "name": CLASS_NAMES[c], "help": CLASS_HELP[c]} for c in ERROR_CLASSES],
    }


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("vinerfacts", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "j2"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(leaderboard: dict, documents: list, out: Path) -> str:
    """The page's text; `documents` are `evaluate.GoldDocument`s (or anything with the same fields)."""
    return _environment().get_template(TEMPLATE).render(**build_context(leaderboard, documents, Path(out)))


def write_html_report(leaderboard: dict, dataset: Path, out: Path) -> Path:
    """Render the report of `leaderboard` (as `benchmark()` builds it) on the gold of `dataset`,
    write it to `out` atomically (a temporary file in the same folder, then a rename), return `out`."""
    from .evaluate import read_dataset_gold

    out = Path(out)
    documents, _manifest = read_dataset_gold(Path(dataset))
    from .jsonio import write_text_atomic

    write_text_atomic(out, render_html(leaderboard, documents, out))
    return out
