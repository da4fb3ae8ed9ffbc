"""Builtin validators of the DataOps layer's governance exports (data_governance tools).

Each runs the project's own export (`python -m PACKAGE.data.governance`) with the data venv's
interpreter into a scratch folder, then checks the files against what the target system's import
API requires (none of these systems can run here) and against the project's contracts: every
dataset and column is exported, PII columns are marked as PII, and every transformation
(transform/models/*.sql) has lineage from the datasets it reads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from toolrun import missing, run

DATA_PYTHON = "data-python"
UUID_ROLE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:(SOURCE|TARGET)$")
TEST_RELATION = "0f0e0d0c-0b0a-4909-8807-060504030201"


@dataclass(frozen=True)
class Expected:
    """What the contracts say an export must hold."""

    columns: dict[str, list[str]]
    pii: dict[str, set[str]]
    primary_keys: dict[str, list[str]]
    models: dict[str, set[str]]
    """Each model (transform/models/NAME.sql) and the datasets or models it reads."""


# A second, independent reading of the tables a model reads: FROM/JOIN a name, ref() or source().
READS = re.compile(r"\b(?:from|join)\s+(?:\{\{[^}]*'(\w+)'\s*\)\s*\}\}|(\w+))", re.IGNORECASE)


def _expected(project_dir: Path) -> Expected:
    columns: dict[str, list[str]] = {}
    pii: dict[str, set[str]] = {}
    keys: dict[str, list[str]] = {}
    for path in sorted((project_dir / "contracts").glob("*.yaml")):
        contract = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = contract["dataset"]
        columns[name] = [column["name"] for column in contract["columns"]]
        pii[name] = {column["name"] for column in contract["columns"] if column.get("pii")}
        keys[name] = list(contract.get("primary_key") or ())
    sources = sorted((project_dir / "transform" / "models").glob("*.sql"))
    known = set(columns) | {p.stem for p in sources}
    models = {p.stem: {a or b for a, b in READS.findall(p.read_text(encoding="utf-8"))} & known
              - {p.stem} for p in sources}
    if not columns or not models:
        raise AssertionError("governance: the project has no contracts or no models to export")
    return Expected(columns, pii, keys, models)


def _export(project_dir: Path, module: str, env: dict[str, str] | None = None) -> Path:
    """Run the project's export into a scratch folder (removed at exit of the test process)."""
    python = shutil.which(DATA_PYTHON)
    if python is None:
        missing("governance", f"{DATA_PYTHON} (the data venv's interpreter)")
        raise AssertionError("unreachable")
    package = Path(module).parts[1]
    out = Path(tempfile.mkdtemp(prefix="governance-"))
    run(project_dir, "governance", [python, "-m", f"{package}.data.governance", "--root", ".",
                                    "--out", str(out)],
        env={**os.environ, "PYTHONPATH": "src", **(env or {})})
    return out


