"""A simulated Kafka broker living in the run: topics of partitions of records with offsets, transactions with
their markers, consumer group offsets (the model behind ``flowlab.datastream.connectors.kafka``).

Each run takes a copy of its ``SimulatedKafka`` (the topics and the records scripted to arrive at virtual
times) when a Kafka source or sink first opens, and keeps it in the run, so stepping, fast-forward and time
travel see the same broker. Clients reach it by RPC (one network latency): a produce request, a transaction
commit or abort and an offset commit happen as calls of the broker at their arrival time, which wake the
source readers waiting for data. Reads look at the log as it is at the reader's virtual time.

Kafka's rules kept: a partition's offsets count every record, including the control records (commit/abort
markers) a transaction writes into each partition it touched, which consumers never see; a
``read_uncommitted`` consumer reads every data record up to the end of the log, open and aborted transactions
included; a ``read_committed`` consumer reads only up to the last stable offset (the first record of the
earliest open transaction) and skips records of aborted transactions. A transaction open longer than its
``transaction.timeout.ms`` is aborted by the broker, and its producer fenced.

Simplifications: one broker (no replication, no leader changes); the high watermark is the end of the log;
the transaction coordinator aborts at the exact timeout (Kafka checks every 10 s); no log retention.
"""
from __future__ import annotations

import bisect
import copy
from typing import Any

from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.runtime.shared_log import SharedLog
from flowlab.trace import EventKind

# a log entry: (offset, key, value, timestamp, transactional id or None, control or None, append µs)
OFFSET, KEY, VALUE, TIMESTAMP, TXN, CONTROL, APPENDED = range(7)


class Transaction:
    """One Kafka transaction: its producer, state (ONGOING / COMMITTED / ABORTED) and the partitions it wrote."""

    def __init__(self, transactional_id: str, producer_id: int, epoch: int, started_us: int) -> None:
        self.transactional_id = transactional_id
        self.producer_id = producer_id
        self.epoch = epoch
        self.state = "ONGOING"
        self.first_offsets: dict[tuple[str, int], int] = {}     # partition -> offset of its first record
        self.offsets: list[tuple[str, int, int]] = []            # (topic, partition, offset) of its records
        self.started_us = started_us
        self.ended_us: int | None = None
        self.reason = ""

    def row(self) -> dict[str, Any]:
        return {"transactional_id": self.transactional_id, "producer_id": self.producer_id, "epoch": self.epoch,
                "state": self.state, "records": len(self.offsets),
                "partitions": [f"{t}-{p}" for t, p in sorted(self.first_offsets)],
                "started_ms": self.started_us / 1000,
                "ended_ms": None if self.ended_us is None else self.ended_us / 1000, "reason": self.reason}


