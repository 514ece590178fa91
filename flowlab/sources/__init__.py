"""flowlab's sources: a scripted arrival order for lessons and tests, and a seeded generator.

``ScriptedSource`` elements are ``(arrival_ms, value)`` or ``(arrival_ms, value, timestamp_ms)``:
*arrival_ms* is the virtual processing time at which the element reaches the source (so a lesson
can script out-of-order arrival exactly); the optional timestamp becomes the record's event
timestamp, as a Kafka record's would. Sources keep their read position so they can rewind.
"""
from flowlab.sources.collection import CollectionSource
from flowlab.sources.generator import GeneratorSource
from flowlab.sources.scripted import ScriptedSource

__all__ = ["CollectionSource", "GeneratorSource", "ScriptedSource"]
