"""The TFX Trainer's module file: the Keras model of the pipeline in tfx_pipeline.py.

TFX calls :func:`run_fn`. The exported model takes one named input per feature, so TF Serving's
REST API takes rows, {"instances": [{"alcohol": [13.2], ...}]}, and the Evaluator feeds it the
examples' features by name.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx import v1 as tfx
from tfx_bsl.public import tfxio

LABEL = "cultivar"
BATCH_SIZE = 32


def _dataset(fn_args: tfx.components.FnArgs, files: list[str], schema: Any) -> tf.data.Dataset:
    # One pass over the files per epoch (the default repeats them forever).
    options = tfxio.TensorFlowDatasetOptions(batch_size=BATCH_SIZE, label_key=LABEL, num_epochs=1)
    return fn_args.data_accessor.tf_dataset_factory(files, options, schema).cache()


def _model(features: list[str], train: tf.data.Dataset, params: dict[str, Any]) -> keras.Model:
    inputs = {name: keras.Input((1,), name=name) for name in features}
    joined = keras.layers.Concatenate()([inputs[name] for name in features])
    normalise = keras.layers.Normalization()
    normalise.adapt(
        train.map(
            lambda x, _: tf.concat([tf.cast(x[name], tf.float32) for name in features], axis=-1)
        )
    )
    hidden = keras.layers.Dense(int(params["hidden_units"]), activation="relu")(normalise(joined))
    outputs = keras.layers.Dense(3, activation="softmax")(hidden)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=float(params["learning_rate"])),
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


def run_fn(fn_args: tfx.components.FnArgs) -> None:
    """Train on the train split, validate on the eval split, export for TF Serving."""
    params = fn_args.custom_config
    keras.utils.set_random_seed(int(params["seed"]))
    schema = tfx.utils.parse_pbtxt_file(fn_args.schema_path, schema_pb2.Schema())
    features = sorted(f.name for f in schema.feature if f.name != LABEL)
    train = _dataset(fn_args, fn_args.train_files, schema)
    evaluate = _dataset(fn_args, fn_args.eval_files, schema)
    model = _model(features, train, params)
    model.fit(train, validation_data=evaluate, epochs=int(params["epochs"]), verbose=0)
    model.export(fn_args.serving_model_dir)
