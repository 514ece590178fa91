"""What every stateful subtask holds (flowlab extension), from ``snapshot["state"]``: its key-group range, the
keys and values per state name (window contents included), sizes, the backend — one card per subtask.
Pure functions: snapshot in, HTML string out."""
from __future__ import annotations

from html import escape
from typing import Any

from flowlab.viz.render.checkpoint_html import size

FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px;color:#1f2933"
MONO = "font-family:ui-monospace,'SF Mono',Menlo,Consolas,'DejaVu Sans Mono',monospace;font-size:11px"
CARD = ("border:1px solid #d5dce6;border-radius:8px;padding:6px 8px;margin:0 8px 8px 0;background:#ffffff;"
        "min-width:260px;max-width:560px;flex:1 1 300px")
MAX_ROWS = 20
KIND = {"value": "ValueState", "list": "ListState", "map": "MapState", "reducing": "ReducingState",
        "aggregating": "AggregatingState"}
BACKEND = {"hashmap": "hashmap (Python objects on the heap)",
           "rocksdb": "rocksdb (bytes in an embedded RocksDB on local disk)"}


def state_operators(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    """(operator id, name) of every operator that holds state, in job order."""
    seen: dict[str, str] = {}
    for o in (snapshot.get("state") or {}).get("operators") or ():
        seen.setdefault(o["operator"], o.get("name", o["operator"]))
    return list(seen.items())


def _key(key: Any) -> str:
    return repr(key) if isinstance(key, str) else "null" if key is None else str(key)


def _one(value: Any) -> str:
    """A stored value as text; a value with a time-to-live shows its last access."""
    if isinstance(value, dict) and "ts" in value:
        return f'{value.get("value")} <span style="color:#8a94a3">(last access {escape(str(value["ts"]))})</span>'
    return escape(str(value))


def _value(kind: str, value: Any) -> str:
    if kind == "list":
        return "[" + ", ".join(_one(v) if isinstance(v, dict) else escape(str(v)) for v in value) + "]"
    if kind == "map":
        return "{" + ", ".join(f"{escape(str(k))}: {_one(v) if isinstance(v, dict) else escape(str(v))}"
                               for k, v in value) + "}"
    return _one(value)


def _keyed(state: dict[str, Any]) -> str:
    kind = state.get("kind", "value")
    sz = state.get("size") or {}
    facts = [f'{sz.get("keys", 0)} key(s)', f'{sz.get("entries", 0)} entr{"y" if sz.get("entries") == 1 else "ies"}']
    if kind in ("list", "map"):
        facts.append(f'{sz.get("elements", 0)} {"element" if kind == "list" else "map entrie"}(s)')
    if sz.get("bytes") is not None:
        facts.append(size(sz["bytes"]) + " in RocksDB")
    ttl = f' · TTL {state["ttl_ms"]} ms' if state.get("ttl_ms") is not None else ""
    typ = f' · {escape(str(state["type"]))}' if state.get("type") else ""
    entries = state.get("entries") or []
    windowed = any(e.get("namespace") is not None for e in entries)
    head = ("<tr style='color:#8a94a3;text-align:left'><th>key</th><th title='the key group the key hashes to'>"
            "key group</th>" + ("<th>window</th>" if windowed else "") + "<th>value</th></tr>")
    rows = []
    for e in entries[:MAX_ROWS]:
        rows.append(f'<tr class="flowlab-state-entry" data-state="{escape(state["name"])}" '
                    f'data-key="{escape(_key(e.get("key")))}"><td style="{MONO}">{escape(_key(e.get("key")))}</td>'
                    f'<td style="text-align:right">{"–" if e.get("key_group") is None else e["key_group"]}</td>'
                    + (f'<td style="{MONO}">{escape(str(e.get("namespace") or ""))}</td>' if windowed else "")
                    + f'<td style="{MONO}">{_value(kind, e.get("value"))}</td></tr>')
    more = int(sz.get("entries", len(entries))) - min(len(entries), MAX_ROWS)
    tail = (f'<tr><td colspan="4" style="color:#8a94a3">… and {more} more entr{"y" if more == 1 else "ies"}</td></tr>'
            if more > 0 else "")
    empty = '<div style="color:#8a94a3">empty</div>' if not entries else ""
    return (f'<div class="flowlab-state-name" data-state="{escape(state["name"])}" style="margin-top:4px">'
            f'<b>{KIND.get(kind, kind)} "{escape(state["name"])}"</b>'
            f'<span style="color:#5b6675">{typ}{ttl} · {", ".join(facts)}</span>{empty}'
            + (f'<table style="border-collapse:separate;border-spacing:8px 0;font-size:11.5px">{head}'
               f'{"".join(rows)}{tail}</table>' if entries else "") + "</div>")


def _operator_state(ops: dict[str, Any]) -> str:
    parts = []
    for s in ops.get("lists") or ():
        mode = "union list state" if s.get("mode") == "union" else "list state (even-split)"
        parts.append(f'<div class="flowlab-state-name" data-state="{escape(s["name"])}"><b>operator {mode} '
                     f'"{escape(s["name"])}"</b> <span style="color:#5b6675">{s.get("size", 0)} element(s)</span> '
                     f'<span style="{MONO}">[{", ".join(escape(str(v)) for v in s.get("elements") or ())}]</span></div>')
    for s in ops.get("broadcast") or ():
        entries = ", ".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in s.get("entries") or ())
        parts.append(f'<div class="flowlab-state-name" data-state="{escape(s["name"])}"><b>broadcast state '
                     f'"{escape(s["name"])}"</b> <span style="color:#5b6675">{s.get("size", 0)} entr(ies), this '
                     f'subtask\'s copy</span> <span style="{MONO}">{{{entries}}}</span></div>')
    return "".join(parts)


