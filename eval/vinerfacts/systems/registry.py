"""The one registry of systems, with "did you mean" errors."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Callable

from ..registry import unknown_name


@dataclass(frozen=True)
class Entry:
    name: str
    description: str
    offline: bool  # runs here with no network and no user-supplied model or program
    needs: tuple[str, ...]  # importable modules it needs
    options: tuple[str, ...]  # required options
    factory: Callable


def _underthesea(**kw):
    from .underthesea_system import UndertheseaSystem

    return UndertheseaSystem(**kw)


def _rules(**kw):
    from .rules import RulesSystem

    return RulesSystem(**kw)


def _transformers(model: str | None = None, **kw):
    from ..errors import VinerfactsError
    from .transformers_system import TransformersSystem

    if not model:
        raise VinerfactsError("the transformers system needs --model (a local model directory or a hub id)")
    return TransformersSystem(model, **kw)


def _command(command: str | None = None, **kw):
    from .command import CommandSystem

    return CommandSystem(command or "", **kw)


SYSTEMS: dict[str, Entry] = {
    e.name: e
    for e in (
        Entry("underthesea", "underthesea's default CRF ner() (VLSP 2016 labels), aligned back to characters", True, ("underthesea",), (), _underthesea),
        Entry("rules", "transparent rules + vietnam-provinces gazetteer (an explainable floor)", True, ("vietnam_provinces",), (), _rules),
        Entry("transformers", "any HF token-classification model (local directory or hub id), offsets from the fast tokenizer", False, ("transformers", "torch"), ("model",), _transformers),
        Entry("command", "any external program: {id, text} JSONL on stdin, JSONL spans on stdout", False, (), ("command",), _command),
    )
}


def missing_modules(entry: Entry) -> list[str]:
    return [m for m in entry.needs if importlib.util.find_spec(m) is None]


def get_entry(name: str) -> Entry:
    if name not in SYSTEMS:
        raise unknown_name("system", name, SYSTEMS)
    return SYSTEMS[name]


def create_system(name: str, **options):
    from ..errors import VinerfactsError

    entry = get_entry(name)
    missing = missing_modules(entry)
    if missing:
        raise VinerfactsError(f"system {name!r} needs {', '.join(missing)} (install the extra: pip install -e '.[{name}]')")
    return entry.factory(**{k: v for k, v in options.items() if v is not None})


def default_systems() -> list[str]:
    """The systems `benchmark` runs by default: offline and installed."""
    return [e.name for e in SYSTEMS.values() if e.offline and not missing_modules(e)]
