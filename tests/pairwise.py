"""A pairwise-covering set of valid project configurations, derived from the catalog.

Every aspect of every ready layer takes part. A value of an aspect is one of its tools (for a
multi-choice aspect: that tool, ticked with what the rules need of the same aspect, such as
Docker with Kubernetes). A pair is two values of two aspects; it is covered once some generated
configuration holds both. Pairs that no valid configuration can hold (a rule forbids them) are
left out, after proving it. The construction is greedy, AETG-style: each configuration starts
from an uncovered pair and takes, aspect by aspect, the value that covers the most new pairs
while the rules still hold; it is deterministic, so the matrix is the same on every run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from opsgen.catalog import Aspect, Catalog
from opsgen.config import Choice, Overrides, ProjectConfig, broken_rule, resolve
from opsgen.errors import ConfigError

Value = tuple[str, Choice]  # (aspect id, choice)
Pair = tuple[Value, Value]


def aspect_values(catalog: Catalog, aspect: Aspect) -> list[Choice]:
    """The values an aspect takes in the matrix: each tool, with same-aspect needs ticked."""
    if not aspect.multiple:
        return list(aspect.tool_ids)
    values: list[Choice] = []
    for tool in aspect.tool_ids:
        ticked = {tool}
        while True:  # what the ticked tools need, and what that needs (GKE, Kubernetes, Docker)
            needed = {allowed[0] for rule in catalog.rules for a, allowed in rule.requires
                      if a == aspect.id and len(rule.when) == 1 and rule.when[0][0] == aspect.id
                      and rule.when[0][1] in ticked and not set(allowed) & ticked}
            if not needed:
                break
            ticked |= needed
        values.append(tuple(t for t in aspect.tool_ids if t in ticked))
    return values


@dataclass(frozen=True)
class Matrix:
    """The configurations, and the pairs they cover and leave out."""

    configs: tuple[ProjectConfig, ...]
    covered: frozenset[Pair]
    impossible: frozenset[Pair]


def _consistent(catalog: Catalog, tools: dict[str, Choice]) -> bool:
    return broken_rule(catalog, tools) is None


def _complete(catalog: Catalog, layers: tuple[str, ...], tools: dict[str, Choice],
              name: str) -> ProjectConfig | None:
    raw = {"name": name, "layers": list(layers),
           "tools": {k: list(v) if isinstance(v, tuple) else v for k, v in tools.items()}}
    try:
        return resolve(catalog, raw, Overrides())
    except ConfigError:
        return None


def pairwise(catalog: Catalog, layers: tuple[str, ...], prefix: str = "matrix") -> Matrix:
    """Configurations of ``layers`` that together hold every pair of values rules allow."""
    aspects = catalog.aspects_for(layers)
    values = {a.id: aspect_values(catalog, a) for a in aspects}
    uncovered: set[Pair] = {
        ((a.id, x), (b.id, y))
        for a, b in itertools.combinations(aspects, 2)
        for x in values[a.id] for y in values[b.id]
    }
    impossible: set[Pair] = set()
    covered: set[Pair] = set()
    configs: list[ProjectConfig] = []
    while uncovered:
        seed = min(uncovered, key=repr)  # deterministic
        tools = _build(catalog, aspects, values, uncovered, dict([seed[0], seed[1]]))
        if tools is None:  # greedy met a dead end: search every completion before giving up
            tools = _search(catalog, aspects, values, dict([seed[0], seed[1]]))
        config = None if tools is None else _complete(
            catalog, layers, tools, f"{prefix}-{len(configs) + 1}")
        if config is None:
            impossible.add(seed)
            uncovered.discard(seed)
            continue
        held = _pairs(config, aspects)
        covered |= held & (uncovered | covered)
        uncovered -= held
        configs.append(config)
    return Matrix(tuple(configs), frozenset(covered), frozenset(impossible))


def _build(catalog: Catalog, aspects: tuple[Aspect, ...], values: dict[str, list[Choice]],
           uncovered: set[Pair], tools: dict[str, Choice]) -> dict[str, Choice] | None:
    """Complete ``tools`` aspect by aspect, greedily; None when the seed pair cannot hold."""
    if not _consistent(catalog, tools):
        return None
    for aspect in aspects:
        if aspect.id in tools:
            continue
        best, best_gain = None, -1
        for value in values[aspect.id]:
            trial = {**tools, aspect.id: value}
            if not _consistent(catalog, trial):
                continue
            gain = sum(1 for other, choice in tools.items()
                       if _ordered(((aspect.id, value), (other, choice)), aspects) in uncovered)
            if gain > best_gain:
                best, best_gain = value, gain
        if best is None:
            return None
        tools[aspect.id] = best
    return tools


def _search(catalog: Catalog, aspects: tuple[Aspect, ...], values: dict[str, list[Choice]],
            tools: dict[str, Choice]) -> dict[str, Choice] | None:
    """Depth-first search for a completion that breaks no rule; None proves there is none.

    Pruning is exact: a rule broken by some of the answers stays broken whatever the rest are.
    """
    if not _consistent(catalog, tools):
        return None
    todo = next((a for a in aspects if a.id not in tools), None)
    if todo is None:
        return tools
    for value in values[todo.id]:
        found = _search(catalog, aspects, values, {**tools, todo.id: value})
        if found is not None:
            return found
    return None


def _ordered(pair: Pair, aspects: tuple[Aspect, ...]) -> Pair:
    order = [a.id for a in aspects]
    first, second = pair
    return pair if order.index(first[0]) < order.index(second[0]) else (second, first)


def _pairs(config: ProjectConfig, aspects: tuple[Aspect, ...]) -> set[Pair]:
    held = [(a.id, config.tools[a.id]) for a in aspects]
    return set(itertools.combinations(held, 2))


def iter_values(catalog: Catalog, layers: tuple[str, ...]) -> Iterator[Value]:
    for aspect in catalog.aspects_for(layers):
        for value in aspect_values(catalog, aspect):
            yield aspect.id, value
