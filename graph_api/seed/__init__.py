"""A realistic live-commerce platform, generated deterministically (``trustgraph seed``)."""

from graph_api.seed.generator import CATEGORIES, SeedConfig, SeedReport, generate, write_jsonl

__all__ = ["CATEGORIES", "SeedConfig", "SeedReport", "generate", "write_jsonl"]