def _card(o: dict[str, Any]) -> str:
    kg = o.get("key_groups")
    groups = (f'key groups {kg[0]}–{kg[1]} of {o.get("max_parallelism")}' if kg else "no keyed state")
    where = (f'<div style="color:#8a94a3;{MONO};font-size:10px;word-break:break-all">'
             f'{escape(str(o["rocksdb_path"]))}</div>' if o.get("rocksdb_path") else "")
    keyed = "".join(_keyed(s) for s in o.get("keyed") or ())
    ops = _operator_state(o["operator_state"]) if o.get("operator_state") else ""
    return (f'<div class="flowlab-state-subtask" data-vertex="{escape(o["vertex"])}" data-subtask="{o["subtask"]}" '
            f'data-operator="{escape(o["operator"])}" style="{CARD}">'
            f'<div><b>{escape(o.get("name", o["operator"]))} [{o["subtask"]}]</b> '
            f'<span style="color:#5b6675">· {groups}{" · " + escape(o["backend"]) if o.get("backend") else ""}'
            f'</span></div>{where}{keyed}{ops}</div>')


def render_state(snapshot: dict[str, Any], operator: str | None = None) -> str:
    """The state of every stateful subtask (of ``operator`` only, when given), one card per subtask."""
    st = snapshot.get("state") or {}
    ops = [o for o in st.get("operators") or () if operator is None or o["operator"] == operator]
    backend = BACKEND.get(st.get("backend"), str(st.get("backend")))
    head = (f'<div style="color:#5b6675">State backend: <b>{escape(backend)}</b>'
            + (f' · working directory <span style="{MONO}">{escape(str(st["directory"]))}</span>'
               if st.get("directory") else "") + "</div>")
    if not ops:
        return (f'<div class="flowlab-state" style="{FONT}">{head}<div style="color:#8a94a3">No operator holds '
                'state yet (keyed state appears once a key is written).</div></div>')
    blocks = []
    current = None
    for o in ops:
        if o["operator"] != current:
            if current is not None:
                blocks.append("</div>")
            current = o["operator"]
            blocks.append(f'<div style="margin-top:6px;font-weight:600">{escape(o.get("name", current))} '
                          f'<span style="color:#8a94a3;font-weight:400">({escape(current)} in task '
                          f'{escape(o["vertex"])})</span></div><div style="display:flex;flex-wrap:wrap">')
        blocks.append(_card(o))
    blocks.append("</div>")
    return f'<div class="flowlab-state" style="{FONT}">{head}{"".join(blocks)}</div>'
