"""The fact layer: normalized slot values (computed by `numbers`, never typed), validation rules,
and verification of quantities against an outside source (`vietnam-provinces`)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .errors import VinerfactsError

QUANTITY_FIELDS = ("value", "comparator")
TIME_FIELDS = ("value", "kind", "part_of_day", "year_inferred", "inferred_from", "open_ended", "reference_date_used")
TIME_SLOTS = {("time", "expression"), ("quantity", "time"), ("event", "time")}


def reference_date(metadata: dict) -> tuple[dt.date | None, str | None]:
    """The document's reference date ("now") and a description of where it comes from."""
    event = metadata.get("event_date") or {}
    value = event.get("value")
    if not value:
        return None, None
    how = "inferred from the text" if event.get("inferred") else "given"
    return dt.date.fromisoformat(value), f"the document's reference date {value} ({how})"


def normalize_slot(fact_type: str, slot_name: str, text: str, metadata: dict) -> dict:
    """Normalized fields of one slot from its text; {} for slots without a normalized value.

    Raises NormalizationError (from `numbers`) when the text cannot be normalized.
    """
    from .numbers import parse_quantity, parse_time

    if slot_name == "quantity":
        q = parse_quantity(text)
        return {"value": q.value, "comparator": q.comparator}
    if (fact_type, slot_name) in TIME_SLOTS:
        ref, inferred_from = reference_date(metadata)
        tv = parse_time(text, ref, inferred_from)
        return {
            "value": tv.value,
            "kind": tv.kind,
            "part_of_day": tv.part_of_day,
            "year_inferred": tv.year_inferred,
            "inferred_from": tv.inferred_from,
            "open_ended": tv.open_ended,
            "reference_date_used": tv.reference_date_used,
        }
    return {}


def fill_normalized(fact: dict, metadata: dict) -> dict:
    """A copy of a fact (annotation dict) with every normalized field recomputed from the slot texts."""
    out = {**fact, "slots": {}}
    for name, value in fact["slots"].items():
        slots = value if isinstance(value, list) else [value]
        filled = []
        for slot in slots:
            keep = {k: v for k, v in slot.items() if k not in QUANTITY_FIELDS + TIME_FIELDS}
            filled.append({**keep, **normalize_slot(fact["type"], name, slot["text"], metadata)})
        out["slots"][name] = filled if isinstance(value, list) else filled[0]
    return out


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class Verdict:
    fact_id: str
    verdict: str  # SUPPORTED | REFUTED | NOT_ENOUGH_INFO
    reason: str
    source: str | None = None
    source_version: str | None = None
    source_describes: str | None = None  # the date or period the source's data describe
    expected: float | int | None = None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


SUPPORTED, REFUTED, NOT_ENOUGH_INFO = "SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"

# What the vietnam-provinces data describe: the administrative units in force from the reorganisation
# of 1 July 2025 (two-level local government), as published in the package. Commune-level units change
# only by a resolution of the National Assembly Standing Committee taking effect on a stated date, so the
# count at any date between the effective date and the package's data date is the package's count,
# provided the package records no later change (it lists a single, current set of units).
ADMIN_SOURCE_VALID_FROM = dt.date(2025, 7, 1)
ADMIN_MEASURES = {
    "admin_units.commune_level": None,
    "admin_units.ward": "phường",
    "admin_units.commune": "xã",
    "admin_units.special_zone": "đặc khu",
}


def _source_info() -> tuple[str, str, dt.date]:
    from importlib.metadata import version

    v = version("vietnam-provinces")
    # Versions are calendar versions (2025.10.1): the data describe the units as of that month at the latest.
    year, month = (int(x) for x in v.split(".")[:2])
    return "vietnam-provinces", v, dt.date(year, month, 1)


def _province_units(province_name: str) -> list | None:
    from vietnam_provinces import Province, Ward

    from .text import canonical_tones

    wanted = canonical_tones(province_name).lower()
    for p in Province.iter_all():
        name = canonical_tones(p.name).lower()
        for prefix in ("thành phố ", "tỉnh "):
            name = name.removeprefix(prefix)
        if name == wanted.removeprefix("tỉnh ").removeprefix("thành phố "):
            return [w for w in Ward.iter_all() if w.province_code == p.code]
    return None


def _fact_time(fact) -> dt.date | None:
    """When a quantity holds: its time slot, else the document's reference date (the report's date)."""
    slot = fact.slots.get("time")
    if slot and slot.get("value"):
        v = slot["value"]
        try:
            return dt.date.fromisoformat(v if len(v) == 10 else (v + "-01" if len(v) == 7 else v + "-01-01"))
        except ValueError:
            return None
    return None


def verify_quantities(doc, entities_by_id: dict) -> list[Verdict]:
    """A verdict for every quantity fact; computed at build time, never written by hand."""
    verdicts = []
    facts_by_id = {f.id: f for f in doc.facts}
    parent_of = {p: f.id for f in doc.facts for p in f.parts}
    ref, _ = reference_date(doc.metadata)
    for fact in doc.facts:
        if fact.type != "quantity":
            continue
        unit = fact.slots.get("unit", {})
        measure = unit.get("measure")
        owner = fact
        if "entity" not in fact.slots and fact.id in parent_of:  # parts inherit the total's entity
            owner = facts_by_id[parent_of[fact.id]]
        entity_slot = owner.slots.get("entity")
        if measure not in ADMIN_MEASURES:
            verdicts.append(Verdict(fact.id, NOT_ENOUGH_INFO, f"no offline source for measure {measure!r}"))
            continue
        if not entity_slot or "entity_id" not in entity_slot:
            verdicts.append(Verdict(fact.id, NOT_ENOUGH_INFO, "the measured entity is not linked to a gold entity"))
            continue
        entity = entities_by_id[entity_slot["entity_id"]]
        name, version, data_date = _source_info()
        units = _province_units(entity.text)
        if units is None:
            verdicts.append(Verdict(fact.id, NOT_ENOUGH_INFO, f"{entity.text!r} is not a province in {name}", name, version))
            continue
        when = _fact_time(owner) or ref
        describes = f"{ADMIN_SOURCE_VALID_FROM.isoformat()}/{data_date.isoformat()[:7]}"
        if when is None or not (ADMIN_SOURCE_VALID_FROM <= when <= data_date):
            verdicts.append(Verdict(fact.id, NOT_ENOUGH_INFO, f"the fact's date {when} is outside the period the source describes ({describes})", name, version, describes))
            continue
        kind = ADMIN_MEASURES[measure]
        expected = len(units) if kind is None else sum(1 for w in units if w.division_type.value == kind)
        value = fact.slots["quantity"]["value"]
        comparator = fact.slots["quantity"]["comparator"]
        holds = {"=": value == expected, ">": expected > value, ">=": expected >= value, "<": expected < value, "<=": expected <= value, "~": abs(expected - value) <= 0.05 * max(1, value)}[comparator]
        verdict = SUPPORTED if holds else REFUTED
        reason = f"{name} {version} lists {expected} {kind or 'commune-level units'} for {entity.text}; the text says {comparator} {value} (as of {when})"
        verdicts.append(Verdict(fact.id, verdict, reason, name, version, describes, expected))
    return verdicts


class FactError(VinerfactsError):
    """A fact annotation that cannot be processed."""
