"""Spark for platform-scale rebuilds, and the event log as Parquet (docs/scale-out.md).

* :mod:`graph_api.spark.table`: the event log's one table schema (pure Python);
* :mod:`graph_api.spark.parquet`: ``trustgraph export-events``, the log as Parquet (pyarrow);
* :mod:`graph_api.spark.session`, :mod:`~graph_api.spark.events`, :mod:`~graph_api.spark.facts`,
  :mod:`~graph_api.spark.score`, :mod:`~graph_api.spark.rebuild`: ``trustgraph rescore --engine
  spark`` (pyspark).

Nothing is imported here: pyspark costs start-up time that the other commands should not pay.
"""
