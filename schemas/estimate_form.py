"""The /estimate page's HTML form: flat form fields -> the JSON body POST /v1/household/estimate
takes, loaded by the same EstimateRequest into the estimator's Inputs.

Each input is named by its path in that body (``electricity.amount``, ``car[0].distance.amount``,
``purchases[2].code``), so an error the schema or the core raises for a field (``field:
"car[0].amount"``) lands next to the input of that name. The page offers what KINDS offers,
derived from it: one amount and unit per kind, one car, purchase rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from app.core.activities import CAR_FUELS, KINDS
from app.core.errors import InvalidInput
from app.core.estimator import Inputs
from app.core.messages import Message, _
from app.parsing import marked
from schemas.estimator import EstimateRequest

#: How many empty purchase rows a fresh form offers; "add a row" adds one more (no JS needed).
PURCHASE_ROWS = 3
#: Most purchase rows the form renders (the API takes more; paste codes there).
MAX_PURCHASE_ROWS = 100
#: Unit a kind's picker shows for each accepted unit (the value sent is the unit itself).
UNIT_LABELS: dict[str, Message] = {
    "度": _("度 (kWh)"),
    "kWh": _("kWh"),
    "MWh": _("MWh"),
    "m3": _("m³"),
    "L": _("litres (L)"),
    "kg": _("kg"),
    "g": _("g"),
    "t": _("tonnes (t)"),
    "GJ": _("GJ"),
    "MJ": _("MJ"),
    "Gcal": _("Gcal"),
    "m2": _("m² of heated floor area"),
    "km": _("km"),
    "m": _("metres (m)"),
}
#: Units accepted by the API but left off the pickers: 吨 is t under its Chinese name.
_HIDDEN_UNITS = {"吨"}
#: What to enter, per kind (the API's descriptions are for developers).
HINTS: dict[str, Message] = {
    "electricity": _("From your electricity bill: 1 度 is 1 kWh."),
    "ev_charging": _("Charged at home or at public chargers, if not on the bill above."),
    "natural_gas": _("From your gas bill."),
    "district_heating": _(
        "From your heat bill in GJ, or your heated floor area in m² (Tanji then assumes a "
        "season's heat, and says so)."
    ),
    "tap_water": _("From your water bill."),
    "rail": _("Passenger-kilometres: each person's trips added up."),
    "air": _("Passenger-kilometres flown: each person's flights added up."),
}
#: Inputs that say something was entered; a group with none of them is left out of the body
#: (its unit picker or fuel always has a value).
_ENTERED = ("amount", "distance.amount", "consumption", "code")
_PATH = re.compile(r"([A-Za-z_]+)|\[(\d+)\]|\.")


@dataclass(frozen=True)
class Quantity:
    """One kind's amount and unit, as the form shows it."""

    name: str
    label: Message
    units: tuple[str, ...]
    hint: Message | None


def quantities() -> list[Quantity]:
    """Every activity kind but cars (one car block of its own), in KINDS order."""
    found = []
    for name, kind in KINDS.items():
        if kind.car:
            continue
        units = [u for u in kind.units if u not in _HIDDEN_UNITS]
        if kind.seasonal:
            units.append("m2")
        found.append(Quantity(name, kind.label, tuple(units), HINTS.get(name)))
    return found


def default_unit(name: str, lang: str) -> str:
    """The unit picked before the person picks one: 度 on the Chinese page, as bills say."""
    units = KINDS[name].units if name in KINDS else {}
    if "度" in units:
        return "度" if lang == "zh-CN" else "kWh"
    return next(iter(units), "")


CAR_FUEL_LABELS = {fuel: KINDS[fuel].label for fuel in CAR_FUELS}


