"""The ``FileSink``'s writer and committer (Flink's ``FileWriter`` with its ``FileWriterBucket``s, and
``FileCommitter``), writing through the run's ``FileStore`` so that time travel can undo them.

Part file life: *in-progress* (``.part-<uuid>-<n>.inprogress.<uuid>``, being written), *pending* (closed by the
rolling policy, same hidden name, waiting for a checkpoint), *finished* (renamed to ``part-<uuid>-<n>`` by the
committer once the checkpoint that holds it completed, or at the end of a bounded input without checkpoints).
"""
from __future__ import annotations

import os
import uuid
from typing import Any

from flowlab.common.typeinfo import PickledBytesTypeInfo
from flowlab.runtime.operators.file_store import STORE_KEY, FileStore
from flowlab.runtime.operators.java_strings import java_to_string
from flowlab.trace import EventKind


def seeded_uuid(rng: Any) -> str:
    """A version-4 UUID from the run's seeded random stream (never ``uuid4``: a run must be repeatable)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def check_typed(context: Any, sink: str, schema: str, hint: str) -> None:
    """A sink encoding records as Java strings needs a declared type (PyFlink hands it pickled bytes otherwise)."""
    t = context.input_type
    if t is None or isinstance(t, PickledBytesTypeInfo):
        raise TypeError(
            f"{sink} with {schema} needs a stream of a declared type, but the stream feeding '{context.operator_name}' "
            "has none. In PyFlink its records would reach the Java encoder as pickled bytes "
            f"({hint}). Declare the type where the stream is made, e.g. .map(str, output_type=Types.STRING()) or "
            "from_collection([...], type_info=Types.STRING()).")


class PartFile:
    """A bucket's in-progress part file: where it is written, where it goes, its size and times."""

    __slots__ = ("target", "temp", "size", "created_ms", "updated_ms")

    def __init__(self, target: str, temp: str, size: int, created_ms: int, updated_ms: int) -> None:
        self.target, self.temp, self.size = target, temp, size
        self.created_ms, self.updated_ms = created_ms, updated_ms


class Bucket:
    """One bucket of one writer subtask (Flink's ``FileWriterBucket``): its uuid, part counter, in-progress file and
    the part files closed since the last checkpoint."""

    def __init__(self, writer: FileSinkWriter, bucket_id: str, path: str) -> None:
        self.writer = writer
        self.bucket_id = bucket_id
        self.path = path
        self.uid = seeded_uuid(writer.rng)
        self.counter = 0
        self.part: PartFile | None = None
        self.pending: list[dict[str, Any]] = []

    def write(self, data: bytes, now_ms: int) -> None:
        part = self.part
        if part is None or self.writer.policy.should_roll_on_event(part.size):
            part = self._roll(now_ms)
        self.writer.store.append(part.temp, data)
        part.size += len(data)
        part.updated_ms = now_ms

    def _roll(self, now_ms: int) -> PartFile:
        self.close_part("rolled (size)" if self.part is not None else "")
        config = self.writer.sink.output_file_config
        name = f"{config.part_prefix}-{self.uid}-{self.counter}{config.part_suffix}"
        self.counter += 1
        temp = os.path.join(self.path, f".{name}.inprogress.{seeded_uuid(self.writer.rng)}")
        self.writer.store.create(temp)
        self.part = PartFile(os.path.join(self.path, name), temp, 0, now_ms, now_ms)
        self.writer.context.emit(EventKind.PART_FILE, f"in-progress part file {os.path.basename(temp)} opened",
                                 {"action": "in-progress", "file": temp, "target": self.part.target})
        return self.part

    def close_part(self, why: str) -> None:
        """The in-progress file is closed: it is pending now, committed after the next checkpoint completes."""
        part = self.part
        if part is None:
            return
        self.part = None
        self.writer.store.close(part.temp)
        self.pending.append({"bucket_id": self.bucket_id, "temp": part.temp, "target": part.target,
                             "size": part.size})
        if why:
            self.writer.context.emit(EventKind.PART_FILE, f"{os.path.basename(part.temp)} {why}: pending ({part.size} "
                                     "bytes), committed when a checkpoint after it completes",
                                     {"action": "pending", "file": part.temp, "target": part.target})

    def prepare_commit(self, end_of_input: bool) -> list[dict[str, Any]]:
        part = self.part
        if part is not None and (end_of_input or self.writer.policy.should_roll_on_checkpoint(part.size)):
            self.close_part("closed at the end of input" if end_of_input else "rolled at the checkpoint")
        out, self.pending = self.pending, []
        return out

    def state(self) -> dict[str, Any]:
        part = self.part
        return {"bucket_id": self.bucket_id, "bucket_path": self.path,
                "in_progress": None if part is None else {"target": part.target, "temp": part.temp,
                                                          "size": part.size, "creation_time": part.created_ms}}


