"""iekg — 产教融合知识图谱 (industry–education integration knowledge graph)."""

__version__ = "0.1.0"
