"""The pipeline's errors: each says what failed and what to do."""


class DataPipelineError(Exception):
    """A stage cannot run (missing input, broken contract, bad configuration)."""


class QuarantineLimitError(DataPipelineError):
    """More rows were quarantined than a contract's SLA allows."""
