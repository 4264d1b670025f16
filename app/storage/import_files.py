"""Import files: CSV or JSON Lines read row by row, hashed as they are read, and put in chunks
through the validation the core's import use case hands over (run by a worker process for
large files); storage never calls the core's validation on its own."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from app.core.factors import FACTOR_FIELDS
from app.core.ingest import Chunk, Validate
from app.core.records import (
    CERTIFICATE_FIELDS,
    FIELDS,
    PRODUCT_FIELDS,
    CertificateRecord,
    Validated,
)

#: Rows validated and written per batch: big enough for fast executemany, small enough that
#: memory stays flat however large the file.
CHUNK = 5000
#: Files at least this large are parsed and validated by a worker process while this one
#: writes (validation is pure Python, so a thread would only share the GIL).
WORKER_MIN_BYTES = 4 << 20


class HashingReader(io.RawIOBase):
    """A binary file that hashes what is read through it and counts the bytes."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha256.update(data)
        self.position += n
        return n


def detect_format(path: Path) -> str:
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


def read_rows(
    text: IO[str],
    fmt: str,
    *,
    required: tuple[str, ...] = ("gtin", "number"),
    columns: tuple[str, ...] = FIELDS,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, raw row) from a CSV (row 1 is the first line after the header) or JSON
    Lines file, one at a time. A line that is not a JSON object becomes a row that fails.
    A CSV header must name the ``required`` columns (``columns``: the format's, for the
    message)."""
    if fmt == "csv":
        reader = csv.reader(text)
        header = [name.strip() for name in next(reader, [])]
        missing = [f for f in required if f not in header]
        if missing:
            raise ValueError(
                f"The CSV header lacks {', '.join(missing)}; expected columns: {', '.join(columns)}"
            )
        width = len(header)
        for index, row in enumerate(reader, start=1):
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                yield index, {"__invalid__": f"{len(row)} cells, but the header has {width}"}
            elif row:  # csv.reader gives [] for a blank line
                yield index, dict(zip(header, row, strict=False))
        return
    for index, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            value = {"__invalid__": f"not JSON: {error.msg}"}
        if not isinstance(value, dict):
            value = {"__invalid__": "not a JSON object"}
        yield index, value


class FactorFile:
    """An emission factor table (CSV or JSON Lines) as the core's FactorSource."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self._sha256 = hashlib.sha256()

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with open(self.path, "rb") as raw:
            hashing = HashingReader(raw)
            text = io.TextIOWrapper(io.BufferedReader(hashing), encoding="utf-8-sig", newline="")
            yield from read_rows(
                text, detect_format(self.path), required=("id", "value"), columns=FACTOR_FIELDS
            )
            self._sha256 = hashing.sha256

    def content_hash(self) -> str:
        return self._sha256.hexdigest()


class ImportFile:
    """A CSV or JSON Lines file as the core's RowSource (JSON Lines by its extension:
    .jsonl, .ndjson, .json).

    ``worker``: parse and validate in a worker process, one chunk ahead of the writes (None:
    for regular files of WORKER_MIN_BYTES or more, given two cores). Either way rows are checked
    by the same ``validate`` and reported in file order."""

    def __init__(self, path: Path, *, chunk: int = CHUNK, worker: bool | None = None) -> None:
        self.path = path
        self.name = path.name
        self.chunk = chunk
        if worker is None:  # with one core the worker would only add pickling
            worker = (
                (os.cpu_count() or 1) >= 2
                and path.is_file()
                and path.stat().st_size >= WORKER_MIN_BYTES
            )
        self.worker = worker

    def chunks(self, validate: Validate) -> Iterator[Chunk]:
        read = _worker_chunks if self.worker else _validated_chunks
        return read(self.path, detect_format(self.path), self.chunk, validate)


def _validated_chunks(path: Path, fmt: str, chunk: int, validate: Validate) -> Iterator[Chunk]:
    with open(path, "rb") as raw:
        hashing = HashingReader(raw)
        text = io.TextIOWrapper(
            io.BufferedReader(hashing, buffer_size=1 << 20), encoding="utf-8-sig", newline=""
        )
        batch: list[tuple[int, dict[str, Any]]] = []
        for item in read_rows(text, fmt):
            batch.append(item)
            if len(batch) >= chunk:
                yield validate(batch), hashing.position, None
                batch = []
        yield validate(batch), hashing.position, hashing.sha256.hexdigest()


def _worker_chunks(path: Path, fmt: str, chunk: int, validate: Validate) -> Iterator[Chunk]:
    """_validated_chunks, computed by a worker process while the caller writes.

    The worker is a plain ``python -c`` subprocess (multiprocessing's spawn would re-run the
    caller's main script). It pickles each chunk to its stdout as soon as it is validated;
    the pipe's buffer holds less than a chunk, so the worker stays about one chunk ahead and
    memory stays flat. If this process dies (kill -9), the worker's next write fails and it
    exits."""
    root = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH")))),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from app.storage.import_files import _worker_main; _worker_main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        # ``validate`` crosses by reference (a module-level function or a partial of one).
        pickle.dump((str(path), fmt, chunk, validate), process.stdin)
        process.stdin.close()
        while True:
            try:
                kind, *message = pickle.load(process.stdout)
            except EOFError:
                raise RuntimeError("The import's validation worker stopped unexpectedly.") from None
            if kind == "error":
                raise message[0]
            packed, position, digest = message
            yield [_unpack(item) for item in packed], position, digest
            if digest is not None:
                return
    finally:
        process.stdout.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _worker_main() -> None:
    """The validation worker: arguments from stdin, pickled chunks (then the hash) to stdout."""
    path, fmt, chunk, validate = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    try:
        try:
            for validated, position, digest in _validated_chunks(Path(path), fmt, chunk, validate):
                packed = [_pack(item) for item in validated]
                pickle.dump(("chunk", packed, position, digest), out, pickle.HIGHEST_PROTOCOL)
                out.flush()
        except (BrokenPipeError, ConnectionResetError):
            os._exit(0)  # the importer is gone
        except Exception as error:  # e.g. a bad header or bad UTF-8: the importer raises it
            try:
                message = pickle.dumps(("error", error))
            except Exception:
                message = pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
            out.write(message)
            out.flush()
    except (BrokenPipeError, ConnectionResetError):
        os._exit(0)


def _pack(item: Validated) -> tuple:
    """Records cross the pipe as plain tuples: about 3x cheaper to pickle than dataclasses."""
    index, outcome = item
    if isinstance(outcome, CertificateRecord):
        return index, (
            tuple(outcome.product.values()),
            tuple(outcome.certificate.values()),
            outcome.sample,
        )
    return index, outcome


def _unpack(item: tuple) -> Validated:
    index, outcome = item
    if outcome.__class__ is tuple:
        product, certificate, sample = outcome
        return index, CertificateRecord(
            dict(zip(PRODUCT_FIELDS, product, strict=True)),
            dict(zip(CERTIFICATE_FIELDS, certificate, strict=True)),
            sample,
        )
    return index, outcome
