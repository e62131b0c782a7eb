"""Near-zero-carbon standards declared as YAML data files.

A standard is a list of indicators. Each indicator says what it measures (id, names in
Chinese and English, unit), which way is better (``direction``), the threshold it must reach
(one number, or one per NDRC community type), its weight in the score, the community types it
applies to, and where its value comes from: a measure computed by a domain
(``source: {domain: circle, measure: coverage_pct}``) or a value entered by hand with its
evidence (``source: {manual: true, evidence: required}``).

A malformed file is refused with the file, the line and the reason (:class:`StandardError`);
nothing of it is used. The schema is documented in ``docs/standards.md``.

References
----------
NDRC 2015, 低碳社区试点建设指南 (发改办气候[2015]362号): the three community types and their
required reductions against the baseline (20% / 10% / 8%).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml

#: NDRC 2015 community types (the ``PilotType`` choices of the organisation tree).
COMMUNITY_TYPES = ("new_urban", "existing_urban", "rural")
DIRECTIONS = ("higher", "lower")  # which way is better
KINDS = ("number", "boolean")
DOMAINS = ("inventory", "energy", "engagement", "points", "circle")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")


class StandardError(ValueError):
    """A standard file that cannot be used. ``str()`` reads ``file:line: reason``."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        self.file, self.line, self.reason = file, line, reason
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") and self.en else self.zh


@dataclass(frozen=True)
class Source:
    """Where a value comes from: ``domain``/``measure``, or ``manual``."""

    domain: str = ""
    measure: str = ""
    evidence_required: bool = False

    @property
    def manual(self) -> bool:
        return not self.domain

    @property
    def key(self) -> str:
        return f"{self.domain}.{self.measure}" if self.domain else "manual"


@dataclass(frozen=True)
class Indicator:
    id: str
    name: Text
    unit: str
    kind: str  # "number" | "boolean"
    direction: str  # "higher" | "lower"
    #: Threshold by community type (the same number for every type if one was given);
    #: None for a boolean indicator (it passes when true).
    thresholds: dict[str, float] | None
    strict: bool  # True: the value must beat the threshold, not just reach it
    weight: float
    required: bool
    applies_to: tuple[str, ...]
    source: Source
    group: Text | None = None
    reference: str = ""
    note: Text | None = None
    line: int = 0  # where the indicator starts in its file

    def threshold_for(self, community_type: str) -> float | None:
        if self.thresholds is None:
            return None
        return self.thresholds.get(community_type)

    def applies(self, community_type: str) -> bool:
        return community_type in self.applies_to and (
            self.thresholds is None or community_type in self.thresholds
        )


@dataclass(frozen=True)
class Standard:
    id: str
    version: str
    name: Text
    issuer: Text
    reference: str
    community_types: tuple[str, ...]
    pass_score_pct: float  # share of the applicable weight a community must reach
    indicators: tuple[Indicator, ...] = field(default_factory=tuple)
    description: Text | None = None

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def applicable(self, community_type: str) -> list[Indicator]:
        return [ind for ind in self.indicators if ind.applies(community_type)]


# --- parsing ------------------------------------------------------------------------------


