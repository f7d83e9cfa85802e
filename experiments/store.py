"""The results store of a sweep: a folder that is a Parquet dataset, with its manifest beside.

::

    DIR/_manifest.json              the sweep file, its digest, the scenario's and the code's digests (a resume
                                    with either changed is refused), counts, status (running | interrupted | complete)
    DIR/parts/part-000001.parquet   rows as they arrived, one file per flush, every part with one schema

Dataset readers take the folder as it is: ``pandas.read_parquet(DIR)``, ``pyarrow.dataset.dataset(DIR)``
(they skip names starting with ``_`` or ``.``), DuckDB's ``read_parquet('DIR/**/*.parquet')``. Every
part is written with the sweep's row schema (an error row holds nulls where the KPIs would be), so the
readers agree on the columns whichever part they open first. Folders written before the manifest took its
leading underscore (``manifest.json``) are still read, and renamed when resumed.

A part is written to a hidden temporary name and renamed into place, so a reader (or a sweep killed at any
moment) sees whole parts only; the manifest is replaced the same way. ``resume`` reads the ids of every
part and runs only the others.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from winwin.data.errors import InputError, problem
from winwin.experiments.spec import SweepSpec

MANIFEST = "_manifest.json"
LEGACY_MANIFEST = "manifest.json"
"""The manifest's name before results folders were datasets (pyarrow would try to read it as data)."""
PARTS = "parts"
PROVENANCE_NAMES = {"scenario": "scenario", "code": "winwin code"}


def provenance(scenario_key: str) -> dict[str, str]:
    """What a sweep's rows depend on besides the sweep file: the base scenario's digest and the code's."""
    return {"scenario": scenario_key, "code": code_digest()}


def code_digest(folders: list[Path] | None = None) -> str:
    """A short hash of every Python and YAML file of the installed package (``folders``: the winwin package's
    folders by default), so that rows computed by other code are told apart."""
    import hashlib
    import importlib

    if folders is None:
        names = ("winwin", "winwin.data", "winwin.optimizer", "winwin.agents", "winwin.models", "winwin.experiments")
        folders = [Path(next(iter(importlib.import_module(n).__path__))) for n in names]
    h = hashlib.sha256()
    for folder in folders:
        for f in sorted(p for p in folder.rglob("*") if p.suffix in (".py", ".yaml") and "__pycache__" not in p.parts):
            h.update(f.relative_to(folder).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def manifest_path(folder: str | Path) -> Path:
    """The folder's manifest: ``_manifest.json``, or the legacy ``manifest.json`` of an older sweep."""
    folder = Path(folder)
    legacy = folder / LEGACY_MANIFEST
    return legacy if legacy.is_file() and not (folder / MANIFEST).is_file() else folder / MANIFEST


def conform(rows: list[dict[str, Any]], schema: pa.Schema | None) -> pa.Table:
    """Rows as a table of ``schema`` (missing columns null, values cast); columns the schema lacks are kept
    after it. Without a schema: the rows' own."""
    df = pd.DataFrame(rows)
    if schema is None:
        return pa.Table.from_pandas(df, preserve_index=False)
    for name in schema.names:
        if name not in df.columns:
            df[name] = None
    extra = [c for c in df.columns if c not in schema.names]
    fields = list(schema) + [pa.Table.from_pandas(df[[c]], preserve_index=False).schema.field(c) for c in extra]
    for f in schema:
        if pa.types.is_string(f.type):
            df[f.name] = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in df[f.name]]
    return pa.Table.from_pandas(df[[f.name for f in fields]], schema=pa.schema(fields), preserve_index=False)


