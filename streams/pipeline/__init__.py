"""The pure core: one module per stage, plain values in, plain values out.

Nothing here imports Faust, Kafka or asyncio; ``streams/agents.py`` wires these
functions to topics and tables, and ``streams.pipeline.process`` runs them
in-process for ``newsflow process``.
"""