class _Reader:
    """Walks the composed YAML nodes so every complaint carries its line (1-based)."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, node: yaml.Node | None, reason: str) -> StandardError:
        line = node.start_mark.line + 1 if node is not None else None
        return StandardError(self.file, line, reason)

    def mapping(self, node: yaml.Node, what: str, allowed: Iterable[str]) -> dict:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        allowed = set(allowed)
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or key not in allowed:
                raise self.fail(
                    key_node,
                    f"unknown key {key!r} in {what}; allowed: {', '.join(sorted(allowed))}",
                )
            if key in out:
                raise self.fail(key_node, f"duplicate key {key!r} in {what}")
            out[key] = (key_node, value_node)
        return out

    def need(self, items: dict, key: str, node: yaml.Node, what: str) -> yaml.Node:
        if key not in items:
            raise self.fail(node, f"{what} needs {key!r}")
        return items[key][1]

    def scalar(self, node: yaml.Node, what: str) -> object:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what} must be a single value")
        return yaml.safe_load(yaml.serialize(node))

    def string(self, node: yaml.Node, what: str, *, blank: bool = False) -> str:
        value = self.scalar(node, what)
        if value is None and blank:
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(node.value)
        if not isinstance(value, str) or (not blank and not value.strip()):
            raise self.fail(node, f"{what} must be text")
        return value.strip()

    def number(self, node: yaml.Node, what: str) -> float:
        value = self.scalar(node, what)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(node, f"{what} must be a number, not {node.value!r}")
        if value != value or value in (float("inf"), float("-inf")):
            raise self.fail(node, f"{what} must be a finite number")
        return float(value)

    def boolean(self, node: yaml.Node, what: str) -> bool:
        value = self.scalar(node, what)
        if not isinstance(value, bool):
            raise self.fail(node, f"{what} must be true or false")
        return value

    def choice(self, node: yaml.Node, what: str, options: Iterable[str]) -> str:
        value = self.string(node, what)
        if value not in options:
            raise self.fail(node, f"{what} must be one of {', '.join(options)}, not {value!r}")
        return value

    def identifier(self, node: yaml.Node, what: str) -> str:
        value = self.string(node, what)
        if not _ID.match(value):
            raise self.fail(
                node, f"{what} {value!r} must be lower-case letters, digits, '_', '.' or '-'"
            )
        return value

    def text(self, node: yaml.Node, what: str) -> Text:
        items = self.mapping(node, what, ("zh", "en"))
        zh = self.string(self.need(items, "zh", node, what), f"{what}.zh")
        en = self.string(items["en"][1], f"{what}.en") if "en" in items else ""
        return Text(zh, en)

    def types(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, f"{what} must be a non-empty list")
        return tuple(self.choice(n, what, COMMUNITY_TYPES) for n in node.value)


_STANDARD_KEYS = (
    "id",
    "version",
    "name",
    "issuer",
    "reference",
    "description",
    "community_types",
    "pass_score_pct",
    "indicators",
)
_INDICATOR_KEYS = (
    "id",
    "name",
    "group",
    "unit",
    "kind",
    "direction",
    "threshold",
    "strict",
    "weight",
    "required",
    "applies_to",
    "source",
    "reference",
    "note",
)


def _source(r: _Reader, node: yaml.Node, what: str, measures: dict[str, Iterable[str]] | None):
    items = r.mapping(node, what, ("domain", "measure", "manual", "evidence"))
    evidence = False
    if "evidence" in items:
        evidence = (
            r.choice(items["evidence"][1], f"{what}.evidence", ("required", "optional"))
            == "required"
        )
    if "manual" in items:
        if not r.boolean(items["manual"][1], f"{what}.manual"):
            raise r.fail(items["manual"][1], f"{what}.manual can only be true")
        if "domain" in items or "measure" in items:
            raise r.fail(node, f"{what} is either manual or a domain measure, not both")
        return Source(evidence_required=evidence)
    domain = r.choice(r.need(items, "domain", node, what), f"{what}.domain", DOMAINS)
    measure_node = r.need(items, "measure", node, what)
    measure = r.string(measure_node, f"{what}.measure")
    if measures is not None and measure not in measures.get(domain, ()):
        known = ", ".join(sorted(measures.get(domain, ()))) or "none"
        raise r.fail(measure_node, f"unknown {domain} measure {measure!r}; known: {known}")
    return Source(domain, measure, evidence)


def _indicator(r: _Reader, node: yaml.Node, types: tuple[str, ...], measures) -> Indicator:
    items = r.mapping(node, "an indicator", _INDICATOR_KEYS)
    ind_id = r.identifier(r.need(items, "id", node, "an indicator"), "indicator id")
    what = f"indicator {ind_id!r}"
    kind = r.choice(items["kind"][1], f"{what} kind", KINDS) if "kind" in items else "number"
    direction = "higher"
    if "direction" in items:
        direction = r.choice(items["direction"][1], f"{what} direction", DIRECTIONS)
    thresholds: dict[str, float] | None = None
    if kind == "number":
        t_node = r.need(items, "threshold", node, what)
        if isinstance(t_node, yaml.MappingNode):
            t_items = r.mapping(t_node, f"{what} threshold", COMMUNITY_TYPES)
            thresholds = {
                key: r.number(value, f"{what} threshold for {key}")
                for key, (_k, value) in t_items.items()
            }
        else:
            value = r.number(t_node, f"{what} threshold")
            thresholds = dict.fromkeys(types, value)
    elif "threshold" in items:
        raise r.fail(items["threshold"][0], f"{what} is yes/no: it passes when true, no threshold")
    applies_to = types
    if "applies_to" in items:
        applies_to = r.types(items["applies_to"][1], f"{what} applies_to")
        stray = [t for t in applies_to if t not in types]
        if stray:
            raise r.fail(
                items["applies_to"][1],
                f"{what} applies to {stray[0]!r}, not a type of the standard",
            )
    weight = r.number(items["weight"][1], f"{what} weight") if "weight" in items else 1.0
    if weight < 0:
        raise r.fail(items["weight"][1], f"{what} weight must not be negative")
    unit = r.string(items["unit"][1], f"{what} unit", blank=True) if "unit" in items else ""
    return Indicator(
        id=ind_id,
        name=r.text(r.need(items, "name", node, what), f"{what} name"),
        unit=unit,
        kind=kind,
        direction=direction,
        thresholds=thresholds,
        strict=r.boolean(items["strict"][1], f"{what} strict") if "strict" in items else False,
        weight=weight,
        required=r.boolean(items["required"][1], f"{what} required")
        if "required" in items
        else False,
        applies_to=applies_to,
        source=_source(r, r.need(items, "source", node, what), f"{what} source", measures),
        group=r.text(items["group"][1], f"{what} group") if "group" in items else None,
        reference=r.string(items["reference"][1], f"{what} reference", blank=True)
        if "reference" in items
        else "",
        note=r.text(items["note"][1], f"{what} note") if "note" in items else None,
        line=node.start_mark.line + 1,
    )


def parse(
    text: str | bytes, file: str = "<standard>", *, measures: dict[str, Iterable[str]] | None = None
) -> Standard:
    """Read one standard from YAML text.

    ``measures`` (domain → measure names), when given, also checks every domain source
    against the measures that exist. Raises :class:`StandardError` naming file and line.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StandardError(file, None, "not UTF-8 text") from exc
    r = _Reader(file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise StandardError(
            file, mark.line + 1 if mark else None, f"not valid YAML: {exc.problem}"
        ) from exc
    except yaml.YAMLError as exc:
        raise StandardError(file, None, f"not valid YAML: {exc}") from exc
    if root is None:
        raise StandardError(file, None, "the file is empty")
    items = r.mapping(root, "the standard", _STANDARD_KEYS)
    std_id = r.identifier(r.need(items, "id", root, "the standard"), "standard id")
    types = COMMUNITY_TYPES
    if "community_types" in items:
        types = r.types(items["community_types"][1], "community_types")
    ind_node = r.need(items, "indicators", root, "the standard")
    if not isinstance(ind_node, yaml.SequenceNode) or not ind_node.value:
        raise r.fail(ind_node, "indicators must be a non-empty list")
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for node in ind_node.value:
        ind = _indicator(r, node, types, measures)
        if ind.id in seen:
            raise r.fail(node, f"indicator id {ind.id!r} appears twice")
        seen.add(ind.id)
        indicators.append(ind)
    pass_pct = 60.0
    if "pass_score_pct" in items:
        pass_pct = r.number(items["pass_score_pct"][1], "pass_score_pct")
        if not 0 <= pass_pct <= 100:
            raise r.fail(items["pass_score_pct"][1], "pass_score_pct must be within 0–100")
    return Standard(
        id=std_id,
        version=r.string(r.need(items, "version", root, "the standard"), "version"),
        name=r.text(r.need(items, "name", root, "the standard"), "name"),
        issuer=r.text(items["issuer"][1], "issuer") if "issuer" in items else Text("", ""),
        reference=r.string(items["reference"][1], "reference", blank=True)
        if "reference" in items
        else "",
        community_types=types,
        pass_score_pct=pass_pct,
        indicators=tuple(indicators),
        description=r.text(items["description"][1], "description")
        if "description" in items
        else None,
    )
