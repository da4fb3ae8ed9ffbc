"""The pipeline's own failures: each stops it with one clear line, never a traceback."""


class PipelineError(Exception):
    """A stage could not do its job; the message says why."""


class DataQualityError(PipelineError):
    """The training data broke its contract: training does not start."""


class QualityGateError(PipelineError):
    """The model scored under the threshold in params.yaml: it is not registered."""
