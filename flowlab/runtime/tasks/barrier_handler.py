"""What a subtask with inputs does with EXACTLY_ONCE checkpoint barriers (Flink's ``SingleCheckpointBarrierHandler``).

EXACTLY_ONCE, aligned: a channel that delivered barrier n is blocked (its producer stops sending after the
barrier until it is resumed) until barrier n has come on every open channel; then the checkpoint is taken
and every channel resumes. Unaligned: the first barrier — a priority event that overtook the buffered data —
starts the checkpoint at once; the data it overtook, and whatever arrives on the other channels before their
barrier, is the *input channel state*. With an aligned-checkpoint timeout the handler starts aligned and
switches to unaligned when the timeout (counted from the trigger) passes (Flink's ``AlternatingController``).
AT_LEAST_ONCE barriers are handled by ``barrier_tracker``.

Simplification: channel state keeps the elements, not the bytes of Flink's buffers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowlab.runtime.elements import CheckpointBarrier
from flowlab.runtime.phases import PHASE_TASK
from flowlab.runtime.tasks.checkpointed_input import InputHandler, channel_label, queued_elements
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.network.input_gate import InputChannel
    from flowlab.runtime.tasks.stream_task import StreamTask
    from flowlab.runtime.tasks.subtask_checkpoints import SubtaskCheckpointCoordinator


class BarrierHandler(InputHandler):
    """EXACTLY_ONCE: aligned, unaligned, or aligned switching to unaligned after a timeout."""

    def __init__(self, task: StreamTask, cp: SubtaskCheckpointCoordinator) -> None:
        super().__init__(task, cp)
        self.state = "idle"                        # idle | aligning | starting | collecting
        self.current = 0
        self.barrier: CheckpointBarrier | None = None
        self.first_us = 0
        self.received: set[int] = set()
        self.blocked: dict[int, int] = {}          # channel -> blocked since (µs)
        self.ahead: dict[int, list[Any]] = {}      # channel -> data its priority barrier overtook
        self.persisting: dict[int, list[Any]] = {} # channel -> in-flight data kept until its barrier comes
        self.timer: Any = None
        self.announced = 0                         # newest checkpoint whose barrier was announced on arrival

    def aligning(self, n: int) -> bool:
        return self.state != "idle" and self.current == n

    # -- barriers in order (aligned, forced aligned, timeoutable) ---------------------------------------------
    def on_barrier(self, channel: InputChannel, barrier: CheckpointBarrier) -> None:
        n = barrier.checkpoint_id
        i = self.index(channel)
        if self.state != "idle" and n > self.current:
            self._abort_current()
        if self.state == "idle" and n <= self.cp.last_checkpoint_id:
            self.received_event(channel, barrier, 0, ": an old checkpoint, ignored")
            self._resume(channel, n)
            return
        if self.state in ("collecting", "starting") and n == self.current:
            self._keep(i)
            self.received.add(i)
            self.received_event(channel, barrier, len(self.received), ": in order (pointwise or broadcast edge)")
            self._block(channel, n)
            self._maybe_stop_collecting()
            return
        if self.state == "idle":
            self._start(barrier)
            if barrier.timeoutable and self._timed_out(barrier):
                self.received.add(i)
                self.received_event(channel, barrier, 1, ": the aligned-checkpoint timeout has passed already")
                self._block(channel, n)
                self._switch_to_unaligned("the barrier arrived after the aligned-checkpoint timeout")
                return
        self.received.add(i)
        done = self.all_received(self.received)
        self.received_event(channel, barrier, len(self.received),
                            ": aligned, snapshot" if done else ": block this channel until the others deliver it")
        self._block(channel, n)
        if done:
            self._aligned()

    def _start(self, barrier: CheckpointBarrier) -> None:
        self.state, self.current, self.barrier = "aligning", barrier.checkpoint_id, barrier
        self.first_us = self.task.kernel.now
        self.received, self.ahead, self.persisting = set(), {}, {}
        if barrier.timeoutable:
            at_us = (barrier.timestamp + barrier.timeout_ms) * 1000
            self.timer = self.task.kernel.schedule(max(at_us, self.task.kernel.now), self._timer, barrier.checkpoint_id,
                                                   phase=PHASE_TASK, target=self.task.actor)

    def _timed_out(self, barrier: CheckpointBarrier) -> bool:
        return self.task.kernel.now >= (barrier.timestamp + barrier.timeout_ms) * 1000

    def _aligned(self) -> None:
        self._cancel_timer()
        barrier = self.barrier
        self.state = "idle"
        self.cp.perform(barrier, self.first_us)
        self._unblock_all()

    # -- priority barriers (unaligned) -----------------------------------------------------------------------
    def on_delivered(self, channel: InputChannel, barrier: CheckpointBarrier) -> bool:
        """A barrier arrived from the network: an unaligned one (or a timeoutable one once this checkpoint went
        unaligned) is handled now, ahead of the queued data. True if it does not join the queue."""
        n = barrier.checkpoint_id
        if barrier.timeoutable and self.state == "idle" and n > self.cp.last_checkpoint_id and n > self.announced:
            self._announce(barrier)
        convert = barrier.timeoutable and self.state in ("collecting", "starting") and n == self.current
        if not barrier.unaligned and not convert:
            return False
        i = self.index(channel)
        if n <= self.cp.last_checkpoint_id and not (self.state != "idle" and n == self.current):
            return True                                # an old checkpoint's barrier: drop it
        if self.state != "idle" and n > self.current:
            self._abort_current()
        if self.state in ("collecting", "starting"):
            if self.state == "starting":
                self.ahead[i] = queued_elements(self.task, channel)
            self._keep(i)                              # what it overtook was persisted as it arrived
            self.received.add(i)
            self.received_event(channel, barrier, len(self.received), ": unaligned, overtook the queued data")
            if convert:                                # it left its producer as an aligned barrier: blocked there
                self._block(channel, n)
            self._maybe_stop_collecting()
            return True
        if self.state == "idle":
            self._start(barrier)
        self.received.add(i)
        self.ahead[i] = queued_elements(self.task, channel)
        self.received_event(channel, barrier, len(self.received),
                            f": unaligned, overtook {sum(1 for e in self.ahead[i] if type(e) is tuple)} queued "
                            "record(s): snapshot now")
        self.state = "starting"
        self.task.post_mail(self._switch_to_unaligned, ("an unaligned barrier arrived",))
        return True

    def _announce(self, barrier: CheckpointBarrier) -> None:
        """A timeoutable barrier reached the input queue: its aligned-checkpoint timeout runs from now on, even
        while it waits behind queued data (Flink announces a barrier on arrival, ``EventAnnouncement``, and lets
        it overtake the queue once the timeout passes)."""
        self.announced = n = barrier.checkpoint_id
        kernel = self.task.kernel
        at_us = (barrier.timestamp + barrier.timeout_ms) * 1000
        kernel.schedule(max(at_us, kernel.now), self._announced_timer, n, phase=PHASE_TASK, target=self.task.actor)

    def _announced_timer(self, n: int) -> None:
        if self.state == "idle" and n > self.cp.last_checkpoint_id:
            self.task.post_mail(self._announced_timeout, (n,))

    def _announced_timeout(self, n: int) -> None:
        """The timeout passed while barrier ``n`` still waits in an input queue: the checkpoint goes unaligned now,
        and every queued barrier of it overtakes the data ahead of it."""
        if self.state != "idle" or n <= self.cp.last_checkpoint_id:
            return
        queued = next((b.elements[0] for ch in self.channels for b in ch.received if b.is_event
                       and type(b.elements[0]) is CheckpointBarrier and b.elements[0].checkpoint_id == n), None)
        if queued is None:
            return
        self._start(queued)
        self._switch_to_unaligned("the aligned-checkpoint timeout passed while its barrier waited in the input queue")

    def _keep(self, i: int) -> None:
        """Channel ``i``'s barrier came: what was persisted for it is final."""
        kept = self.persisting.pop(i, None)
        if kept:
            self.ahead[i] = self.ahead.get(i, []) + kept

    def on_data_delivered(self, channel: InputChannel, buf: Any) -> None:
        if self.persisting:
            kept = self.persisting.get(self.index(channel))
            if kept is not None:
                kept.extend(buf.elements)

    def _timer(self, n: int) -> None:
        if self.state == "aligning" and self.current == n:
            self.task.post_mail(self._timeout_mail, (n,))

    def _timeout_mail(self, n: int) -> None:
        if self.state == "aligning" and self.current == n:
            self._switch_to_unaligned(f"alignment took longer than the aligned-checkpoint timeout "
                                      f"({self.barrier.timeout_ms} ms since the trigger)")

    def _switch_to_unaligned(self, why: str) -> None:
        """Take the checkpoint now, unaligned: the channels still without a barrier keep their in-flight data
        (up to their barrier) as channel state; the blocked ones stay blocked until the last barrier has come
        (Flink's ``alignmentTimeout`` into ``AlternatingCollectingBarriersUnaligned``)."""
        if self.state not in ("aligning", "starting"):
            return
        task = self.task
        self._cancel_timer()
        barrier = self.barrier.with_alignment("UNALIGNED")
        if self.state == "aligning":
            rec = task.recorder
            if rec.enabled:
                rec.emit(EventKind.BARRIER, task.vertex_id, task.index, None,
                         f"checkpoint {barrier.checkpoint_id} switches from aligned to unaligned: {why}",
                         {"checkpoint_id": barrier.checkpoint_id, "action": "timeout", "alignment": "UNALIGNED"})
            else:
                rec.tick()
        for i, ch in enumerate(self.channels):
            if i in self.received or ch.finished:
                continue
            queued = next((b for b in ch.received if b.is_event and type(b.elements[0]) is CheckpointBarrier
                           and b.elements[0].checkpoint_id == barrier.checkpoint_id and b.elements[0].timeoutable),
                          None)
            if queued is not None:                   # its barrier waits in the queue: it overtakes now
                self.ahead[i] = queued_elements(task, ch, before=queued)
                ch.received.remove(queued)
                if not ch.received and ch.queued:
                    ch.queued = False
                    task.available.remove(ch)
                self.received.add(i)
                self._block(ch, barrier.checkpoint_id)   # its producer stopped after sending it
            else:
                self.persisting[i] = queued_elements(task, ch)
        self.state = "collecting"
        self.cp.perform(barrier, self.first_us, channel_state_follows=True)
        self._maybe_stop_collecting()

    def _maybe_stop_collecting(self) -> None:
        if self.state != "collecting" or not self.all_received(self.received):
            return
        state = [[c.gate.edge_index, c.producer, elements]
                 for i, c in enumerate(self.channels)
                 for elements in [self.ahead.get(i, []) + self.persisting.get(i, [])] if elements]
        n = self.current
        self.state, self.ahead, self.persisting = "idle", {}, {}
        self.cp.channel_state_done(n, state)
        self._unblock_all()

    # -- channels ending, aborts ---------------------------------------------------------------------------
    def on_end_of_partition(self, channel: InputChannel) -> None:
        super().on_end_of_partition(channel)
        if self.state == "aligning" and self.all_received(self.received):
            self._aligned()
        elif self.state == "collecting":
            self._maybe_stop_collecting()

    def abort(self, n: int) -> None:
        if self.state != "idle" and self.current == n:
            self._abort_current()

    def _abort_current(self) -> None:
        self._cancel_timer()
        self.state, self.ahead, self.persisting = "idle", {}, {}
        self._unblock_all()

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    # -- blocking ---------------------------------------------------------------------------------------------
    def _block(self, channel: InputChannel, n: int) -> None:
        i = self.index(channel)
        if i in self.blocked:
            return
        channel.blocked = True
        self.blocked[i] = self.task.kernel.now
        task = self.task
        rec = task.recorder
        if rec.enabled:
            rec.emit(EventKind.CHANNEL_BLOCKED, task.vertex_id, task.index, None,
                     f"channel from {channel_label(task, channel)} blocked for checkpoint {n}: its producer sends "
                     "nothing more until the alignment is over",
                     {"checkpoint_id": n, "from": channel.producer, "edge": channel.gate.edge_index,
                      "input": channel.gate.input_number})
        else:
            rec.tick()

    def _unblock_all(self) -> None:
        for i in sorted(self.blocked):
            self._unblock(i)

    def _unblock(self, i: int) -> None:
        since = self.blocked.pop(i)
        channel = self.channels[i]
        task = self.task
        rec = task.recorder
        if rec.enabled:
            waited = (task.kernel.now - since) / 1000
            rec.emit(EventKind.CHANNEL_UNBLOCKED, task.vertex_id, task.index, None,
                     f"channel from {channel_label(task, channel)} unblocked after {waited:g} ms: its producer "
                     "may send again (resume consumption)",
                     {"checkpoint_id": self.current, "from": channel.producer, "edge": channel.gate.edge_index,
                      "blocked_ms": waited})
        else:
            rec.tick()
        self._resume(channel, self.current)

    def _resume(self, channel: InputChannel, n: int) -> None:
        channel.blocked = False
        task = self.task
        if channel.received and not channel.queued:
            channel.queued = True
            task.available.append(channel)
            task.wake()
        if not channel.finished:
            task.network.resume_consumption(channel)
