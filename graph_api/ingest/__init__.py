"""Ingestion: validated events -> facts in the graph, idempotently, one transaction per batch.

plan       the pure decision: which events of a batch are accepted, duplicates or rejected
ingester   runs a batch against the graph, then hands the accepted events to a deriver
pipeline   one writer thread behind a bounded queue, shared by import, seed and consume
files      JSONL files and event streams in batches, with their rejects written beside them
"""

from graph_api.ingest.files import ImportSummary, import_jsonl, ingest_stream, validated_events
from graph_api.ingest.ingester import AfterBatch, Ingester, write_checked
from graph_api.ingest.plan import BatchResult, GraphChecks, plan_batch

__all__ = [
    "AfterBatch",
    "BatchResult",
    "GraphChecks",
    "ImportSummary",
    "Ingester",
    "import_jsonl",
    "ingest_stream",
    "plan_batch",
    "validated_events",
    "write_checked",
]
