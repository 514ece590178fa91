"""The simulated Kafka's topics as HTML (flowlab extension), from ``snapshot["kafka"]``: per partition its records
(offset, key, value) tinted by the state of the transaction that wrote them, the commit/abort markers, the last
stable offset, the consumer groups' committed offsets and the job's readers; what a ``read_committed`` and a
``read_uncommitted`` consumer read; every transaction. Pure functions: snapshot in, HTML string out.

Kafka's rules drawn (as the broker applies them): a ``read_uncommitted`` consumer reads every data record up to
the log end offset, open and aborted transactions included; a ``read_committed`` one reads only below the last
stable offset (the first record of the earliest open transaction) and skips aborted records; nobody sees the
control records, though they take offsets.
"""
from __future__ import annotations

from html import escape
from typing import Any

from flowlab.viz.render.svg import truncate

FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px;color:#1f2933"
MONO = "font-family:ui-monospace,'SF Mono',Menlo,Consolas,'DejaVu Sans Mono',monospace"
CARD = "border:1px solid #d5dce6;border-radius:8px;padding:6px 8px;margin:0 0 8px 0;background:#ffffff"
WRAP = "overflow-wrap:break-word;word-break:normal"
MAX_CELLS = 48          # records drawn per partition (the newest)
MAX_VALUES = 24         # values listed per reader line
CELL_CHARS = 9          # characters of a key or value inside a record cell (the full text on hover)
MAX_TRANSACTIONS = 40   # transaction rows (the newest)

# record kind -> (fill, border, ink, legend label)
KINDS = {
    "plain": ("#ffffff", "#c5cfdb", "#1f2933", "no transaction"),
    "COMMITTED": ("#bbf7d0", "#4ade80", "#166534", "committed transaction"),
    "ONGOING": ("#fde68a", "#f59e0b", "#92400e", "open transaction"),
    "ABORTED": ("#fecaca", "#f87171", "#991b1b", "aborted transaction"),
    "control": ("#eef1f5", "#8a94a3", "#5b6675", "COMMIT / ABORT marker (takes an offset; consumers skip it)"),
}
STATE_PILL = {"COMMITTED": "COMMITTED", "ONGOING": "ONGOING (open)", "ABORTED": "ABORTED"}
LSO_INK = "#1d4ed8"
GROUP_INK = "#7c3aed"
READER_INK = "#0f766e"


