"""Reading `annotations/` into documents. Structure is checked by `validate`; this module only reads."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AnnotationError
from .jsonio import read_json
from .schema import Schema, load_schema
from .spans import Span


@dataclass(frozen=True)
class Entity:
    id: str
    start: int
    end: int
    label: str
    text: str

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.label)


@dataclass(frozen=True)
class Fact:
    id: str
    type: str
    sentence: str
    start: int
    end: int
    text: str
    slots: dict  # slot name -> slot dict, or list of slot dicts for multi-valued slots
    parts: tuple[str, ...] = ()

    def slot_items(self):
        """(name, slot) for every slot, multi-valued slots expanded."""
        for name, value in self.slots.items():
            for slot in value if isinstance(value, list) else [value]:
                yield name, slot


@dataclass(frozen=True)
class Sentence:
    id: str
    start: int
    end: int


@dataclass(frozen=True)
class Zone:
    id: str
    start: int
    end: int
    kind: str


@dataclass
class Document:
    id: str
    text: str
    text_sha256: str
    metadata: dict
    sentences: list[Sentence]
    zones: list[Zone]
    entities: list[Entity]
    path: Path | None = None
    facts: list[Fact] = field(default_factory=list)

    def zone_of(self, start: int, end: int) -> Zone | None:
        for z in self.zones:
            if z.start <= start and end <= z.end:
                return z
        return None

    def entities_in(self, start: int, end: int) -> list[Entity]:
        return [e for e in self.entities if start <= e.start and e.end <= end]


@dataclass
class RawAnnotation:
    document_id: str
    annotator: dict
    entities: list[Entity]
    notes: list[str] = field(default_factory=list)
    path: Path | None = None
    facts: list[Fact] = field(default_factory=list)


@dataclass
class Corpus:
    root: Path
    schema: Schema
    documents: list[Document]
    raw: list[RawAnnotation]
    info: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.info.get("version", "0.0.0")

    def document(self, doc_id: str) -> Document:
        for d in self.documents:
            if d.id == doc_id:
                return d
        from .registry import unknown_name

        raise unknown_name("document id", doc_id, [d.id for d in self.documents])


class AnnotationPaths:
    """Where things live under an annotations root."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.schema = self.root / "schema.json"
        self.dataset = self.root / "dataset.json"
        self.documents = self.root / "documents"
        self.raw = self.root / "raw"

    def document_files(self) -> list[Path]:
        return sorted(self.documents.glob("*.json")) if self.documents.is_dir() else []

    def raw_files(self) -> list[Path]:
        return sorted(self.raw.glob("*/*.json")) if self.raw.is_dir() else []

    def input_files(self) -> list[Path]:
        """Every file the dataset is derived from (and hashed over): schema, texts, annotations."""
        files = [self.schema, self.dataset]
        if self.documents.is_dir():
            files += sorted(p for p in self.documents.iterdir() if p.suffix in (".json", ".txt"))
        files += self.raw_files()
        return files


def read_text_file(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AnnotationError(f"{path}: text file not found") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AnnotationError(f"{path}: byte {e.start}: not UTF-8 (found byte 0x{raw[e.start]:02x})") from None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entities(items: list[dict]) -> list[Entity]:
    return [Entity(e["id"], e["start"], e["end"], e["label"], e["text"]) for e in items]


def _facts(items: list[dict]) -> list[Fact]:
    return [Fact(f["id"], f["type"], f["sentence"], f["start"], f["end"], f["text"], f["slots"], tuple(f.get("parts", ()))) for f in items]


def read_document(path: Path) -> Document:
    data = read_json(path)
    text = read_text_file(path.parent / data["text_file"])
    return Document(
        id=data["id"],
        text=text,
        text_sha256=data["text_sha256"],
        metadata=data["metadata"],
        sentences=[Sentence(s["id"], s["start"], s["end"]) for s in data["sentences"]],
        zones=[Zone(z["id"], z["start"], z["end"], z["kind"]) for z in data["zones"]],
        entities=_entities(data["entities"]),
        path=path,
        facts=_facts(data.get("facts", [])),
    )


def read_raw(path: Path) -> RawAnnotation:
    data = read_json(path)
    return RawAnnotation(data["document_id"], data["annotator"], _entities(data["entities"]), data.get("notes", []), path, _facts(data.get("facts", [])))


def load_corpus(root: Path) -> Corpus:
    """Read every document and raw annotation. Call `validate` first: this assumes sound files."""
    paths = AnnotationPaths(root)
    schema = load_schema(paths.schema)
    documents = [read_document(p) for p in paths.document_files()]
    raw = [read_raw(p) for p in paths.raw_files()]
    info = read_json(paths.dataset) if paths.dataset.exists() else {}
    return Corpus(paths.root, schema, documents, raw, info)


def annotations_hash(root: Path) -> str:
    """sha256 over the annotation inputs (relative path + bytes), never over generated files."""
    paths = AnnotationPaths(root)
    h = hashlib.sha256()
    for p in paths.input_files():
        rel = p.relative_to(paths.root).as_posix()
        data = p.read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()
