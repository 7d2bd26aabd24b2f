"""Import fixtures for @lipnet/interop's loadDeelLipModel: small models trained briefly and saved by deel-lip 1.5.0.

For each model, writes under packages/interop/test/fixtures/deel-lip/:
- <name>.h5 (`model.save('x.h5')`, HDF5) and <name>.keras (`model.save('x.keras')`, zip);
- <name>.json: the fixed inputs and deel-lip's logits on them (`predict`, which uses the cached
  normalised kernels `wbar` of the last training step), the weights by name, and deel-lip's next
  training step on a fixed batch: a fresh SGD optimiser, one `train_on_batch`, the loss it
  reports and every weight after the step.

Usage (from the repo root): tools/reference/.venv/bin/python tools/reference/fixtures_interop_deel_lip.py
"""
import json
import os

import numpy as np
import tensorflow as tf
import deel.lip
from deel.lip.layers import (
    FrobeniusDense,
    GroupSort2,
    ScaledL2NormPooling2D,
    SpectralConv2D,
    SpectralDense,
)
from deel.lip.losses import MulticlassHKR
from deel.lip.model import Sequential

OUT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "packages", "interop", "test", "fixtures", "deel-lip"))
os.makedirs(OUT, exist_ok=True)
tf.keras.utils.set_random_seed(20261207)
rng = np.random.default_rng(20261207)


def arr(x):
    x = np.asarray(x, dtype=np.float32)
    return {"shape": list(x.shape), "values": [float(v) for v in x.reshape(-1)]}


def onehot(labels, c):
    return np.eye(c, dtype=np.float32)[labels]


def dense_model():
    return Sequential(
        [
            tf.keras.Input((6,)),
            SpectralDense(8, activation=GroupSort2(), name="sd1"),
            SpectralDense(8, activation=GroupSort2(), name="sd2"),
            FrobeniusDense(3, use_bias=False, name="head"),
        ],
        name="dense",
    )


def cnn_model():
    return Sequential(
        [
            tf.keras.Input((8, 8, 1)),
            SpectralConv2D(4, (3, 3), activation=GroupSort2(), name="conv1"),
            ScaledL2NormPooling2D((2, 2), name="pool1"),
            SpectralConv2D(4, (3, 3), activation=GroupSort2(), name="conv2"),
            ScaledL2NormPooling2D((2, 2), name="pool2"),
            tf.keras.layers.Flatten(name="flat"),
            SpectralDense(6, activation=GroupSort2(), name="dense"),
            FrobeniusDense(3, name="head"),
        ],
        name="cnn",
    )


def weights_by_name(model):
    return {w.name: arr(w.numpy()) for w in model.weights}


def make(name, build, in_shape):
    model = build()
    x = rng.normal(size=(64, *in_shape)).astype(np.float32)
    y = onehot(rng.integers(0, 3, size=64), 3)
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss=MulticlassHKR(alpha=10.0, min_margin=0.5))
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    model.save(os.path.join(OUT, name + ".h5"))
    model.save(os.path.join(OUT, name + ".keras"))
    probe = rng.normal(size=(5, *in_shape)).astype(np.float32)
    logits = model.predict(probe, verbose=0)
    saved = weights_by_name(model)
    # deel-lip's next step from the saved state: a reloaded model, a fresh SGD, one train_on_batch.
    again = tf.keras.models.load_model(os.path.join(OUT, name + ".keras"), compile=False)
    assert np.allclose(again.predict(probe, verbose=0), logits, atol=1e-6), "reload changed the logits"
    xb, yb = x[:8], y[:8]
    again.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss=MulticlassHKR(alpha=10.0, min_margin=0.5))
    loss = float(again.train_on_batch(xb, yb))
    after = weights_by_name(again)
    logits_after = again.predict(probe, verbose=0)
    with open(os.path.join(OUT, name + ".json"), "w") as fh:
        json.dump(
            {
                "meta": {
                    "generator": "tools/reference/fixtures_interop_deel_lip.py",
                    "deelLip": deel.lip.__version__,
                    "tensorflow": tf.__version__,
                    "keras": __import__("keras").__version__,
                },
                "files": [name + ".h5", name + ".keras"],
                "layers": [{"name": l.name, "className": type(l).__name__} for l in model.layers],
                "probe": arr(probe),
                "logits": arr(logits),
                "weights": saved,
                "nextStep": {
                    "optimizer": {"className": "SGD", "learningRate": 0.05},
                    "loss": {"className": "MulticlassHKR", "config": {"alpha": 10.0, "minMargin": 0.5}},
                    "x": arr(xb),
                    "y": arr(yb),
                    "lossValue": loss,
                    "weights": after,
                    "logitsAfter": arr(logits_after),
                },
            },
            fh,
        )
    sizes = {f: os.path.getsize(os.path.join(OUT, f)) for f in (name + ".h5", name + ".keras", name + ".json")}
    print(name, sizes)


make("dense", dense_model, (6,))
make("cnn", cnn_model, (8, 8, 1))