def kafka_topics(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    """(bootstrap servers, topic) of every topic in the snapshot, in order."""
    return [(servers, t["name"]) for servers, c in sorted((snapshot.get("kafka") or {}).items())
            for t in c.get("topics") or ()]


def record_kind(r: dict[str, Any]) -> str:
    """"control", "plain", or the state of the transaction that wrote the record."""
    if r.get("control"):
        return "control"
    if not r.get("transactional_id"):
        return "plain"
    return r.get("transaction_state") or "ONGOING"


def readable(partition: dict[str, Any], isolation_level: str) -> list[dict[str, Any]]:
    """The records of ``partition`` (those in the snapshot) a consumer with ``isolation_level`` reads from its
    start: data records below the log end (read_uncommitted), or below the last stable offset and not aborted
    (read_committed)."""
    committed = isolation_level == "read_committed"
    end = partition["last_stable_offset"] if committed else partition["log_end_offset"]
    return [r for r in partition.get("records") or () if r.get("control") is None and r["offset"] < end
            and not (committed and record_kind(r) == "ABORTED")]


def _text(v: Any) -> str:
    return "null" if v is None else str(v)


def _cell(r: dict[str, Any]) -> str:
    kind = record_kind(r)
    fill, border, ink, _ = KINDS[kind]
    if kind == "control":
        body = f'<div style="font-size:9px;font-weight:700;letter-spacing:0.3px">{escape(r["control"])}</div>'
        tip = (f'offset {r["offset"]}: {r["control"]} marker of transaction {r.get("transactional_id")} '
               "(a control record: it takes an offset, consumers never see it)")
    else:
        key = (f'<div style="{MONO};font-size:9.5px;color:#5b6675">{escape(truncate(_text(r["key"]), CELL_CHARS))}'
               "</div>" if r.get("key") is not None else "")
        strike = ";text-decoration:line-through" if kind == "ABORTED" else ""
        body = (f'{key}<div style="{MONO};font-size:10.5px{strike}">'
                f'{escape(truncate(_text(r.get("value")), CELL_CHARS))}</div>')
        txn = (f', transaction {r["transactional_id"]} ({r.get("transaction_state") or "ONGOING"})'
               if r.get("transactional_id") else ", no transaction")
        tip = (f'offset {r["offset"]}: key {_text(r.get("key"))}, value {_text(r.get("value"))}, timestamp '
               f'{r.get("timestamp")}{txn}')
    dash = "dashed" if kind == "control" else "solid"
    return (f'<div class="flowlab-kafka-record" data-offset="{r["offset"]}" data-kind="{escape(kind)}" '
            f'title="{escape(tip)}" style="display:inline-block;vertical-align:top;min-width:46px;max-width:74px;'
            f'margin:0 2px 3px 0;padding:1px 4px;border:1px {dash} {border};border-radius:4px;background:{fill};'
            f'color:{ink};text-align:center;line-height:1.25">'
            f'<div style="font-size:9px;color:#8a94a3">{r["offset"]}</div>{body}</div>')


def _marks(partition: dict[str, Any], topic: str, cluster: dict[str, Any]) -> dict[int, list[tuple[str, str, str]]]:
    """offset -> [(kind, label, hover)] of the markers standing before that offset's record."""
    tp = f'{topic}-{partition["partition"]}'
    marks: dict[int, list[tuple[str, str, str]]] = {}
    lso, end = partition["last_stable_offset"], partition["log_end_offset"]
    if lso < end:
        opener = next((r.get("transactional_id") for r in partition.get("records") or () if r["offset"] == lso),
                      None)
        marks.setdefault(lso, []).append(("lso", f"LSO {lso}", f"last stable offset {lso}: the first record of the "
                                          f"open transaction {opener}; a read_committed consumer stops here"))
    for group, offsets in sorted((cluster.get("consumer_groups") or {}).items()):
        if tp in offsets:
            o = offsets[tp]
            marks.setdefault(o, []).append(("group", f"group {group}", f"consumer group {group} committed offset {o} "
                                            f"of {tp} (the next record it reads after a restart without a "
                                            "checkpoint)"))
    for rd in cluster.get("readers") or ():
        if tp in (rd.get("positions") or {}):
            o = rd["positions"][tp]
            marks.setdefault(o, []).append(("reader", f'{rd["name"]}[{rd["subtask"]}]',
                                            f'{rd["name"]}[{rd["subtask"]}] ({rd.get("isolation_level")}) reads '
                                            f"offset {o} of {tp} next"))
    return marks


MARK_INK = {"lso": LSO_INK, "group": GROUP_INK, "reader": READER_INK}


def _mark(offset: int, items: list[tuple[str, str, str]]) -> str:
    colour = MARK_INK[items[0][0]]
    labels = "".join(f'<div class="flowlab-kafka-mark-label" data-mark="{kind}" style="color:{MARK_INK[kind]};'
                     f'white-space:nowrap">{escape(label)}</div>' for kind, label, _ in items)
    tip = "\n".join(t for _, _, t in items)
    kinds = " ".join(k for k, _, _ in items)
    return (f'<div class="flowlab-kafka-mark" data-offset="{offset}" data-marks="{escape(kinds)}" '
            f'title="{escape(tip)}" style="display:inline-block;vertical-align:top;margin:0 4px 3px 1px;'
            f'padding-left:3px;border-left:2.5px solid {colour};font-size:9px;font-weight:600;line-height:1.25">'
            f'{labels}</div>')


def _reader_line(partition: dict[str, Any], level: str) -> str:
    got = readable(partition, level)
    values = [_text(r.get("value")) for r in got]
    shown = ", ".join(escape(v) for v in values[:MAX_VALUES]) + (f", … ({len(values) - MAX_VALUES} more)"
                                                                 if len(values) > MAX_VALUES else "")
    if level == "read_committed":
        why = (f'up to the last stable offset {partition["last_stable_offset"]}, aborted records skipped'
               if partition["last_stable_offset"] < partition["log_end_offset"]
               else "up to the log end (no open transaction), aborted records skipped")
    else:
        why = f'up to the log end offset {partition["log_end_offset"]}, open and aborted transactions included'
    hidden = f' (of the last {len(partition.get("records") or ())} offsets)' if partition.get("records_hidden") else ""
    return (f'<div class="flowlab-kafka-reads" data-isolation="{level}" data-count="{len(got)}" style="{WRAP}">'
            f'<span style="{MONO};font-weight:600">{level}</span> reads {len(got)} record(s){hidden}: '
            f'<span style="{MONO}">{shown or "nothing"}</span> <span style="color:#8a94a3">— {why}</span></div>')


def _partition(partition: dict[str, Any], topic: str, cluster: dict[str, Any], kinds: set[str]) -> str:
    records = partition.get("records") or []
    drawn = records[-MAX_CELLS:]
    earlier = partition.get("records_hidden", 0) + len(records) - len(drawn)
    marks = _marks(partition, topic, cluster)
    parts = []
    first = drawn[0]["offset"] if drawn else partition["log_end_offset"]
    before = sorted(o for o in marks if o < first)
    if earlier:
        parts.append(f'<span style="color:#8a94a3;font-size:10.5px;margin-right:4px">… {earlier} earlier '
                     f'offset(s)</span>')
    for o in before:
        parts.append(_mark(o, marks[o]))
    for r in drawn:
        if r["offset"] in marks and r["offset"] >= first:
            parts.append(_mark(r["offset"], marks[r["offset"]]))
        kinds.add(record_kind(r))
        parts.append(_cell(r))
    for o in sorted(o for o in marks if o >= first and o not in {r["offset"] for r in drawn}):
        parts.append(_mark(o, marks[o]))
    empty = '<span style="color:#8a94a3">empty</span>' if not records and not marks else ""
    head = (f'<div style="color:#5b6675"><b style="color:#1f2933">partition {partition["partition"]}</b> · log end '
            f'offset {partition["log_end_offset"]} · last stable offset {partition["last_stable_offset"]}</div>')
    return (f'<div class="flowlab-kafka-partition" data-topic="{escape(topic)}" '
            f'data-partition="{partition["partition"]}" data-lso="{partition["last_stable_offset"]}" '
            f'data-end="{partition["log_end_offset"]}" style="margin:4px 0 6px 0">{head}'
            f'<div style="margin:3px 0">{"".join(parts)}{empty}</div>'
            f'{_reader_line(partition, "read_committed")}{_reader_line(partition, "read_uncommitted")}</div>')


def _transactions(cluster: dict[str, Any], topic: str | None) -> str:
    rows = [t for t in cluster.get("transactions") or ()
            if topic is None or any(p.rsplit("-", 1)[0] == topic for p in t.get("partitions") or ())]
    if not rows:
        return ""
    head = ("<tr style='color:#8a94a3;text-align:left'><th>transactional id</th><th>producer id · epoch</th>"
            "<th>state</th><th style='text-align:right'>records</th><th>partitions</th><th>began</th><th>ended</th>"
            "<th>why</th></tr>")
    body = []
    for t in rows[-MAX_TRANSACTIONS:]:
        fill, _, ink, _ = KINDS.get(t["state"], KINDS["ONGOING"])
        ended = "–" if t.get("ended_ms") is None else f'{t["ended_ms"]:g} ms'
        body.append(f'<tr class="flowlab-kafka-txn" data-id="{escape(t["transactional_id"])}" '
                    f'data-state="{escape(t["state"])}"><td style="{MONO}">{escape(t["transactional_id"])}</td>'
                    f'<td>{t.get("producer_id")} · {t.get("epoch")}</td><td><span style="background:{fill};'
                    f'color:{ink};font-weight:600;padding:0 6px;border-radius:8px">{STATE_PILL.get(t["state"], t["state"])}'
                    f'</span></td><td style="text-align:right">{t.get("records", 0)}</td>'
                    f'<td>{escape(", ".join(t.get("partitions") or ()))}</td><td>{t.get("started_ms", 0):g} ms</td>'
                    f'<td>{ended}</td><td style="color:#5b6675;max-width:360px;{WRAP}">'
                    f'{escape(t.get("reason") or "")}</td></tr>')
    more = len(rows) - MAX_TRANSACTIONS
    tail = f'<div style="color:#8a94a3">… and {more} earlier transaction(s)</div>' if more > 0 else ""
    return (f'<div class="flowlab-kafka-transactions" style="margin-top:4px"><div style="color:#5b6675">Transactions'
            f'</div><table style="border-collapse:separate;border-spacing:8px 1px;font-size:11.5px">{head}'
            f'{"".join(body)}</table>{tail}</div>')


def _legend(kinds: set[str], marks: set[str]) -> str:
    items = []
    for kind in ("plain", "COMMITTED", "ONGOING", "ABORTED", "control"):
        if kind in kinds:
            fill, border, ink, label = KINDS[kind]
            dash = "dashed" if kind == "control" else "solid"
            items.append(f'<span class="flowlab-kafka-legend-item" data-kind="{kind}" style="margin-right:12px;white-space:nowrap">'
                         f'<span style="display:inline-block;width:12px;height:10px;vertical-align:-1px;'
                         f'background:{fill};border:1px {dash} {border};border-radius:2px"></span> {label}</span>')
    for kind, label in (("lso", "last stable offset"), ("group", "consumer group's committed offset"),
                        ("reader", "where the job's reader reads next")):
        if kind in marks:
            items.append(f'<span class="flowlab-kafka-legend-item" data-kind="{kind}" style="margin-right:12px;white-space:nowrap">'
                         f'<span style="display:inline-block;width:0;height:10px;vertical-align:-1px;'
                         f'border-left:2.5px solid {MARK_INK[kind]}"></span> {label}</span>')
    if not items:
        return ""
    return f'<div class="flowlab-kafka-legend" style="font-size:11px;color:#5b6675;margin:2px 0 4px">{"".join(items)}</div>'


def render_kafka(snapshot: dict[str, Any], topic: str | None = None, servers: str | None = None) -> str:
    """Every topic of every simulated cluster (or only ``topic`` / the cluster at ``servers``)."""
    clusters = snapshot.get("kafka") or {}
    blocks = []
    kinds: set[str] = set()
    marks: set[str] = set()
    for name, cluster in sorted(clusters.items()):
        if servers is not None and name != servers:
            continue
        topics = [t for t in cluster.get("topics") or () if topic is None or t["name"] == topic]
        cards = []
        for t in topics:
            parts = "".join(_partition(p, t["name"], cluster, kinds) for p in t.get("partitions") or ())
            for p in t.get("partitions") or ():
                marks.update(k for items in _marks(p, t["name"], cluster).values() for k, _, _ in items)
            n = len(t.get("partitions") or ())
            cards.append(f'<div class="flowlab-kafka-topic" data-topic="{escape(t["name"])}" style="{CARD}">'
                         f'<div style="{WRAP}"><b>topic {escape(t["name"])}</b> <span style="color:#5b6675">· '
                         f'{n} partition{"s" if n != 1 else ""}</span></div>{parts}</div>')
        groups = "".join(
            f'<div class="flowlab-kafka-group" data-group="{escape(g)}" style="{WRAP}">group <b>{escape(g)}</b> '
            f'committed: <span style="{MONO}">{escape(", ".join(f"{tp} → {o}" for tp, o in offs.items()))}</span></div>'
            for g, offs in ((g, {tp: o for tp, o in offs.items() if topic is None or tp.rsplit("-", 1)[0] == topic})
                            for g, offs in sorted((cluster.get("consumer_groups") or {}).items())) if offs)
        if not cards and not groups:
            continue
        blocks.append(f'<div class="flowlab-kafka-cluster" data-servers="{escape(name)}">'
                      f'<div style="color:#5b6675;margin-bottom:3px">Simulated Kafka cluster <b>{escape(name)}</b> '
                      f'(flowlab extension)</div>{"".join(cards)}{groups}{_transactions(cluster, topic)}</div>')
    if not blocks:
        what = f"no topic {topic!r}" if topic is not None else "no Kafka topic"
        return (f'<div class="flowlab-kafka" style="{FONT};color:#5b6675">The job has {escape(what)} yet: a Kafka '
                'source or sink opens its cluster when its task starts.</div>')
    return f'<div class="flowlab-kafka" style="{FONT}">{_legend(kinds, marks)}{"".join(blocks)}</div>'
