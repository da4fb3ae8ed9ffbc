"""opsgen: scaffolding for DevOps, MLOps and DataOps teams."""

__version__ = "0.1.0"
