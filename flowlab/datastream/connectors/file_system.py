"""File connectors with PyFlink's names (``pyflink.datastream.connectors.file_system``): ``FileSource`` reading
text files, ``FileSink`` writing part files that are committed on checkpoints. See docs/connectors.md."""
from flowlab.datastream.connectors.file_sink import (
    BucketAssigner,
    DefaultRollingPolicy,
    FileSink,
    OnCheckpointRollingPolicy,
    OutputFileConfig,
    RollingPolicy,
)
from flowlab.datastream.connectors.file_source import (
    FileEnumeratorProvider,
    FileSource,
    FileSourceBuilder,
    FileSplitAssignerProvider,
    StreamFormat,
)

__all__ = ["BucketAssigner", "DefaultRollingPolicy", "FileEnumeratorProvider", "FileSink", "FileSource",
           "FileSourceBuilder", "FileSplitAssignerProvider", "OnCheckpointRollingPolicy", "OutputFileConfig",
           "RollingPolicy", "StreamFormat"]