class KafkaBroker:
    """The run's broker: logs, transactions, group offsets; every change is a broker call at its virtual time."""

    def __init__(self, job: Any, script: Any) -> None:
        self.kernel = job.kernel
        self.recorder = job.recorder
        self.rpc_us = job.rpc_latency_us
        self.in_flight: dict[tuple, tuple[Any, str, tuple]] = {}   # kernel key -> (call, request, arguments)
        self.drained_until = 0                 # after the job: the time its last request arrived
        self.servers = script.bootstrap_servers
        self.max_txn_timeout_ms = script.transaction_max_timeout_ms
        self.default_partitions = script.num_partitions
        self.auto_create = script.auto_create_topics
        self.logs: dict[str, list[SharedLog]] = {t: [SharedLog() for _ in range(n)] for t, n in script.topics.items()}
        self.scripted = copy.deepcopy(script.scripted)     # (at µs, topic, partition, key, value, timestamp)
        self.next_scripted = 0
        self.transactions: list[Transaction] = []           # every transaction, in order of its first record
        self.open: dict[str, Transaction] = {}              # transactional id -> its ONGOING transaction
        self.producers: dict[str, tuple[int, int]] = {}     # transactional id -> (producer id, epoch)
        self.timeouts: dict[str, int] = {}                  # transactional id -> transaction.timeout.ms
        self.fenced: dict[str, str] = {}                    # transactional id -> why its producer was fenced
        self.aborted: set[tuple[str, int, int]] = set()     # (topic, partition, offset) of aborted records
        self.groups: dict[str, dict[tuple[str, int], int]] = {}
        self.waiters: dict[tuple[str, int], dict[str, Any]] = {}
        if script.carried is not None:
            self._take_over(copy.deepcopy(script.carried))

    # -- a cluster outliving a run -------------------------------------------------------------------------
    def carry(self) -> dict[str, Any]:
        """What this broker holds now, for a later run (its records visible from that run's start)."""
        now = self.kernel.now
        self.materialize(now)
        logs = {t: [[e[:APPENDED] + (0,) for e in log[:self.visible_end(t, p, now)]] for p, log in enumerate(parts)]
                for t, parts in self.logs.items()}
        later = [(at - now, *rest) for at, *rest in self.scripted[self.next_scripted:]]
        return copy.deepcopy({"logs": logs, "scripted": later, "transactions": self.transactions,
                              "producers": self.producers,
                              "timeouts": self.timeouts, "fenced": self.fenced, "aborted": self.aborted,
                              "groups": self.groups})

    def _take_over(self, carried: dict[str, Any]) -> None:
        for topic, parts in carried["logs"].items():
            self.logs[topic] = [SharedLog(entries) for entries in parts]
        self.scripted = sorted(carried["scripted"] + self.scripted, key=lambda r: r[0])
        self.transactions = carried["transactions"]
        self.producers, self.timeouts = carried["producers"], carried["timeouts"]
        self.fenced, self.aborted, self.groups = carried["fenced"], carried["aborted"], carried["groups"]
        for txn in self.transactions:
            if txn.state == "ONGOING":
                txn.started_us = 0
                self.open[txn.transactional_id] = txn
                self.kernel.schedule(self.timeouts[txn.transactional_id] * 1000, self._expire, txn, (None, None, None),
                                     phase=PHASE_CONTROL)

    # -- the log --------------------------------------------------------------------------------------------
    def materialize(self, now_us: int) -> None:
        """Append the scripted records due by ``now_us`` (they arrive at their scripted times)."""
        s = self.scripted
        while self.next_scripted < len(s) and s[self.next_scripted][0] <= now_us:
            at, topic, partition, key, value, ts = s[self.next_scripted]
            self.next_scripted += 1
            self._append(topic, partition, key, value, ts, None, None, at)

    def next_scripted_us(self, partitions: list[tuple[str, int]]) -> int | None:
        wanted = set(partitions)
        for at, topic, partition, *_ in self.scripted[self.next_scripted:]:
            if (topic, partition) in wanted:
                return at
        return None

    def _append(self, topic: str, partition: int, key: bytes | None, value: bytes | None, ts: int, txn: str | None,
                control: str | None, at_us: int) -> int:
        log = self.logs[topic][partition]
        offset = len(log)
        log.append((offset, key, value, ts, txn, control, at_us))
        return offset

    def partitions(self, topic: str) -> int | None:
        log = self.logs.get(topic)
        return None if log is None else len(log)

    def _ensure_topic(self, topic: str) -> None:
        if topic not in self.logs:
            if not self.auto_create:
                raise KeyError(f"UnknownTopicOrPartitionException: This server does not host this topic-partition "
                               f"({topic}); create it with SimulatedKafka.create_topic('{topic}', ...)")
            self.logs[topic] = [SharedLog() for _ in range(self.default_partitions)]

    def visible_end(self, topic: str, partition: int, now_us: int) -> int:
        """The high watermark at ``now_us``: the offset after the last record appended by then."""
        log = self.logs[topic][partition]
        return bisect.bisect_right(log, now_us, key=lambda e: e[APPENDED])

    def stable_end(self, topic: str, partition: int, now_us: int) -> int:
        """The last stable offset at ``now_us``: the first record of the earliest open transaction, or the end."""
        end = self.visible_end(topic, partition, now_us)
        firsts = [t.first_offsets[(topic, partition)] for t in self.open.values()
                  if (topic, partition) in t.first_offsets]
        return min([end, *firsts])

    def read(self, topic: str, partition: int, offset: int, committed_only: bool, now_us: int) -> tuple[Any, int]:
        """The next record a consumer at ``offset`` gets at ``now_us`` and the offset after it, or ``(None, offset
        to wait at)``: control records and (read_committed) records of aborted transactions are skipped."""
        log = self.logs[topic][partition]
        end = self.stable_end(topic, partition, now_us) if committed_only else self.visible_end(topic, partition,
                                                                                                 now_us)
        aborted = self.aborted if committed_only else ()
        while offset < end:
            e = log[offset]
            offset += 1
            if e[CONTROL] is None and not (e[TXN] is not None and (topic, partition, e[OFFSET]) in aborted):
                return e, offset
        return None, offset

    def offset_for_time(self, topic: str, partition: int, timestamp: int, now_us: int) -> int:
        end = self.visible_end(topic, partition, now_us)
        for e in self.logs[topic][partition][:end]:
            if e[CONTROL] is None and e[TIMESTAMP] >= timestamp:
                return e[OFFSET]
        return end

    # -- waiting readers ---------------------------------------------------------------------------------
    def wait(self, topic: str, partition: int, task: Any) -> None:
        self.waiters.setdefault((topic, partition), {})[task.name] = task

    def _wake(self, topic: str, partition: int) -> None:
        waiting = self.waiters.pop((topic, partition), {})
        for name in sorted(waiting):
            waiting[name].wake()

    # -- requests from clients (each runs at its arrival: a broker call) -----------------------------------
    def request(self, name: str, *args: Any) -> None:
        """A client's RPC: ``name(*args)`` runs at the broker one network latency from now."""
        call = self.kernel.schedule(self.kernel.now + self.rpc_us, self._arrive, name, args, phase=PHASE_CONTROL)
        self.in_flight[call.key] = (call, name, args)

    def _arrive(self, name: str, args: tuple) -> None:
        self.in_flight.pop(self.kernel.current_key, None)
        getattr(self, name)(*args)

    def drain_in_flight(self) -> None:
        """The job is over, but requests it sent are still on their way: they arrive (the cluster outlives the
        job; Flink's writers flush and wait for these acknowledgements before their task ends)."""
        kernel = self.kernel
        end = kernel.now
        for key in sorted(self.in_flight):
            call, name, args = self.in_flight.pop(key)
            call.cancel()
            kernel.now = key[0]
            getattr(self, name)(*args)
            self.drained_until = max(self.drained_until, key[0])
        kernel.now = end

    def now_us(self) -> int:
        """The broker's present: the run's, or, once the job is over, when its last request arrived."""
        return max(self.kernel.now, self.drained_until)

    def produce(self, topic: str, partition: int, key: bytes | None, value: bytes, ts: int | None,
                txn_id: str | None, who: tuple[str, int, str]) -> None:
        now = self.kernel.now
        self.materialize(now)
        self._ensure_topic(topic)
        timestamp = now // 1000 if ts is None else ts
        if txn_id is None:
            self._append(topic, partition, key, value, timestamp, None, None, now)
        else:
            if txn_id in self.fenced or txn_id not in self.producers:
                return                                   # refused: the writer fails on its next call
            txn = self.open.get(txn_id)
            if txn is None:
                pid, epoch = self.producers[txn_id]
                txn = self.open[txn_id] = Transaction(txn_id, pid, epoch, now)
                self.transactions.append(txn)
                self._emit(who, f"transaction {txn_id} begins (producer id {pid}, epoch {epoch})",
                           {"action": "begin", "transactional_id": txn_id})
                self.kernel.schedule(now + self.timeouts[txn_id] * 1000, self._expire, txn, who, phase=PHASE_CONTROL)
            offset = self._append(topic, partition, key, value, timestamp, txn_id, None, now)
            txn.first_offsets.setdefault((topic, partition), offset)
            txn.offsets.append((topic, partition, offset))
        self._wake(topic, partition)

    def init_producer(self, txn_id: str, timeout_ms: int, who: tuple[str, int, str]) -> None:
        """``initTransactions`` for ``txn_id``: a new epoch, which fences an older producer of that id and aborts
        its open transaction."""
        pid, epoch = self.producers.get(txn_id, (len(self.producers), -1))
        self.producers[txn_id] = (pid, epoch + 1)
        self.timeouts[txn_id] = timeout_ms
        self.fenced.pop(txn_id, None)
        txn = self.open.get(txn_id)
        if txn is not None:
            self._end(txn, "ABORTED", f"aborted: a new producer took over {txn_id} (a restarted writer aborts the "
                      "transactions it left open)", who)

    def end_transaction(self, txn_id: str, commit: bool, who: tuple[str, int, str]) -> None:
        """``commitTransaction`` / ``abortTransaction`` of a committable; committing a committed one again is fine."""
        txn = next((t for t in reversed(self.transactions) if t.transactional_id == txn_id), None)
        if txn is None:
            return                                       # it never had a record: nothing to commit
        if txn.state == "ONGOING":
            self._end(txn, "COMMITTED" if commit else "ABORTED", "committed" if commit else "aborted", who)
        elif commit and txn.state == "ABORTED":
            self._emit(who, f"commit of {txn_id} failed: the transaction was {txn.reason}. Flink logs \"Unable to "
                       "commit transaction ... because it's in an invalid state. Most likely the transaction has been "
                       "aborted for some reason\" and goes on: its records are lost",
                       {"action": "commit_failed", "transactional_id": txn_id})

    def _expire(self, txn: Transaction, who: tuple[str, int, str]) -> None:
        if txn.state == "ONGOING":
            timeout = self.timeouts[txn.transactional_id]
            why = f"aborted by the broker: open longer than transaction.timeout.ms ({timeout} ms)"
            self.fenced[txn.transactional_id] = why
            self._end(txn, "ABORTED", why, who)

    def _end(self, txn: Transaction, state: str, reason: str, who: tuple[str, int, str]) -> None:
        now = self.kernel.now
        self.materialize(now)
        txn.state, txn.ended_us, txn.reason = state, now, reason
        del self.open[txn.transactional_id]
        if state == "ABORTED":
            self.aborted.update(txn.offsets)
        marker = "COMMIT" if state == "COMMITTED" else "ABORT"
        for topic, p in sorted(txn.first_offsets):
            self._append(topic, p, None, None, now // 1000, txn.transactional_id, marker, now)
        self._emit(who, f"transaction {txn.transactional_id} {reason} ({len(txn.offsets)} record(s); {marker} marker(s) in "
                   f"{', '.join(f'{t}-{p}' for t, p in sorted(txn.first_offsets)) or 'no partition'})",
                   {"action": state.lower(), "transactional_id": txn.transactional_id, "records": len(txn.offsets)})
        for topic, p in sorted(txn.first_offsets):
            self._wake(topic, p)

    def abort_lingering(self, prefix: str, subtask: int, from_checkpoint: int, timeout_ms: int,
                        who: tuple[str, int, str]) -> None:
        """A (re)started exactly-once writer aborts the open transactions of its ids ``prefix-subtask-k``, k from
        ``from_checkpoint`` on (Flink's ``abortLingeringTransactions``)."""
        head = f"{prefix}-{subtask}-"
        for txn_id in sorted(self.open, key=lambda t: (len(t), t)):
            tail = txn_id[len(head):] if txn_id.startswith(head) else ""
            if tail.isdigit() and int(tail) >= from_checkpoint:
                self.init_producer(txn_id, timeout_ms, who)

    def commit_offsets(self, group: str, offsets: dict[tuple[str, int], int]) -> None:
        self.groups.setdefault(group, {}).update(offsets)

    def _emit(self, who: tuple[str, int, str], detail: str, data: dict[str, Any]) -> None:
        rec = self.recorder
        if rec.enabled:
            rec.emit(EventKind.KAFKA_TRANSACTION, who[0], who[1], who[2], f"Kafka {self.servers}: {detail}", data)
        else:
            rec.tick()
