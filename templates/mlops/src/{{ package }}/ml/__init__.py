"""The ML pipeline: prepare, validate, train, evaluate, register, serve and watch a model."""
