"""The annotation workflow on disk: add a document, pre-annotate it, review it, export it to an
annotation tool and import it back, release a version, publish. Library functions raise the
package's errors; the CLI turns them into exit codes."""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import AnnotationPaths, read_text_file, sha256_text
from .errors import VinerfactsError
from .jsonio import dumps_annotation, read_json, write_text_atomic

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class WorkflowError(VinerfactsError):
    """A refused workflow step (bad input file, duplicate document, unreviewed data, stale dataset...)."""


# ---------------------------------------------------------------- add


@dataclass
class AddResult:
    document_id: str
    text_path: Path
    json_path: Path
    changes: list[str] = field(default_factory=list)  # what normalization changed


def normalize_input(raw: bytes, source: str) -> tuple[str, list[str]]:
    """UTF-8 text (BOM, CRLF/CR allowed) -> NFC with LF, and a list of what was changed."""
    if not raw.strip():
        raise WorkflowError(f"{source}: the file is empty (or only whitespace)")
    if b"\x00" in raw:
        nul = raw.index(b"\x00")
        raise WorkflowError(f"{source}: byte {nul} is NUL: this looks like a binary file, not UTF-8 text")
    changes = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        changes.append("removed the UTF-8 byte order mark")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise WorkflowError(f"{source}: line {line}, byte {e.start}: not UTF-8 (found byte 0x{raw[e.start]:02x}); convert the file to UTF-8 first") from None
    controls = [c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t"]
    if controls:
        raise WorkflowError(f"{source}: contains control character U+{ord(controls[0]):04X}: this looks like a binary file")
    crlf = text.count("\r\n")
    if crlf:
        text = text.replace("\r\n", "\n")
        changes.append(f"converted {crlf} CRLF line ends to LF")
    cr = text.count("\r")
    if cr:
        text = text.replace("\r", "\n")
        changes.append(f"converted {cr} CR line ends to LF")
    nfc = unicodedata.normalize("NFC", text)
    if nfc != text:
        changed = sum(1 for _ in re.finditer(r"[\u0300-\u036f]", text))
        changes.append(f"normalized to NFC ({len(text) - len(nfc)} characters fewer; {changed} combining marks composed)")
        text = nfc
    return text, changes


def add_document(
    annotations: Path,
    source_file: Path,
    doc_id: str,
    *,
    title: str | None = None,
    source: str | None = None,
    date: str | None = None,
    license: str = "CC-BY-4.0",
    rights: str | None = None,
) -> AddResult:
    """A new document in annotations/documents/, with suggested sentences and zones, status unreviewed.

    Never overwrites or modifies an existing document."""
    from .schema import load_schema
    from .segment import suggest_sentences, suggest_zones

    paths = AnnotationPaths(annotations)
    schema = load_schema(paths.schema)
    if not ID_RE.match(doc_id):
        raise WorkflowError(f"document id {doc_id!r}: use letters, digits, '_', '.', '-' (starting with a letter or digit)")
    text_path, json_path = paths.documents / f"{doc_id}.txt", paths.documents / f"{doc_id}.json"
    if text_path.exists() or json_path.exists():
        raise WorkflowError(f"document id {doc_id!r} already exists ({json_path if json_path.exists() else text_path}); choose another id")
    try:
        raw = Path(source_file).read_bytes()
    except FileNotFoundError:
        raise WorkflowError(f"{source_file}: file not found") from None
    text, changes = normalize_input(raw, str(source_file))
    digest = sha256_text(text)
    for other in sorted(paths.documents.glob("*.txt")):
        if sha256_text(read_text_file(other)) == digest:
            raise WorkflowError(f"{source_file}: the same text (after normalization, sha256 {digest[:12]}) is already document {other.stem!r}")
    if date is not None and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
        raise WorkflowError(f"--date {date!r}: expected an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)")
    first_line = next((line.strip() for line in text.split("\n") if line.strip()), "")
    doc = {
        "schema_version": schema.version,
        "canary": schema.canary,
        "id": doc_id,
        "status": "unreviewed",
        "text_file": text_path.name,
        "text_sha256": digest,
        "metadata": {
            "title": title or first_line,
            "language": "vi",
            "url": source,
            "publisher": None,
            "published_date": date,
            "event_date": {"value": date if date and len(date) == 10 else None, "inferred": False, "evidence": "the publication date given to `vinerfacts add`" if date and len(date) == 10 else "unknown"},
            "rights": rights or "unknown: state who holds the rights to the text",
            "annotation_license": license,
            "notes": f"added by `vinerfacts add` from {Path(source_file).name}" + (f"; normalization: {'; '.join(changes)}" if changes else ""),
        },
        "zones": [{"id": f"z{k + 1:02d}", "start": s, "end": e, "kind": kind} for k, (s, e, kind) in enumerate(suggest_zones(text))],
        "sentences": [{"id": f"s{k + 1:02d}", "start": s, "end": e} for k, (s, e) in enumerate(suggest_sentences(text))],
        "entities": [],
        "facts": [],
    }
    paths.documents.mkdir(parents=True, exist_ok=True)
    text_path.write_text(text, encoding="utf-8", newline="\n")
    try:
        write_text_atomic(json_path, dumps_annotation(doc))
    except BaseException:
        text_path.unlink(missing_ok=True)
        raise
    return AddResult(doc_id, text_path, json_path, changes)


# ---------------------------------------------------------------- pre-annotation and review


def preannotate(annotations: Path, doc_id: str, system_name: str, options: dict | None = None) -> tuple[int, int]:
    """Add a system's spans to a document as candidates (`source` = system@version), status unreviewed.

    Candidates that duplicate an existing span or cross one are skipped and counted in the return
    message; nothing existing is changed."""
    from .systems.registry import create_system

    paths = AnnotationPaths(annotations)
    json_path = paths.documents / f"{doc_id}.json"
    if not json_path.exists():
        raise WorkflowError(f"no document {doc_id!r} in {paths.documents} (add it first with `vinerfacts add`)")
    doc = read_json(json_path)
    text = read_text_file(paths.documents / doc["text_file"])
    system = create_system(system_name, **(options or {}))
    (prediction,) = system.predict([{"id": doc_id, "text": text}])
    from .spans import Span

    existing = [Span(e["start"], e["end"], e["label"]) for e in doc["entities"]]
    sentences = [(s["start"], s["end"]) for s in doc["sentences"]]
    used = {e["id"] for e in doc["entities"]}
    added = skipped = 0
    tag = f"{system_name}@{system.version()}"
    for ent in prediction.entities:
        span = Span(ent["start"], ent["end"], ent["label"])
        if any(span.extent == o.extent or span.crosses(o) for o in existing) or not any(s <= span.start and span.end <= e for s, e in sentences):
            skipped += 1
            continue
        n = 1
        while f"e{n:03d}" in used:
            n += 1
        used.add(f"e{n:03d}")
        doc["entities"].append({"id": f"e{n:03d}", "start": span.start, "end": span.end, "label": span.label, "text": text[span.start:span.end], "source": tag})
        existing.append(span)
        added += 1
    doc["entities"].sort(key=lambda e: (e["start"], -e["end"], e["id"]))
    doc["status"] = "unreviewed"
    write_text_atomic(json_path, dumps_annotation(doc))
    return added, skipped + len(prediction.unaligned)


def review(annotations: Path, doc_id: str) -> dict:
    """Mark a document as reviewed gold: candidate `source` marks are removed; refused if it is not valid."""
    from .validate import errors_only, validate

    paths = AnnotationPaths(annotations)
    json_path = paths.documents / f"{doc_id}.json"
    if not json_path.exists():
        raise WorkflowError(f"no document {doc_id!r} in {paths.documents}")
    problems = [p for p in errors_only(validate(annotations)) if f"/{doc_id}." in p.file or f"/{doc_id}/" in p.file]
    if problems:
        raise WorkflowError(f"document {doc_id!r} is not valid, fix it before marking it reviewed:\n" + "\n".join(str(p) for p in problems[:20]))
    doc = read_json(json_path)
    candidates = sum(1 for e in doc["entities"] if "source" in e)
    for e in doc["entities"]:
        e.pop("source", None)
    doc["status"] = "gold"
    write_text_atomic(json_path, dumps_annotation(doc))
    return {"document": doc_id, "accepted_candidates": candidates, "entities": len(doc["entities"])}


def unreviewed_documents(annotations: Path) -> list[str]:
    paths = AnnotationPaths(annotations)
    out = []
    for p in paths.document_files():
        data = read_json(p)
        if data.get("status") != "gold":
            out.append(data.get("id", p.stem))
    return out


# ---------------------------------------------------------------- export / import

EXPORT_FORMATS = ("label-studio", "brat", "conll", "vlsp")
IMPORT_FORMATS = ("label-studio", "brat", "vlsp")


def _documents(annotations: Path, ids: list[str] | None) -> list[tuple[dict, str]]:
    paths = AnnotationPaths(annotations)
    docs = []
    for p in paths.document_files():
        data = read_json(p)
        docs.append((data, read_text_file(paths.documents / data["text_file"])))
    if ids:
        known = {d["id"] for d, _ in docs}
        for i in ids:
            if i not in known:
                from .registry import unknown_name

                raise unknown_name("document id", i, known)
        docs = [(d, t) for d, t in docs if d["id"] in ids]
    return docs


def export(annotations: Path, fmt: str, out: Path, ids: list[str] | None = None, *, tokens: str = "syllable", labels: str = "fine", as_predictions: bool = False) -> list[Path]:
    """Write the documents in a tool's format under `out` (a folder); returns the files written."""
    from .schema import load_schema

    if fmt not in EXPORT_FORMATS:
        from .registry import unknown_name

        raise unknown_name("export format", fmt, EXPORT_FORMATS)
    paths = AnnotationPaths(annotations)
    schema = load_schema(paths.schema)
    docs = _documents(annotations, ids)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def write(name: str, content: str) -> None:
        path = out / name
        write_text_atomic(path, content)
        written.append(path)

    if fmt == "label-studio":
        from .formats.label_studio import labeling_config, to_label_studio

        write("tasks.json", json.dumps(to_label_studio(docs, schema, as_predictions=as_predictions), ensure_ascii=False, indent=1) + "\n")
        write("labeling_config.xml", labeling_config(schema))
    elif fmt == "brat":
        from .formats.brat import annotation_conf, to_brat

        write("annotation.conf", annotation_conf(schema))
        for doc, text in docs:
            txt, ann = to_brat(doc, text, schema)
            write(f"{doc['id']}.txt", txt)
            write(f"{doc['id']}.ann", ann)
    elif fmt == "vlsp":
        from .formats.vlsp import to_vlsp

        for doc, text in docs:
            write(f"{doc['id']}.vlsp.txt", to_vlsp(doc, text, schema, labels=labels))
    else:
        write("documents.conll", conll_text(annotations, [d["id"] for d, _ in docs], tokens))
    return written


def conll_text(annotations: Path, ids: list[str], tokens: str = "syllable") -> str:
    """A flat CoNLL view: `token<TAB>outermost coarse IOB2 tag`, -DOCSTART- per document."""
    from .corpus import load_corpus
    from .derive import syllable_rows, word_rows

    corpus = load_corpus(annotations)
    corpus.documents = [d for d in corpus.documents if d.id in ids]
    if tokens == "syllable":
        rows = syllable_rows(corpus)
    elif tokens == "word":
        rows = word_rows(corpus).rows
    else:
        raise WorkflowError(f"--tokens {tokens!r}: expected syllable or word")
    lines, current = [], None
    for row in rows:
        if row.document_id != current:
            lines += [f"-DOCSTART- {row.document_id}", ""]
            current = row.document_id
        lines += [f"{tok}\t{tag}" for tok, tag in zip(row.tokens, row.ner_tags)] + [""]
    return "\n".join(lines) + "\n"


@dataclass
class ImportResult:
    reports: list
    written: list[Path]


def import_annotations(annotations: Path, fmt: str, source: Path, *, dry_run: bool = False) -> ImportResult:
    """Merge a tool's annotations into annotations/: all or nothing, with a report of every change.

    Anything unmappable (unknown label, offsets that do not match, a changed text, an unknown
    document) raises before any file is written; the merged files must validate, else nothing is written."""
    import shutil
    import tempfile

    from .merge import merge_document
    from .schema import load_schema
    from .validate import errors_only, validate

    if fmt not in IMPORT_FORMATS:
        from .registry import unknown_name

        raise unknown_name("import format", fmt, IMPORT_FORMATS)
    paths = AnnotationPaths(annotations)
    schema = load_schema(paths.schema)
    docs = {d["id"]: (d, t) for d, t in _documents(annotations, None)}
    source = Path(source)
    imported = _read_import(fmt, source, docs, schema)
    merged_files, reports = {}, []
    for item in imported:
        if item.document_id not in docs:
            from .registry import suggest

            close = suggest(item.document_id, docs)
            raise WorkflowError(f"{item.source}: unknown document {item.document_id!r}" + (f"; did you mean {close!r}?" if close else "") + " (add the document first)")
        current, text = docs[item.document_id]
        merged, report = merge_document(current, text, item, schema)
        reports.append(report)
        merged_files[paths.documents / f"{item.document_id}.json"] = dumps_annotation(merged)
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / "annotations"
        shutil.copytree(annotations, trial)
        for path, content in merged_files.items():
            (trial / path.relative_to(annotations)).write_text(content, encoding="utf-8")
        problems = errors_only(validate(trial))
        if problems:
            raise WorkflowError("the imported annotations are not valid; nothing was written:\n" + "\n".join(str(p) for p in problems[:20]))
    written = []
    if not dry_run:
        for path, content in merged_files.items():
            if path.read_text(encoding="utf-8") != content:
                write_text_atomic(path, content)
                written.append(path)
    return ImportResult(reports, written)


def _read_import(fmt: str, source: Path, docs: dict, schema) -> list:
    from .merge import FormatError

    if fmt == "label-studio":
        from .formats.label_studio import from_label_studio

        path = source / "tasks.json" if source.is_dir() else source
        try:
            export = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise FormatError(f"{path}: cannot read a Label Studio JSON export: {e}") from None
        return from_label_studio(export, {i: t for i, (_, t) in docs.items()}, schema, str(path), existing={i: d for i, (d, _) in docs.items()})
    if fmt == "brat":
        from .formats.brat import from_brat

        files = sorted(source.glob("*.ann")) if source.is_dir() else [source]
        if not files:
            raise FormatError(f"{source}: no .ann files")
        out = []
        for ann in files:
            doc_id = ann.stem
            txt = ann.with_suffix(".txt")
            if doc_id not in docs:
                raise WorkflowError(f"{ann}: unknown document {doc_id!r} (brat files are named after the document id)")
            if txt.exists() and txt.read_text(encoding="utf-8") != docs[doc_id][1]:
                raise FormatError(f"{txt}: the text differs from annotations/documents/{doc_id}.txt; a document's text never changes")
            out.append(from_brat(ann.read_text(encoding="utf-8"), docs[doc_id][1], schema, str(ann), doc_id))
        return out
    from .formats.vlsp import from_vlsp

    files = sorted(source.glob("*.vlsp.txt")) if source.is_dir() else [source]
    if not files:
        raise FormatError(f"{source}: no .vlsp.txt files")
    out = []
    for f in files:
        doc_id = f.name[: -len(".vlsp.txt")] if f.name.endswith(".vlsp.txt") else f.stem
        if doc_id not in docs:
            raise WorkflowError(f"{f}: unknown document {doc_id!r} (VLSP files are named <document id>.vlsp.txt)")
        doc, text = docs[doc_id]
        out.append(from_vlsp(f.read_text(encoding="utf-8"), schema, str(f), doc_id, text=text, existing=doc["entities"]))
    return out


# ---------------------------------------------------------------- versions and publishing

SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def release(annotations: Path, version: str, note: str) -> dict:
    """Set the dataset's version (semantic versioning, increasing) and add a changelog entry."""
    path = AnnotationPaths(annotations).dataset
    info = read_json(path)
    m, old = SEMVER.match(version), SEMVER.match(info.get("version", "0.0.0"))
    if not m:
        raise WorkflowError(f"version {version!r}: expected MAJOR.MINOR.PATCH, e.g. 0.2.0")
    if tuple(map(int, m.groups())) <= tuple(map(int, old.groups())):
        raise WorkflowError(f"version {version} is not greater than the current {info['version']}")
    if not note.strip():
        raise WorkflowError("a release needs a changelog note (--note)")
    info["version"] = version
    info["changelog"] = [{"version": version, "changes": note.strip()}] + info.get("changelog", [])
    write_text_atomic(path, json.dumps(info, ensure_ascii=False, indent=2) + "\n")
    return info


def publish(annotations: Path, dataset: Path, card: Path, repo_id: str, *, dry_run: bool = True, token: str | None = None) -> list[dict]:
    """Upload dataset/ to the Hub; refused when annotations are invalid or unreviewed, or dataset/ is stale.

    Returns the files (path, bytes, sha256) that are (or, with dry_run, would be) uploaded."""
    import shutil
    import tempfile

    from .build import build_dataset
    from .validate import errors_only, validate

    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*", repo_id):
        raise WorkflowError(f"--repo-id {repo_id!r}: expected ORG/NAME")
    problems = errors_only(validate(annotations))
    if problems:
        raise WorkflowError(f"refusing to publish: `vinerfacts validate` finds {len(problems)} errors, first: {problems[0]}")
    unreviewed = unreviewed_documents(annotations)
    if unreviewed:
        raise WorkflowError(f"refusing to publish: unreviewed documents {', '.join(unreviewed)} (review them with `vinerfacts review ID`)")
    dataset = Path(dataset)
    if not (dataset / "README.md").exists():
        raise WorkflowError(f"refusing to publish: {dataset} has no README.md; run `vinerfacts build`")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(card, work / card.name)
        results = Path(card).parent / "results"
        if results.exists():
            shutil.copytree(results, work / "results")
        build_dataset(annotations, work / "dataset", card_path=work / card.name)
        fresh = {p.relative_to(work / "dataset").as_posix(): p.read_bytes() for p in sorted((work / "dataset").rglob("*")) if p.is_file()}
    current = {p.relative_to(dataset).as_posix(): p.read_bytes() for p in sorted(dataset.rglob("*")) if p.is_file()}
    if fresh != current:
        stale = sorted(k for k in set(fresh) | set(current) if fresh.get(k) != current.get(k))
        raise WorkflowError(f"refusing to publish: {dataset} is stale with respect to annotations/ ({', '.join(stale[:5])}); run `vinerfacts build`")
    files = [{"path": k, "bytes": len(v), "sha256": hashlib.sha256(v).hexdigest()} for k, v in sorted(current.items())]
    if not dry_run:
        from huggingface_hub import HfApi

        HfApi(token=token).upload_folder(folder_path=str(dataset), repo_id=repo_id, repo_type="dataset",
                                          commit_message=f"vinerfacts {read_json(AnnotationPaths(annotations).dataset).get('version')}")
    return files
