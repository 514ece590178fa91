"""Plain, JSON-able snapshots of a running job for the views (the views never touch runtime objects)."""
from __future__ import annotations

from typing import Any

from flowlab.runtime.job_runtime import JobRuntime
from flowlab.runtime.snapshots.backpressure import backpressure_snapshot
from flowlab.runtime.snapshots.batch import batch_snapshot
from flowlab.runtime.snapshots.checkpoints import checkpoint_snapshot
from flowlab.runtime.snapshots.connectors import file_sinks_snapshot, kafka_snapshot
from flowlab.runtime.snapshots.event_time import event_time_snapshot
from flowlab.runtime.snapshots.key_groups import key_groups_snapshot
from flowlab.runtime.snapshots.recovery import recovery_snapshot
from flowlab.runtime.snapshots.state import state_snapshot


def build_snapshot(rt: JobRuntime, step: int, last_events: list[Any]) -> dict[str, Any]:
    """The state the views draw: job, operators, vertices with subtasks, edges with channels, slots."""
    jg = rt.job_graph
    now = rt.kernel.now
    operators = []
    for v in jg.vertices:
        tasks = rt.tasks[v.id]
        for k, node in enumerate(v.operators):
            subs = []
            for t in tasks:
                op = t.operators[k] if t.operators else None
                # Flink's rule, as for tasks: a source receives nothing (records in 0), it only emits
                received = op.records_in if op is not None and node.kind != "source" else 0
                subs.append({"index": t.index, "records_in": received,
                             "records_out": op.records_out if op else 0})
            operators.append({"id": node.operator_id, "name": node.name, "kind": node.kind, "vertex": v.id,
                              "parallelism": node.parallelism, "subtasks": subs, "uid": node.uid,
                              "operator_hash": node.operator_hash})
    operator_edges = [{"source": e.source.operator_id, "target": e.target.operator_id,
                       "partitioner": e.partitioner.name, "chained": e.chained,
                       "side_output": e.side_output_tag.tag_id if e.side_output_tag is not None else None}
                      for e in jg.stream_graph.edges]
    vertices = []
    for v in jg.vertices:
        subs = []
        for t in rt.tasks[v.id]:
            out = t.records_out
            subs.append({"index": t.index, "state": t.state,
                         "taskmanager": t.slot[0] if t.slot else None, "slot": t.slot[1] if t.slot else None,
                         "records_in": t.records_in, "records_out": out,
                         "busy": t.busy_until > now, "backpressured": t.waiting_for_output,
                         "input_queued": t.input_queued_records(),
                         "watermark": t.watermark() if t.operators else None,
                         "failure": t.failure, "attempt": t.attempt})
        vertices.append({"id": v.id, "name": v.name, "parallelism": v.parallelism,
                         "max_parallelism": v.max_parallelism, "slot_sharing_group": v.slot_sharing_group,
                         "operators": [n.operator_id for n in v.operators], "subtasks": subs})
    edges = []
    for w in rt.exec_graph.wirings:
        e = w.edge
        channels = []
        for t in rt.tasks[e.source.id]:
            part = t.partitions[[je.index for je in e.source.out_edges].index(e.index)]
            for sub in part.subpartitions:
                ch = sub.channel
                channels.append({"from": t.index, "to": sub.consumer_index,
                                 "queued_buffers": sum(1 for b in sub.queue if not b.is_event),
                                 "filling_records": sub.current_records if sub.current is not None else 0,
                                 "in_flight_buffers": sub.in_flight, "in_flight_records": sub.in_flight_records,
                                 "received_buffers": len(ch.received), "credit": sub.credit,
                                 "sent_records": sub.sent_records})
        edges.append({"source": e.source.id, "target": e.target.id, "partitioner": e.partitioner.name,
                      "side_output": (e.stream_edge.side_output_tag.tag_id
                                      if e.stream_edge.side_output_tag is not None else None),
                      "buffers_in_flight": sum(c["in_flight_buffers"] for c in channels),
                      "records_in_flight": sum(c["in_flight_records"] for c in channels),
                      "channels": channels})
    taskmanagers = [{"id": tm.id, "slots": [{"index": i, "subtasks": list(names)} for i, names in enumerate(tm.slots)]}
                    for tm in rt.rm.taskmanagers]
    return {
        "step": step, "now_us": now, "now_ms": now / 1000, "done": rt.terminal,
        "job": {"id": rt.job_id, "name": rt.job_name, "status": rt.status or "NOT SUBMITTED", "failure": rt.failure},
        "operators": operators, "operator_edges": operator_edges, "vertices": vertices, "edges": edges,
        "taskmanagers": taskmanagers, "last_events": [e.to_dict() for e in last_events],
        "slots_needed": jg.slots_needed,
        "event_time": event_time_snapshot(rt),
        "backpressure": backpressure_snapshot(rt),
        "state": state_snapshot(rt),
        "key_groups": key_groups_snapshot(rt),
        "checkpoints": checkpoint_snapshot(rt),
        "kafka": kafka_snapshot(rt),
        "file_sinks": file_sinks_snapshot(rt),
        "batch": batch_snapshot(rt),
        "recovery": recovery_snapshot(rt),
    }
