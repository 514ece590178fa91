"""StreamGraph -> JobGraph (chains) -> ExecutionGraph (subtasks, channels), as Flink builds them."""
from flowlab.graph.execution_graph import ExecutionGraph, build_execution_graph
from flowlab.graph.job_graph import JobEdge, JobGraph, JobVertex, build_job_graph, chaining_verdict
from flowlab.graph.stream_graph import GraphError, StreamEdge, StreamGraph, StreamNode, generate_stream_graph

__all__ = ["ExecutionGraph", "build_execution_graph", "JobEdge", "JobGraph", "JobVertex", "build_job_graph",
           "chaining_verdict", "GraphError", "StreamEdge", "StreamGraph", "StreamNode", "generate_stream_graph"]
