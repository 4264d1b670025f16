"""What differs between the SQL the two engines speak, where the stores share a statement.

Shared statements are written with ``?`` (or ``:name``) parameters and double-quoted names,
which both engines accept; the PostgreSQL connection rewrites the parameters for psycopg."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Dialect:
    name: str
    #: ``column <in_list>`` with one parameter, ``list_param(values)``: membership in a list
    #: of any length (one statement, however many values).
    in_list: str
    list_param: Callable[[Iterable[Any]], Any]
    #: The function that builds a JSON object from key, value pairs.
    json_object: str
    #: What a subquery choosing rows to claim ends with, so that concurrent claimers pass
    #: each other's rows (SQLite's one write lock already serialises them).
    skip_locked: str


SQLITE = Dialect(
    "sqlite",
    in_list="in (select value from json_each(?))",
    list_param=lambda values: json.dumps(list(values)),
    json_object="json_object",
    skip_locked="",
)
POSTGRES = Dialect(
    "postgresql",
    in_list="= any(?)",
    list_param=list,
    json_object="json_build_object",
    skip_locked=" for update skip locked",
)