class FileSinkWriter:
    """One sink subtask's buckets; rolls part files by the rolling policy, on records, checkpoints and time."""

    def __init__(self, sink: Any, context: Any, restored: list[dict[str, Any]] | None) -> None:
        check_typed(context, "FileSink", "Encoder.simple_string_encoder()", "the file would hold lines like "
                    "'[B@6d06d69c' instead of your values")
        self.sink = sink
        self.context = context
        self.policy = sink.rolling_policy
        self.type_info = context.input_type
        self.store: FileStore = context.connector(STORE_KEY, FileStore)
        restored_from = context.restored_checkpoint_id
        # a restored writer draws its uuids from another stream, so its new part files never reuse a name
        self.rng = context.rng("file-sink" if restored_from is None and context.attempt_number == 0 else
                               f"file-sink/restored-from-{restored_from}/attempt-{context.attempt_number}")
        self.buckets: dict[str, Bucket] = {}
        for state in restored or []:
            self._restore(state)
        context.register_processing_time_timer(context.now_ms() + sink.bucket_check_interval, self._check_time)

    def _restore(self, state: dict[str, Any]) -> None:
        """A bucket from a checkpoint: a new uuid, and its in-progress file cut back to its checkpointed length."""
        bucket = self.buckets[state["bucket_id"]] = Bucket(self, state["bucket_id"], state["bucket_path"])
        part = state["in_progress"]
        if part is not None:
            self.store.truncate(part["temp"], part["size"])
            bucket.part = PartFile(part["target"], part["temp"], part["size"], part["creation_time"],
                                   part["creation_time"])
            self.context.emit(EventKind.PART_FILE, f"in-progress part file {os.path.basename(part['temp'])} restored: "
                              f"cut back to {part['size']} bytes (its length at the checkpoint)",
                              {"action": "recovered", "file": part["temp"], "target": part["target"]})

    def write(self, value: Any, ts: int | None) -> None:
        now = self.context.now_ms()
        bucket_id = self.sink.bucket_assigner.bucket_id(now)
        bucket = self.buckets.get(bucket_id)
        if bucket is None:
            path = os.path.join(self.sink.base_path, bucket_id) if bucket_id else self.sink.base_path
            bucket = self.buckets[bucket_id] = Bucket(self, bucket_id, path)
        text = value if type(value) is str else java_to_string(value, self.type_info)
        bucket.write(self.sink.encoder.encode(text), now)

    def _check_time(self, now_ms: int) -> None:
        """Every bucket check interval: roll part files the rolling policy finds too old or inactive."""
        for bucket in self.buckets.values():
            part = bucket.part
            if part is not None and self.policy.should_roll_on_processing_time(part.created_ms, part.updated_ms, now_ms):
                bucket.close_part("rolled (time)")
        self.context.register_processing_time_timer(now_ms + self.sink.bucket_check_interval, self._check_time)

    def prepare_commit(self, end_of_input: bool) -> list[dict[str, Any]]:
        """Buckets without an in-progress or pending file since the last checkpoint are dropped first (a bucket
        that got data keeps its uuid, so its next part file is ``part-<uuid>-<n+1>``); then each bucket closes
        its in-progress file if the policy rolls on checkpoints, and hands over its pending files."""
        self.buckets = {k: b for k, b in self.buckets.items() if b.part is not None or b.pending}
        out = []
        for bucket in self.buckets.values():
            out.extend(bucket.prepare_commit(end_of_input))
        return out

    def snapshot_state(self, checkpoint_id: int) -> list[dict[str, Any]]:
        return [b.state() for b in self.buckets.values()]


class FileCommitter:
    """Renames pending part files to their final names (Flink's ``FileCommitter``); a file already renamed is
    taken as committed, so committing the same committable again after a restore does nothing."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.store: FileStore = context.connector(STORE_KEY, FileStore)

    def commit(self, committables: list[dict[str, Any]], why: str) -> None:
        for c in committables:
            temp, target = c["temp"], c["target"]
            if self.store.exists(temp) or os.path.isfile(temp):
                self.store.adopt(temp)
                self.store.rename(temp, target)
                self.context.emit(EventKind.PART_FILE, f"{os.path.basename(temp)} committed ({why}): finished as "
                                  f"{os.path.basename(target)}", {"action": "finished", "file": target})
            elif not os.path.isfile(target):
                raise FileNotFoundError(f"Cannot commit part file {target}: neither it nor its pending file {temp} "
                                        "exists (was the output directory changed or cleaned while the job ran?)")
