"""The DataStream API with PyFlink's names (``pyflink.datastream``)."""
from flowlab.datastream.broadcast_stream import BroadcastConnectedStream, BroadcastStream
from flowlab.datastream.checkpoint_config import CheckpointConfig
from flowlab.datastream.checkpoint_storage import (
    CheckpointStorage,
    FileSystemCheckpointStorage,
    JobManagerCheckpointStorage,
)
from flowlab.datastream.connected_streams import ConnectedStreams
from flowlab.datastream.data_stream import CloseableIterator, DataStream, DataStreamSink
from flowlab.datastream.execution_config import (
    CheckpointingMode,
    ExecutionConfig,
    RuntimeExecutionMode,
    TimeCharacteristic,
)
from flowlab.datastream.externalized_checkpoint_retention import ExternalizedCheckpointRetention
from flowlab.datastream.functions import (
    AggregateFunction,
    AllWindowFunction,
    BroadcastProcessFunction,
    CoFlatMapFunction,
    CoGroupFunction,
    CoMapFunction,
    CoProcessFunction,
    FilterFunction,
    FlatMapFunction,
    JoinFunction,
    KeyedBroadcastProcessFunction,
    KeyedCoProcessFunction,
    KeyedProcessFunction,
    KeySelector,
    MapFunction,
    Partitioner,
    ProcessAllWindowFunction,
    ProcessFunction,
    ProcessJoinFunction,
    ProcessWindowFunction,
    ReduceFunction,
    RuntimeContext,
    SinkFunction,
    TimeDomain,
    TimerService,
    WindowFunction,
)
from flowlab.datastream.interval_join import IntervalJoin, IntervalJoined
from flowlab.datastream.iterative_stream import IterativeStream
from flowlab.datastream.job_client import JobClient, JobExecutionResult
from flowlab.datastream.join import CoGroupedStreams, JoinedStreams
from flowlab.datastream.keyed_stream import KeyedStream
from flowlab.datastream.output_tag import OutputTag
from flowlab.datastream.state_backend import (
    EmbeddedRocksDBStateBackend,
    FsStateBackend,
    HashMapStateBackend,
    MemoryStateBackend,
    PredefinedOptions,
    RocksDBStateBackend,
    StateBackend,
)
from flowlab.datastream.stream_execution_environment import StreamExecutionEnvironment
from flowlab.datastream.windowed_stream import AllWindowedStream, WindowedStream

__all__ = [
    "AggregateFunction", "AllWindowFunction", "AllWindowedStream", "CheckpointConfig", "CheckpointingMode",
    "ExternalizedCheckpointRetention", "CloseableIterator", "CoFlatMapFunction", "CoMapFunction",
    "CoProcessFunction", "ConnectedStreams", "DataStream", "DataStreamSink", "ExecutionConfig",
    "FilterFunction", "FlatMapFunction", "JobClient", "JobExecutionResult", "KeySelector", "KeyedCoProcessFunction",
    "KeyedProcessFunction", "KeyedStream", "MapFunction", "OutputTag", "Partitioner", "ProcessFunction",
    "ReduceFunction", "RuntimeContext", "RuntimeExecutionMode", "SinkFunction", "StreamExecutionEnvironment",
    "TimeCharacteristic", "TimeDomain", "TimerService", "ProcessAllWindowFunction", "ProcessWindowFunction",
    "WindowFunction", "WindowedStream",
    "CoGroupFunction", "CoGroupedStreams", "IntervalJoin", "IntervalJoined", "JoinFunction", "JoinedStreams",
    "IterativeStream", "ProcessJoinFunction",
    "BroadcastConnectedStream", "BroadcastProcessFunction", "BroadcastStream", "KeyedBroadcastProcessFunction",
    "CheckpointStorage", "EmbeddedRocksDBStateBackend", "FileSystemCheckpointStorage", "HashMapStateBackend",
    "JobManagerCheckpointStorage", "PredefinedOptions", "StateBackend",
    "FsStateBackend", "MemoryStateBackend", "RocksDBStateBackend",   # Flink 1.x names, removed in 2.0 (warn)
]
