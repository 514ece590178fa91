"""Common API classes with PyFlink's names (``pyflink.common``)."""
from flowlab.common.completable_future import CompletableFuture
from flowlab.common.configuration import Configuration
from flowlab.common.job_status import JobStatus
from flowlab.common.row import Row, RowKind
from flowlab.common.serialization import Encoder, SimpleStringSchema
from flowlab.common.time import Duration, Instant, Time
from flowlab.common.typeinfo import TypeInformation, Types
from flowlab.common.watermark_strategy import TimestampAssigner, WatermarkGenerator, WatermarkStrategy

__all__ = ["CompletableFuture", "Configuration", "Duration", "Encoder", "Instant", "JobStatus", "Row", "RowKind",
           "SimpleStringSchema", "Time", "TimestampAssigner", "TypeInformation", "Types", "WatermarkGenerator",
           "WatermarkStrategy"]