@dataclass
class Form:
    """What the person typed (to fill the form in again) and the body it makes."""

    values: dict[str, str]
    purchase_rows: int
    period_mode: str  # "month" or "range"
    #: Body list index -> form row (empty rows are left out, so indexes shift).
    rows: dict[str, list[int]] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON body of POST /v1/household/estimate that these values make."""
        values = dict(self.values)
        drop = ("period.start", "period.end") if self.period_mode == "month" else ("period.month",)
        for name in drop:
            values.pop(name, None)
        tree: dict[str, Any] = {}
        for name, value in values.items():
            _put(tree, _parse_path(name), value)
        for key in ("period",):
            tree.setdefault(key, {})
        for list_name, items in list(tree.items()):
            if isinstance(items, dict) and items and all(isinstance(k, int) for k in items):
                kept = [i for i in sorted(items) if _entered(items[i])]
                self.rows[list_name] = kept
                if kept:
                    tree[list_name] = [items[i] for i in kept]
                else:
                    del tree[list_name]
        for name in [k for k in tree if k != "period"]:
            if isinstance(tree[name], list):
                tree[name] = [_pruned(item) for item in tree[name]]
            elif isinstance(tree[name], dict):
                group = _pruned(tree[name])
                if group:
                    tree[name] = group
                else:
                    del tree[name]
        if "household_size" in tree:
            tree["household_size"] = _integer(tree["household_size"])
        return tree

    def form_field(self, path: str) -> str:
        """A body path (``purchases[1].code``) as the form names it (``purchases[3].code``)."""

        def row(match: re.Match[str]) -> str:
            kept = self.rows.get(match.group(1), [])
            index = int(match.group(2))
            return f"{match.group(1)}[{kept[index] if index < len(kept) else index}]"

        return re.sub(r"^([A-Za-z_]+)\[(\d+)\]", row, path)


def read(form: Mapping[str, str], lang: str) -> Form:
    """The form's values (trimmed, only the inputs the page has), and how many purchase rows
    to show: at least PURCHASE_ROWS, one more when asked (``action=add_row``)."""
    values = {}
    highest = -1
    for name in form:
        if not _known(name):
            continue
        value = str(form.get(name) or "").strip()
        match = re.match(r"purchases\[(\d+)\]", name)
        if match:
            index = int(match.group(1))
            if index >= MAX_PURCHASE_ROWS:
                continue
            highest = max(highest, index)
        if value:
            values[name] = value
    rows = max(PURCHASE_ROWS, highest + 1)
    if form.get("action") == "add_row":
        rows = min(rows + 1, MAX_PURCHASE_ROWS)
    mode = "range" if form.get("period_mode") == "range" else "month"
    return Form(values, rows, mode)


def defaults(lang: str, month: str) -> Form:
    """A fresh form: this month, units as bills write them."""
    values = {"period.month": month, "household_size": "3", "car[0].fuel": CAR_FUELS[0]}
    for q in quantities():
        values[f"{q.name}.unit"] = default_unit(q.name, lang)
    return Form(values, PURCHASE_ROWS, "month")


class FormInvalid(Exception):
    """The form's problems, by input name (``""`` for the form as a whole)."""

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


def load(form: Form) -> Inputs:
    """The estimator's Inputs, through the API's own request schema. Raises FormInvalid with
    every problem the schema finds (or the first one the core finds), by input name."""
    try:
        return EstimateRequest().load(form.body())
    except ValidationError as error:
        raise FormInvalid(_by_input(form, _flatten(marked(error.messages)))) from None
    except InvalidInput as error:
        raise FormInvalid(invalid_input(form, error)) from None


def invalid_input(form: Form, error: InvalidInput) -> dict[str, list[Any]]:
    """A domain InvalidInput as form errors: its message next to the field it names."""
    return _by_input(form, {str(error.details.get("field", "")): [error.message]})


# -- helpers ---------------------------------------------------------------------------------
def _known(name: str) -> bool:
    return name in _NAMES or bool(_ROW_NAME.fullmatch(name))


_ROW_NAME = re.compile(r"purchases\[\d{1,3}\]\.(code|quantity)")
_NAMES = {
    "period.month",
    "period.start",
    "period.end",
    "household_size",
    "province",
    "car[0].fuel",
    "car[0].amount",
    "car[0].unit",
    "car[0].distance.amount",
    "car[0].distance.unit",
    "car[0].consumption",
    *(f"{q.name}.{part}" for q in quantities() for part in ("amount", "unit")),
}


def _parse_path(name: str) -> list[str | int]:
    return [m.group(1) or int(m.group(2)) for m in _PATH.finditer(name) if m.group(0) != "."]


def _put(tree: dict, path: list[str | int], value: str) -> None:
    node = tree
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def _entered(group: Any) -> bool:
    if not isinstance(group, dict):
        return bool(group)
    flat = _flatten(group)
    return any(name in _ENTERED for name in flat)


def _pruned(group: dict[str, Any]) -> dict[str, Any]:
    """A group without its nested groups nothing was entered in ({} if itself is such)."""
    if not _entered(group):
        return {}
    return {k: v for k, v in group.items() if not isinstance(v, dict) or _entered(v)}


def _integer(value: str) -> Any:
    try:
        return int(value)
    except ValueError:
        return value  # the schema says it is not a whole number, in the page's language


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """{"car": {0: {"amount": [...]}}} -> {"car[0].amount": [...]}."""
    if not isinstance(node, dict):
        return {prefix: node}
    flat: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(key, int):
            name = f"{prefix}[{key}]"
        elif key == "_schema":
            name = prefix
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        flat.update(_flatten(value, name))
    return flat


def _by_input(form: Form, errors: Mapping[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for path, messages in errors.items():
        name = form.form_field(path)
        items = messages if isinstance(messages, list) else [messages]
        found.setdefault(name, []).extend(_messages(items))
    return found


def _messages(items: Iterable[Any]) -> list[Any]:
    return [m for item in items for m in (item if isinstance(item, list) else [item])]
