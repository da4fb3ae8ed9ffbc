"""The built-in data catalog: docs/catalog/catalog.json and a browsable index.html listing every
dataset (contracted sources and curated models), its columns, owner, classification, PII,
freshness, row counts and lineage (from the OpenLineage events). `make catalog` rebuilds it."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import Any

import duckdb

from .contracts import Contract, load_contracts
from .ingest import parquet_files, read_manifest
from .lineage import edges
from .paths import Paths


def _parquet_columns(path: str) -> dict[str, str]:
    with duckdb.connect() as con:
        query = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [parquet_files(path)])
        rows = query.fetchall()
    return {row[0]: str(row[1]) for row in rows}


def _freshness(paths: Paths, contract: Contract) -> dict[str, Any]:
    times = [
        entry["ingested_at"]
        for entry in read_manifest(paths).values()
        if entry["dataset"] == contract.dataset
    ]
    if not times:
        return {"last_ingested_at": None, "fresh": False}
    last = max(times)
    age = (datetime.now(UTC) - datetime.fromisoformat(last)).total_seconds() / 3600
    return {
        "last_ingested_at": last,
        "fresh": age <= float(contract.sla.get("freshness_hours", float("inf"))),
    }


def _lineage(paths: Paths) -> dict[str, dict[str, set[str]]]:
    graph: dict[str, dict[str, set[str]]] = {}
    for source, job, target in edges(paths):
        graph.setdefault(target, {"upstream": set(), "downstream": set(), "jobs": set()})
        graph.setdefault(source, {"upstream": set(), "downstream": set(), "jobs": set()})
        graph[target]["upstream"].add(source)
        graph[target]["jobs"].add(job)
        graph[source]["downstream"].add(target)
    return graph


def _rows(report: dict[str, Any], stage: str, name: str, key: str) -> int | None:
    value = report.get(stage, {}).get(name, {}).get(key)
    return int(value) if value is not None else None


def build(paths: Paths, contracts: dict[str, Contract]) -> dict[str, Any]:
    """The catalog's content."""
    report = (
        json.loads(paths.run_report.read_text(encoding="utf-8"))
        if paths.run_report.exists()
        else {}
    )
    graph = _lineage(paths)
    datasets = []
    for name, contract in contracts.items():
        path = f"data/validated/{name}.parquet"
        datasets.append(
            {
                "name": name,
                "kind": "source",
                "path": path,
                "description": contract.description,
                "owner": contract.owner,
                "classification": contract.classification,
                "sla": contract.sla,
                "retention": contract.retention,
                "source": contract.source,
                "primary_key": list(contract.primary_key),
                "rows": _rows(report, "validate", name, "valid"),
                "quarantined": _rows(report, "validate", name, "quarantined"),
                **_freshness(paths, contract),
                "columns": [
                    {
                        "name": c.name,
                        "type": c.type,
                        "description": c.description,
                        "pii": c.pii,
                        "privacy": c.privacy,
                    }
                    for c in contract.columns
                ],
                "upstream": sorted(graph.get(path, {}).get("upstream", ())),
                "downstream": sorted(graph.get(path, {}).get("downstream", ())),
            }
        )
    models = load_contracts(paths.model_contracts) if paths.model_contracts.is_dir() else {}
    for parquet in sorted(paths.curated.glob("*.parquet")):
        path = parquet.relative_to(paths.root).as_posix()
        contract = models.get(parquet.stem)
        described = {c.name: c.description for c in contract.columns} if contract else {}
        datasets.append(
            {
                "name": parquet.stem,
                "kind": "model",
                "path": path,
                "description": contract.description
                if contract
                else f"Built by transform/models/{parquet.stem}.sql.",
                **(
                    {"owner": contract.owner, "classification": contract.classification}
                    if contract
                    else {}
                ),
                "rows": _rows(report, "transform", parquet.stem, "rows"),
                "columns": [
                    {
                        "name": n,
                        "type": t,
                        "description": described.get(n, ""),
                        "pii": False,
                        "privacy": None,
                    }
                    for n, t in _parquet_columns(str(parquet)).items()
                ],
                "upstream": sorted(graph.get(path, {}).get("upstream", ())),
                "downstream": sorted(graph.get(path, {}).get("downstream", ())),
            }
        )
    return {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "datasets": datasets}


def _html(content: dict[str, Any]) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8><title>Data catalog</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style>",
        f"<h1>Data catalog</h1><p>Generated {e(content['generated_at'])}.</p><ul>",
    ]
    parts += [
        f"<li><a href='#{e(d['name'])}'>{e(d['name'])}</a> ({e(d['kind'])})</li>"
        for d in content["datasets"]
    ]
    parts.append("</ul>")
    for d in content["datasets"]:
        owner = d.get("owner", {})
        parts.append(f"<h2 id='{e(d['name'])}'>{e(d['name'])}</h2><p>{e(d['description'])}</p>")
        facts = {
            "path": d["path"],
            "rows": d.get("rows"),
            "quarantined": d.get("quarantined"),
            "owner": owner.get("team"),
            "contact": owner.get("email"),
            "classification": d.get("classification"),
            "last ingested": d.get("last_ingested_at"),
            "fresh": d.get("fresh"),
            "upstream": ", ".join(d["upstream"]),
            "downstream": ", ".join(d["downstream"]),
        }
        parts.append(
            "<table>"
            + "".join(
                f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>"
                for k, v in facts.items()
                if v not in (None, "")
            )
            + "</table>"
        )
        parts.append("<table><tr><th>column</th><th>type</th><th>description</th><th>PII</th></tr>")
        parts += [
            f"<tr><td>{e(c['name'])}</td><td>{e(c['type'])}</td><td>{e(c['description'])}"
            f"</td><td>{e(c['privacy'] or '') if c['pii'] else ''}</td></tr>"
            for c in d["columns"]
        ]
        parts.append("</table>")
    return "\n".join(parts) + "\n</html>\n"


def write(paths: Paths, contracts: dict[str, Contract]) -> dict[str, Any]:
    """Write docs/catalog/catalog.json and index.html; return the content."""
    content = build(paths, contracts)
    paths.catalog_dir.mkdir(parents=True, exist_ok=True)
    (paths.catalog_dir / "catalog.json").write_text(
        json.dumps(content, indent=2) + "\n", encoding="utf-8"
    )
    (paths.catalog_dir / "index.html").write_text(_html(content), encoding="utf-8")
    return content
