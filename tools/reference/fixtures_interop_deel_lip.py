"""Import fixtures for @lipnet/interop's loadDeelLipModel: small models trained briefly and saved by deel-lip 1.5.0.

For each model, writes under packages/interop/test/fixtures/deel-lip/:
- <name>.h5 (`model.save('x.h5')`, HDF5) and <name>.keras (`model.save('x.keras')`, zip);
- <name>.json: the fixed inputs and deel-lip's logits on them (`predict`, which uses the cached
  normalised kernels `wbar` of the last training step), the weights by name, each Lipschitz layer's
  coefficient (`coef_lip`) in the trained model and in deel-lip's own reload of the .keras file, and
  deel-lip's next training step on a fixed batch from the reloaded model (its coefficients corrected, see
  below): a fresh SGD optimiser, one `train_on_batch`, the loss it reports and every weight after the step.

Models: `dense` (SpectralDense, FrobeniusDense), `cnn` (SpectralConv2D, ScaledL2NormPooling2D, Flatten),
`zoo` (every other deel-lip layer in a Sequential with k_coef_lip=2: FrobeniusConv2D, ScaledAveragePooling2D,
InvertibleDownSampling, MaxMin, Householder, ScaledGlobalL2NormPooling2D, FullSort and GroupSort activations,
PReLUlip, a SpectralDense without Björck), `functional` (a deel-lip Model graph: Add, MaxPooling2D,
InvertibleUpSampling, ScaledGlobalAveragePooling2D, Activation, Reshape, Concatenate) and `vanilla` (the
`cnn` model's `vanilla_export()`: Keras Conv2D and Dense with GroupSort2 activations), `regularized` (kernel and
bias regularizers: deel-lip's LorthRegularizer and OrthDenseRegularizer, Keras' L1, L2 and L1L2), `convs`
(SpectralConv2DTranspose at stride 2, deel-lip's unconstrained PadConv2D with 'reflect' and 'circular' padding, a
strided SpectralConv2D) and `convs_vanilla` (its `vanilla_export()`: Keras Conv2DTranspose, PadConv2D, Conv2D);
`refused`: two files the loader must refuse (refused-*.h5, see make_refused).

Usage (from the repo root): tools/reference/.venv/bin/python tools/reference/fixtures_interop_deel_lip.py [name ...]
(all models when no name is given; each model is generated from its own seed, so one can be regenerated alone).
"""
import sys
import json
import os

import numpy as np
import tensorflow as tf
import deel.lip
from deel.lip.layers import (
    FrobeniusConv2D,
    FrobeniusDense,
    FullSort,
    GroupSort,
    GroupSort2,
    Householder,
    InvertibleDownSampling,
    InvertibleUpSampling,
    MaxMin,
    PReLUlip,
    ScaledAveragePooling2D,
    ScaledGlobalAveragePooling2D,
    ScaledGlobalL2NormPooling2D,
    ScaledL2NormPooling2D,
    SpectralConv2D,
    SpectralConv2DTranspose,
    SpectralDense,
)
from deel.lip.layers.base_layer import LipschitzLayer
from deel.lip.layers.unconstrained import PadConv2D
from deel.lip.losses import MulticlassHKR
from deel.lip.regularizers import LorthRegularizer, OrthDenseRegularizer
from deel.lip.model import Model, Sequential

OUT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "packages", "interop", "test", "fixtures", "deel-lip"))
os.makedirs(OUT, exist_ok=True)
SEEDS = {
    "dense": 20261207,
    "cnn": 20261207,
    "zoo": 20261208,
    "functional": 20261209,
    "vanilla": 20261210,
    "regularized": 20261211,
    "convs": 20261212,
    "convs_vanilla": 20261213,
}
rng = None


def arr(x):
    x = np.asarray(x, dtype=np.float32)
    # 9 significant digits identify a float32 exactly, in about half the characters of its double repr.
    return {"shape": list(x.shape), "values": [float(f"{v:.9g}") for v in x.reshape(-1)]}


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


def zoo_model():
    return Sequential(
        [
            tf.keras.Input((12, 12, 2)),
            FrobeniusConv2D(4, (3, 3), activation=GroupSort(n=4), name="fconv"),
            ScaledAveragePooling2D((2, 2), name="avg"),
            InvertibleDownSampling((2, 2), name="down"),
            SpectralConv2D(8, (3, 3), activation="relu", name="sconv"),
            MaxMin(name="maxmin"),
            Householder(name="house"),
            ScaledGlobalL2NormPooling2D(name="gl2"),
            SpectralDense(8, activation=FullSort(), name="sd"),
            PReLUlip(),
            SpectralDense(6, eps_bjorck=None, name="sd_nobjorck"),
            FrobeniusDense(3, disjoint_neurons=False, name="head"),
        ],
        k_coef_lip=2.0,
        name="zoo",
    )