def _atomic_write(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    os.replace(tmp, path)


class ResultsStore:
    """Rows of one sweep, buffered and flushed to atomic Parquet parts (see the module docstring)."""

    def __init__(
        self,
        folder: Path,
        manifest: dict[str, Any],
        flush_rows: int,
        flush_seconds: float,
        schema: pa.Schema | None = None,
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.schema = schema
        self.flush_rows = flush_rows
        self.flush_seconds = flush_seconds
        self._buffer: list[dict[str, Any]] = []
        self._last_flush = time.monotonic()
        parts = sorted((folder / PARTS).glob("part-*.parquet"))
        self._next = 1 + max((int(p.stem.split("-")[1]) for p in parts), default=0)

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        folder: str | Path,
        spec: SweepSpec,
        total: int,
        resume: bool = False,
        flush_rows: int = 1000,
        flush_seconds: float = 2.0,
        schema: pa.Schema | None = None,
        provenance: dict[str, str] | None = None,
    ) -> ResultsStore:
        """A new store in ``folder`` (which must hold no results), or the same sweep's store to resume;
        ``schema``: the columns every part is written with (see :func:`conform`); ``provenance``: digests of
        what else the rows depend on (the scenario, the code, :func:`provenance`), recorded in the manifest
        and compared on resume: rows computed from another scenario or another code are never mixed in."""
        folder = Path(folder)
        path = manifest_path(folder)
        if path.exists():
            if not resume:
                raise InputError([problem("out", "holds results of a sweep: resume it or choose another folder",
                                          str(folder))])  # fmt: skip
            manifest = json.loads(path.read_text())
            if manifest.get("digest") != spec.digest():
                raise InputError([problem("resume", f"{folder} holds another sweep ({manifest.get('name')!r}, "
                                          "different parameters)", str(folder))])  # fmt: skip
            was, now = manifest.get("provenance") or {}, provenance or {}
            changed = [k for k in sorted(now) if k in was and was[k] != now[k]]
            if changed:
                what = " and ".join(PROVENANCE_NAMES.get(k, k) for k in changed)
                raise InputError([problem("resume", f"{folder} holds rows computed with another {what}: "
                                          "run into a new folder", str(folder))])  # fmt: skip
        else:
            if folder.exists() and any(folder.iterdir()) and not resume:
                raise InputError([problem("out", "is not empty and holds no sweep", str(folder))])
            manifest = {
                "name": spec.name,
                "digest": spec.digest(),
                "provenance": dict(provenance or {}),
                "spec": spec.model_dump(mode="json"),
                "experiments": total,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
        (folder / PARTS).mkdir(parents=True, exist_ok=True)
        store = cls(folder, manifest, flush_rows, flush_seconds, schema)
        store._write_manifest("running")
        if path.name == LEGACY_MANIFEST:
            path.unlink()  # the new manifest is written: the folder becomes a readable dataset
        return store

    # ------------------------------------------------------------------ writing
    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        self._buffer.extend(rows)
        if len(self._buffer) >= self.flush_rows or time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one part (atomically)."""
        self._last_flush = time.monotonic()
        if not self._buffer:
            return
        table = conform(self._buffer, self.schema)
        path = self.folder / PARTS / f"part-{self._next:06d}.parquet"
        _atomic_write(path, lambda tmp: pq.write_table(table, tmp))
        self._next += 1
        self._buffer = []

    def close(self, status: str) -> None:
        self.flush()
        self._write_manifest(status)

    def _write_manifest(self, status: str) -> None:
        self.manifest["status"] = status
        self.manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        text = json.dumps(self.manifest, indent=2, default=str)
        _atomic_write(self.folder / MANIFEST, lambda tmp: tmp.write_text(text))

    # ------------------------------------------------------------------ reading
    def finished_ids(self) -> set[str]:
        return finished_ids(self.folder)


def part_files(folder: str | Path) -> list[Path]:
    return sorted((Path(folder) / PARTS).glob("part-*.parquet"))


def finished_ids(folder: str | Path) -> set[str]:
    """Ids of every row already stored (ok or error)."""
    ids: set[str] = set()
    for part in part_files(folder):
        ids.update(pq.read_table(part, columns=["id"]).column("id").to_pylist())
    return ids


def read_manifest(folder: str | Path) -> dict[str, Any]:
    path = manifest_path(folder)
    if not path.is_file():
        raise InputError([problem("results", f"no sweep results here ({MANIFEST} missing)", str(folder))])
    manifest: dict[str, Any] = json.loads(path.read_text())
    return manifest


def read_results(folder: str | Path) -> pd.DataFrame:
    """Every stored row (one per experiment id), in the order of the experiments' points and modes."""
    read_manifest(folder)
    frames = [pq.read_table(p).to_pandas() for p in part_files(folder)]
    if not frames:
        return pd.DataFrame(columns=["id", "point", "replication", "mode", "seed", "status"])
    df = pd.concat(frames, ignore_index=True)
    df = df.drop_duplicates("id", keep="last")
    return df.sort_values(["point", "replication", "mode"], kind="stable").reset_index(drop=True)