def _json(path: Path) -> Any:
    if not path.is_file():
        raise AssertionError(f"governance: the export wrote no {path.name}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise AssertionError(f"governance: {path.name} is not JSON: {error}") from None


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise AssertionError(f"governance: the export wrote no {path.name}")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise AssertionError(f"{path.name}:{number}: not one JSON object: {error}") from None
        if not isinstance(row, dict) or not isinstance(row.get("key"), str):
            raise AssertionError(f"{path.name}:{number}: an object with a string key, please")
        rows.append(row)
    return rows


def _fail(tool: str, message: str) -> NoReturn:
    raise AssertionError(f"{tool}: {message}")


# --- Apache Atlas: AtlasTypesDef + AtlasEntitiesWithExtInfo --------------------------------------

ATLAS_BUILTIN_SUPERTYPES = {"DataSet", "Process"}


def _atlas_types(typedefs: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    entity_defs = {d["name"]: d for d in typedefs.get("entityDefs") or ()}
    classifications = {d["name"] for d in typedefs.get("classificationDefs") or ()}
    for name, definition in entity_defs.items():
        if not set(definition.get("superTypes") or ()) & (ATLAS_BUILTIN_SUPERTYPES | set(entity_defs)):
            _fail("atlas", f"entity type {name} is neither a DataSet nor a Process")
    for relationship in typedefs.get("relationshipDefs") or ():
        for end in ("endDef1", "endDef2"):
            if relationship.get(end, {}).get("type") not in entity_defs:
                _fail("atlas", f"relationship {relationship.get('name')}: {end} names no type")
    return entity_defs, classifications


def _atlas_refs(entity: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for value in (entity.get("relationshipAttributes") or {}).values():
        yield from value if isinstance(value, list) else [value]
    for key in ("inputs", "outputs"):
        yield from entity["attributes"].get(key) or ()


def _atlas_entity(entity: dict[str, Any], defs: dict[str, dict[str, Any]],
                  classifications: set[str]) -> None:
    type_name = entity.get("typeName")
    if type_name not in defs:
        _fail("atlas", f"entity of undeclared type {type_name!r}")
    attributes = entity.get("attributes")
    if not isinstance(attributes, dict) or not attributes.get("qualifiedName") \
            or not attributes.get("name"):
        _fail("atlas", f"a {type_name} without qualifiedName and name")
    for attribute in defs[type_name].get("attributeDefs") or ():
        if not attribute.get("isOptional", True) and attribute["name"] not in attributes:
            _fail("atlas", f"{attributes['qualifiedName']}: no required {attribute['name']}")
    for classification in entity.get("classifications") or ():
        if classification.get("typeName") not in classifications:
            _fail("atlas", f"{attributes['qualifiedName']}: undeclared classification "
                           f"{classification.get('typeName')!r}")


def _atlas_structure(typedefs: dict[str, Any], payload: dict[str, Any]) -> list[dict[str, Any]]:
    defs, classifications = _atlas_types(typedefs)
    if set(payload) != {"entities", "referredEntities"} or not isinstance(payload["entities"], list):
        _fail("atlas", "entities.json is not an AtlasEntitiesWithExtInfo "
                       "({entities: [...], referredEntities: {...}})")
    entities = payload["entities"]
    guids = {e.get("guid"): e.get("typeName") for e in entities}
    names = [e.get("attributes", {}).get("qualifiedName") for e in entities]
    if len(guids) != len(entities) or len(set(names)) != len(names):
        _fail("atlas", "guids and qualifiedNames must be unique")
    for entity in entities:
        _atlas_entity(entity, defs, classifications)
        for ref in _atlas_refs(entity):
            if guids.get(ref.get("guid")) != ref.get("typeName"):
                _fail("atlas", f"{entity['attributes']['qualifiedName']} refers to {ref}, "
                               "which is no entity of the payload")
    return entities


def _atlas(project_dir: Path, files: list[str]) -> None:
    expected = _expected(project_dir)
    out = _export(project_dir, files[0])
    entities = _atlas_structure(_json(out / "typedefs.json"), _json(out / "entities.json"))
    by_guid = {e["guid"]: e for e in entities}
    datasets = {e["attributes"]["name"]: e for e in entities if "columns" not in e["attributes"]
                and not e.get("relationshipAttributes") and "inputs" not in e["attributes"]}
    for dataset, columns in expected.columns.items():
        if dataset not in datasets:
            _fail("atlas", f"no entity for dataset {dataset}")
        guid = datasets[dataset]["guid"]
        found = {e["attributes"]["name"]: e for e in entities
                 if (e.get("relationshipAttributes") or {}).get("dataset", {}).get("guid") == guid}
        if sorted(found) != sorted(columns):
            _fail("atlas", f"{dataset}: columns {sorted(found)}, the contract has {sorted(columns)}")
        for name, column in found.items():
            marked = any(c.get("typeName") == "PII" for c in column.get("classifications") or ())
            if marked != (name in expected.pii[dataset]):
                _fail("atlas", f"{dataset}.{name}: PII classification is {marked}, the contract "
                               f"says {name in expected.pii[dataset]}")
    processes = [e for e in entities if "inputs" in e["attributes"]]
    outputs = {by_guid[ref["guid"]]["attributes"]["name"]: p for p in processes
               for ref in p["attributes"].get("outputs") or ()}
    for model, reads in expected.models.items():
        if model not in outputs:
            _fail("atlas", f"no Process writes model {model}")
        inputs = {by_guid[ref["guid"]]["attributes"]["name"]
                  for ref in outputs[model]["attributes"].get("inputs") or ()}
        if inputs != reads:
            _fail("atlas", f"model {model}: the Process reads {sorted(inputs)}, the SQL reads "
                           f"{sorted(reads)}")


# --- Collibra: Import API commands ----------------------------------------------------------------


def _collibra_key(identifier: dict[str, Any]) -> tuple[str, str, str]:
    domain = identifier.get("domain") or {}
    return (str(identifier.get("name")), str(domain.get("name")),
            str((domain.get("community") or {}).get("name")))


def _collibra_asset(asset: dict[str, Any], domains: set[tuple[str, str]]) -> None:
    key = _collibra_key(asset.get("identifier") or {})
    if "None" in key or (key[1], key[2]) not in domains:
        _fail("collibra", f"asset {key}: identifier needs name, domain.name and a "
                          "domain.community.name of a domain the import declares")
    if not (asset.get("type") or {}).get("name"):
        _fail("collibra", f"asset {key[0]}: no type.name")
    for attribute, values in (asset.get("attributes") or {}).items():
        if not isinstance(values, list) or not all(isinstance(v, dict) and isinstance(v.get("value"), str) for v in values):
            _fail("collibra", f"asset {key[0]}: attribute {attribute} must be [{{value: str}}]")


def _collibra_relations(asset: dict[str, Any], known: set[tuple[str, str, str]]) -> None:
    for relation, targets in (asset.get("relations") or {}).items():
        if not UUID_ROLE.match(relation):
            _fail("collibra", f"relation key {relation!r} is not RELATION_TYPE_ID:SOURCE|TARGET")
        for target in targets:
            if _collibra_key(target) not in known:
                _fail("collibra", f"{asset['identifier']['name']}: relation to unknown {target}")


def _collibra_structure(commands: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(commands, list):
        _fail("collibra", "import.json must be a list of import commands")
    domains = {(c["identifier"]["name"], c["identifier"]["community"]["name"])
               for c in commands if c.get("resourceType") == "Domain"}
    assets = [c for c in commands if c.get("resourceType") == "Asset"]
    if any(c.get("resourceType") not in ("Community", "Domain", "Asset") for c in commands):
        _fail("collibra", "only Community, Domain and Asset commands are expected")
    for asset in assets:
        _collibra_asset(asset, domains)
    known = {_collibra_key(a["identifier"]) for a in assets}
    if len(known) != len(assets):
        _fail("collibra", "two assets have the same identifier")
    for asset in assets:
        _collibra_relations(asset, known)
    return {a["identifier"]["name"]: a for a in assets}


def _collibra(project_dir: Path, files: list[str]) -> None:
    expected = _expected(project_dir)
    out = _export(project_dir, files[0],
                  env={"COLLIBRA_LINEAGE_RELATION_TYPE_ID": TEST_RELATION})
    assets = _collibra_structure(_json(out / "import.json"))
    for dataset, columns in expected.columns.items():
        if (assets.get(dataset) or {}).get("type", {}).get("name") != "Table":
            _fail("collibra", f"no Table asset for dataset {dataset}")
        for column in columns:
            asset = assets.get(f"{dataset}.{column}")
            if asset is None or asset["type"]["name"] != "Column" or not asset.get("relations"):
                _fail("collibra", f"no Column asset {dataset}.{column} related to its table")
            if ("PII" in (asset.get("tags") or ())) != (column in expected.pii[dataset]):
                _fail("collibra", f"{dataset}.{column}: PII tag disagrees with the contract")
    lineage = _json(out / "lineage.json")
    sources = {a["identifier"]["name"]: a.get("relations", {}).get(f"{TEST_RELATION}:SOURCE")
               for a in lineage}
    for model, reads in expected.models.items():
        if model not in assets or not sources.get(model):
            _fail("collibra", f"model {model}: no Table asset or no lineage relation")
        if {_collibra_key(s)[0] for s in sources[model]} != reads:
            _fail("collibra", f"model {model}: lineage from {sources[model]}, the SQL reads "
                              f"{sorted(reads)}")


# --- Alation: virtual data source, logical metadata, lineage V2 ----------------------------------


def _alation_technical(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    objects = {row["key"]: row for row in rows}
    if len(objects) != len(rows):
        _fail("alation", "technical.jsonl has a key twice")
    for key, row in objects.items():
        parts = key.split(".")
        parent = ".".join(parts[:-1])
        if len(parts) == 3 and row.get("table_type") not in ("TABLE", "VIEW"):
            _fail("alation", f"{key}: a table needs table_type TABLE or VIEW")
        if len(parts) == 4 and "index_type" in row:
            if not set(row.get("column_names") or ()) <= {k.split(".")[-1] for k in objects
                                                         if k.startswith(parent + ".")}:
                _fail("alation", f"{key}: the index names a column its table lacks")
        elif len(parts) == 4 and not row.get("column_type"):
            _fail("alation", f"{key}: a column needs a column_type")
        if len(parts) > 2 and parent not in objects:
            _fail("alation", f"{key}: its parent {parent} is not uploaded")
        if not 2 <= len(parts) <= 4:
            _fail("alation", f"{key}: not DS_ID.schema[.table[.column]]")
    return objects


def _alation_lineage(lineage: dict[str, Any], objects: dict[str, Any]) -> dict[str, list[str]]:
    flows = {f.get("external_id"): f for f in lineage.get("dataflow_objects") or ()}
    if not flows or not all(f.get("content") for f in flows.values()):
        _fail("alation", "lineage.json: dataflow_objects need an external_id and content")
    inputs: dict[str, list[str]] = {}
    for path in lineage.get("paths") or ():
        if len(path) < 3 or len(path) % 2 == 0:
            _fail("alation", f"lineage path {path}: must alternate tables and dataflows")
        for step, objs in enumerate(path):
            for obj in objs:
                wanted = "dataflow" if step % 2 else "table"
                known = flows if step % 2 else objects
                if obj.get("otype") != wanted or obj.get("key") not in known:
                    _fail("alation", f"lineage path: {obj} is not a known {wanted}")
        for target in path[-1]:
            inputs[target["key"].split(".")[-1]] = [o["key"] for o in path[0]]
    return inputs


def _alation(project_dir: Path, files: list[str]) -> None:
    expected = _expected(project_dir)
    out = _export(project_dir, files[0])
    objects = _alation_technical(_lines(out / "technical.jsonl"))
    logical = {row["key"]: row for row in _lines(out / "logical.jsonl")}
    if not set(logical) <= set(objects):
        _fail("alation", f"logical metadata for objects never uploaded: {set(logical) - set(objects)}")
    tables = {k.split(".")[2]: k for k in objects if k.count(".") == 2}
    for dataset, columns in expected.columns.items():
        if dataset not in tables:
            _fail("alation", f"no table for dataset {dataset}")
        for column in columns:
            key = f"{tables[dataset]}.{column}"
            if key not in objects or not logical.get(key, {}).get("description"):
                _fail("alation", f"{key}: not uploaded, or without a description")
            if (logical[key].get("PII") == "true") != (column in expected.pii[dataset]):
                _fail("alation", f"{key}: the PII field disagrees with the contract")
    inputs = _alation_lineage(_json(out / "lineage.json"), objects)
    for model, reads in expected.models.items():
        found = {key.split(".")[-1] for key in inputs.get(model) or ()}
        if found != reads:
            _fail("alation", f"model {model}: lineage from {sorted(found)}, the SQL reads "
                             f"{sorted(reads)}")


# --- Talend: Talend Studio generic schemas -------------------------------------------------------

TALEND_TYPES = {"id_Long", "id_Integer", "id_Double", "id_Float", "id_BigDecimal", "id_String",
                "id_Date", "id_Boolean"}
TALEND_COLUMN = {"comment", "default", "key", "label", "length", "nullable",
                 "originalDbColumnName", "pattern", "precision", "talendType", "type"}


def _talend_schema(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        _fail("talend", f"no schema {path.name}")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise AssertionError(f"talend: {path.name}: not XML: {error}") from None
    if root.tag != "schema" or any(child.tag != "column" for child in root):
        _fail("talend", f"{path.name}: a <schema> of <column> elements, please")
    columns = [dict(column.attrib) for column in root]
    for column in columns:
        if set(column) != TALEND_COLUMN or column["talendType"] not in TALEND_TYPES:
            _fail("talend", f"{path.name}: column {column.get('label')} lacks attributes or has "
                            f"an unknown talendType: {sorted(set(column) ^ TALEND_COLUMN)}")
        if column["key"] not in ("true", "false") or column["nullable"] not in ("true", "false"):
            _fail("talend", f"{path.name}: key and nullable are true or false")
    return columns


def _talend(project_dir: Path, files: list[str]) -> None:
    expected = _expected(project_dir)
    out = _export(project_dir, files[0])
    for dataset, names in expected.columns.items():
        columns = _talend_schema(out / "schemas" / f"{dataset}.xml")
        if [c["label"] for c in columns] != names:
            _fail("talend", f"{dataset}: columns {[c['label'] for c in columns]}, "
                            f"the contract has {names}")
        keys = [c["label"] for c in columns if c["key"] == "true"]
        if keys != expected.primary_keys[dataset]:
            _fail("talend", f"{dataset}: key columns {keys}, primary key "
                            f"{expected.primary_keys[dataset]}")
        marked = {c["label"] for c in columns if "[PII" in c["comment"]}
        if marked != expected.pii[dataset]:
            _fail("talend", f"{dataset}: PII marked on {sorted(marked)}, the contract says "
                            f"{sorted(expected.pii[dataset])}")


GOVERNANCE_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "atlas_export": _atlas,
    "collibra_export": _collibra,
    "alation_export": _alation,
    "talend_export": _talend,
}