def functional_model():
    inp = tf.keras.Input((8, 8, 1), name="image")
    a = SpectralConv2D(4, (3, 3), activation=GroupSort2(), name="c1")(inp)
    b = SpectralConv2D(4, (3, 3), activation=GroupSort2(), name="c2")(a)
    c = tf.keras.layers.Add(name="add")([a, b])
    p = tf.keras.layers.MaxPooling2D((2, 2), name="maxpool")(c)
    u = InvertibleUpSampling((2, 2), name="up")(p)
    e = SpectralDense(8, activation=GroupSort2(), name="dense")(tf.keras.layers.Flatten(name="flat")(u))
    g = ScaledGlobalAveragePooling2D(name="gap")(c)
    r = tf.keras.layers.Reshape((4,), name="reshape")(tf.keras.layers.Activation("relu", name="relu")(g))
    cat = tf.keras.layers.Concatenate(name="cat")([e, r])
    return Model(inp, FrobeniusDense(3, name="head")(cat), name="functional")


def regularized_model():
    reg = tf.keras.regularizers
    return Sequential(
        [
            tf.keras.Input((8, 8, 1)),
            SpectralConv2D(4, (3, 3), activation=GroupSort2(), name="conv",
                           kernel_regularizer=LorthRegularizer(kernel_shape=(3, 3, 1, 4), stride=1, lambda_lorth=0.1)),
            tf.keras.layers.Flatten(name="flat"),
            SpectralDense(8, activation=GroupSort2(), name="l2", kernel_regularizer=reg.L2(0.01)),
            SpectralDense(6, activation=GroupSort2(), name="orth", kernel_regularizer=OrthDenseRegularizer(0.1),
                          bias_regularizer=reg.L1(0.01)),
            FrobeniusDense(3, name="head", kernel_regularizer=reg.L1L2(l1=0.001, l2=0.002)),
        ],
        name="regularized",
    )


def convs_model():
    return Sequential(
        [
            tf.keras.Input((6, 6, 2)),
            SpectralConv2DTranspose(4, (3, 3), strides=(2, 2), activation=GroupSort2(), name="up"),
            PadConv2D(4, (3, 3), padding="reflect", name="pad_reflect"),
            ScaledL2NormPooling2D((2, 2), name="pool"),
            SpectralConv2D(4, (3, 3), strides=(2, 2), activation=GroupSort2(), name="down"),
            PadConv2D(4, (3, 3), padding="circular", activation="relu", name="pad_circular"),
            tf.keras.layers.Flatten(name="flat"),
            SpectralDense(6, activation=GroupSort2(), name="dense"),
            FrobeniusDense(3, name="head"),
        ],
        name="convs",
    )


def convs_vanilla_model():
    tf.keras.utils.set_random_seed(SEEDS["convs"])
    lip = convs_model()
    lip.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss=MulticlassHKR(alpha=10.0, min_margin=0.5))
    x = np.random.default_rng(1).normal(size=(32, 6, 6, 2)).astype(np.float32)
    lip.fit(x, onehot(np.arange(32) % 3, 3), batch_size=16, epochs=1, verbose=0)
    return lip.vanilla_export()


def vanilla_model():
    tf.keras.utils.set_random_seed(SEEDS["cnn"])
    lip = cnn_model()
    lip.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss=MulticlassHKR(alpha=10.0, min_margin=0.5))
    x = np.random.default_rng(1).normal(size=(32, 8, 8, 1)).astype(np.float32)
    lip.fit(x, onehot(np.arange(32) % 3, 3), batch_size=16, epochs=1, verbose=0)
    return lip.vanilla_export()


def weights_by_name(model):
    """Every weight as '<layer>/<weight>:0' (a reloaded or vanilla-exported model names its weights without the
    layer prefix, e.g. 'kernel:0', so the prefix is taken from the layer)."""
    out = {}
    for layer in model.layers:
        for w in layer.weights:
            key = f"{layer.name}/{w.name.split('/')[-1]}"
            assert key not in out, key
            out[key] = arr(w.numpy())
    return out


def make(name, build, in_shape):
    global rng
    tf.keras.utils.set_random_seed(SEEDS[name])
    rng = np.random.default_rng(SEEDS[name])
    model = build()
    x = rng.normal(size=(64, *in_shape)).astype(np.float32)
    y = onehot(rng.integers(0, 3, size=64), 3)
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss=MulticlassHKR(alpha=10.0, min_margin=0.5))
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    # The vanilla export's weights have no layer prefix ('kernel:0'), so Adam's slots would collide in the .h5
    # file: it is saved without the optimizer (which the loader never reads anyway);
    # the .keras format stores optimizer variables by index and has no such collision.
    with_optimizer = name not in ("vanilla", "convs_vanilla")
    model.save(os.path.join(OUT, name + ".h5"), include_optimizer=with_optimizer)
    model.save(os.path.join(OUT, name + ".keras"))
    probe = rng.normal(size=(5, *in_shape)).astype(np.float32)
    logits = model.predict(probe, verbose=0)
    saved = weights_by_name(model)
    # The reference next step is deel-lip's own: the model reloaded from the .keras file, a fresh SGD, one step.
    # deel-lip reloads with equal logits (predict serves the saved wbar), but a reloaded Sequential recomputes
    # every layer's Lipschitz coefficient from the *model's* input shape (Sequential.build calls
    # _init_lip_coef(model input shape) on each layer after they were built), so a conv that is not first gets
    # the wrong coefficient; that is corrected here (each layer's coefficient from its own input shape, as in
    # the trained model) and both values are recorded. (The trained model itself is no reference: SpectralDense's
    # call is a tf.function, traced while the layer still had k_coef_lip=1, before deel-lip's Sequential(k) set it,
    # so its training steps ignore k; the saved config and any reload use k.)
    again = tf.keras.models.load_model(os.path.join(OUT, name + ".keras"), compile=False)
    assert np.allclose(again.predict(probe, verbose=0), logits, atol=1e-6), "reload changed the logits"
    coefs = {}
    for l in again.layers:
        if isinstance(l, LipschitzLayer):
            reloaded = float(l.coef_lip)
            l._init_lip_coef(l.input_shape)
            coefs[l.name] = {"trained": float(model.get_layer(l.name).coef_lip), "reloadedByDeelLip": reloaded}
            assert coefs[l.name]["trained"] == float(l.coef_lip)
    xb, yb = x[:8], y[:8]
    again.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss=MulticlassHKR(alpha=10.0, min_margin=0.5))
    loss = float(again.train_on_batch(xb, yb))
    after = weights_by_name(again)
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
                "lipCoefficients": coefs,
                "nextStep": {
                    "optimizer": {"className": "SGD", "learningRate": 0.05},
                    "loss": {"className": "MulticlassHKR", "config": {"alpha": 10.0, "minMargin": 0.5}},
                    "x": arr(xb),
                    "y": arr(yb),
                    "lossValue": loss,
                    "weights": after,
                },
            },
            fh,
        )
    sizes = {f: os.path.getsize(os.path.join(OUT, f)) for f in (name + ".h5", name + ".keras", name + ".json")}
    print(name, sizes)


def make_refused():
    """Files loadDeelLipModel must refuse, untrained: a Keras layer it does not load (LayerNormalization, .h5), and a
    weights-only file (`save_weights`, .h5). No JSON: the tests check the error messages. (Every deel-lip 1.5 layer
    class loads; the test of an unknown deel-lip class edits a saved config.)"""
    tf.keras.utils.set_random_seed(1)
    norm = Sequential([tf.keras.Input((4,)), tf.keras.layers.LayerNormalization(name="norm"), SpectralDense(2, name="sd")])
    norm.save(os.path.join(OUT, "refused-layernorm.h5"))
    cnn_model().save_weights(os.path.join(OUT, "refused-weights-only.h5"))
    print("refused", sorted(f for f in os.listdir(OUT) if f.startswith("refused")))


MODELS = {
    "dense": (dense_model, (6,)),
    "cnn": (cnn_model, (8, 8, 1)),
    "zoo": (zoo_model, (12, 12, 2)),
    "functional": (functional_model, (8, 8, 1)),
    "vanilla": (vanilla_model, (8, 8, 1)),
    "regularized": (regularized_model, (8, 8, 1)),
    "convs": (convs_model, (6, 6, 2)),
    "convs_vanilla": (convs_vanilla_model, (6, 6, 2)),
}
for name in sys.argv[1:] or [*MODELS, "refused"]:
    if name == "refused":
        make_refused()
    else:
        make(name, *MODELS[name])
