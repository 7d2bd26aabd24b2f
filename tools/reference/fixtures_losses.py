"""Parity fixtures for @lipnet/losses, computed by deel-lip itself.

Writes packages/losses/test/fixtures/deel-lip-losses.json with:

* ``cases``: deel-lip 1.5.0 loss values (``deel.lip.losses``, TensorFlow 2.15 CPU) for
  several random batches per loss and per label convention, with reductions
  ``none`` (element-wise), ``auto`` (mean over the batch) and ``sum``.
* ``legacy``: deel-lip 1.2.0 batch-scalar values (the version Demo 4 ran in 2021),
  computed by the real 1.2.0 ``deel.lip.losses`` module in a second Python process
  (1.2.0 and 1.5.0 share the package name). 1.2.0 is installed with ``--no-deps``
  into ``tools/reference/.venv/legacy-deel-lip-1.2.0`` (ignored by git); its losses
  only use ``tf.keras.losses.Loss`` so they run unchanged on TensorFlow 2.15.

* ``softHKR``: stateful ``MulticlassSoftHKR`` sequences. That class is missing from the
  1.5.0 wheel; it is taken from deel-lip's master source (VERSION 1.5.1), whose
  ``deel/lip/losses.py`` path is given in ``DEEL_LIP_MASTER_LOSSES`` (its sha256 is
  recorded). Without the variable, the committed sequences are kept.

Usage (from the repository root, after ``bash tools/reference/setup.sh``):

    DEEL_LIP_MASTER_LOSSES=/path/to/deel-lip/deel/lip/losses.py \
      tools/reference/.venv/bin/python tools/reference/fixtures_losses.py

Nothing here is imported by the tests: they read the committed JSON.
"""
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "packages", "losses", "test", "fixtures", "deel-lip-losses.json")
LEGACY_DIR = os.path.join(HERE, ".venv", "legacy-deel-lip-1.2.0")
INF = float("inf")


def _batches():
    """Deterministic batches. Each has float32 predictions and labels in 3 forms."""
    rng = np.random.default_rng(20211109)
    out = []
    # (name, n, C, scale, force an empty class)
    specs = [
        ("mc_n8_c3", 8, 3, 1.5, False),
        ("mc_n16_c10", 16, 10, 2.0, False),
        ("mc_n6_c4_empty_class", 6, 4, 1.0, True),
        ("mc_n32_c5", 32, 5, 0.3, False),
    ]
    for name, n, c, scale, empty in specs:
        cls = rng.integers(0, c - 1 if empty else c, size=n)
        if not empty:
            cls[:c] = np.arange(c)  # every class present at least once
            rng.shuffle(cls)
        pred = (rng.standard_normal((n, c)) * scale).astype(np.float32)
        onehot = np.eye(c, dtype=np.float32)[cls]
        out.append({"name": name, "kind": "multiclass", "y_pred": pred, "classes": cls,
                    "y01": onehot, "ypm": (2 * onehot - 1).astype(np.float32)})
    bspecs = [("bin_n8", 8, 1, 1.0), ("bin_n20", 20, 1, 2.0), ("bin_n7_multilabel_c3", 7, 3, 1.0)]
    for name, n, c, scale in bspecs:
        y = rng.integers(0, 2, size=(n, c)).astype(np.float32)
        y[0, :] = 1.0
        y[1, :] = 0.0
        pred = (rng.standard_normal((n, c)) * scale).astype(np.float32)
        out.append({"name": name, "kind": "binary", "y_pred": pred, "y01": y,
                    "ypm": (2 * y - 1).astype(np.float32)})
    return out


def _jsonable(x):
    if isinstance(x, float) and x == INF:
        return "inf"
    return x


def modern():
    import tensorflow as tf
    import deel.lip
    from deel.lip import losses as L

    batches = _batches()
    mc_losses = [
        ("MulticlassKR", {}, lambda r: L.MulticlassKR(reduction=r)),
        ("MulticlassHinge", {"minMargin": 1.0}, lambda r: L.MulticlassHinge(1.0, reduction=r)),
        ("MulticlassHinge", {"minMargin": 0.5}, lambda r: L.MulticlassHinge(0.5, reduction=r)),
        ("MulticlassHKR", {"alpha": 10.0, "minMargin": 1.0}, lambda r: L.MulticlassHKR(10.0, 1.0, reduction=r)),
        ("MulticlassHKR", {"alpha": 100.0, "minMargin": 0.5}, lambda r: L.MulticlassHKR(100.0, 0.5, reduction=r)),
        ("MulticlassHKR", {"alpha": INF, "minMargin": 1.0}, lambda r: L.MulticlassHKR(np.inf, 1.0, reduction=r)),
        ("MultiMargin", {"minMargin": 1.0}, lambda r: L.MultiMargin(1.0, reduction=r)),
        ("MultiMargin", {"minMargin": 0.7}, lambda r: L.MultiMargin(0.7, reduction=r)),
        ("CategoricalHinge", {"minMargin": 1.0}, lambda r: L.CategoricalHinge(1.0, reduction=r)),
        ("CategoricalHinge", {"minMargin": 0.3}, lambda r: L.CategoricalHinge(0.3, reduction=r)),
        ("TauCategoricalCrossentropy", {"tau": 1.0}, lambda r: L.TauCategoricalCrossentropy(1.0, reduction=r)),
        ("TauCategoricalCrossentropy", {"tau": 10.0}, lambda r: L.TauCategoricalCrossentropy(10.0, reduction=r)),
        ("TauSparseCategoricalCrossentropy", {"tau": 1.0},
         lambda r: L.TauSparseCategoricalCrossentropy(1.0, reduction=r)),
        ("TauSparseCategoricalCrossentropy", {"tau": 8.0},
         lambda r: L.TauSparseCategoricalCrossentropy(8.0, reduction=r)),
    ]
    bin_losses = [
        ("KR", {}, lambda r: L.KR(reduction=r)),
        ("HingeMargin", {"minMargin": 1.0}, lambda r: L.HingeMargin(1.0, reduction=r)),
        ("HingeMargin", {"minMargin": 0.4}, lambda r: L.HingeMargin(0.4, reduction=r)),
        ("HKR", {"alpha": 10.0, "minMargin": 1.0}, lambda r: L.HKR(10.0, 1.0, reduction=r)),
        ("HKR", {"alpha": 2.5, "minMargin": 2.0}, lambda r: L.HKR(2.5, 2.0, reduction=r)),
        ("HKR", {"alpha": INF, "minMargin": 1.0}, lambda r: L.HKR(np.inf, 1.0, reduction=r)),
        ("TauBinaryCrossentropy", {"tau": 1.0}, lambda r: L.TauBinaryCrossentropy(1.0, reduction=r)),
        ("TauBinaryCrossentropy", {"tau": 5.0}, lambda r: L.TauBinaryCrossentropy(5.0, reduction=r)),
    ]
    cases = []
    for b in batches:
        specs = mc_losses if b["kind"] == "multiclass" else bin_losses
        for loss_name, args, make in specs:
            if loss_name == "TauBinaryCrossentropy" and b["y_pred"].shape[1] != 1:
                continue
            conventions = ["01", "pm1"]
            if loss_name == "TauSparseCategoricalCrossentropy":
                conventions = ["sparse"]
            if loss_name == "TauCategoricalCrossentropy":
                conventions = ["01"]  # CCE takes probabilities, not {-1, 1}
            for conv in conventions:
                if conv == "sparse":
                    y_true = b["classes"].astype(np.int32)
                else:
                    y_true = b["y01"] if conv == "01" else b["ypm"]
                values = {}
                for red in ["none", "auto", "sum"]:
                    v = make(red)(tf.constant(y_true), tf.constant(b["y_pred"])).numpy()
                    values[red] = np.asarray(v, dtype=np.float64).reshape(-1).tolist() if red == "none" else float(v)
                cases.append({
                    "loss": loss_name,
                    "args": {k: _jsonable(v) for k, v in args.items()},
                    "batch": b["name"],
                    "labels": conv,
                    "yTrue": np.asarray(y_true).tolist(),
                    "yPred": b["y_pred"].astype(np.float64).tolist(),
                    "none": values["none"],
                    "mean": values["auto"],
                    "sum": values["sum"],
                })
    return {"deelLip": deel.lip.__version__, "tensorflow": tf.__version__, "cases": cases}


def legacy():
    """Runs inside a process whose sys.path starts with the 1.2.0 package."""
    import tensorflow as tf
    import deel.lip
    from deel.lip import losses as L

    assert os.path.abspath(deel.lip.__file__).startswith(LEGACY_DIR), deel.lip.__file__
    import importlib.metadata as md
    dists = [d for d in md.distributions(path=[LEGACY_DIR]) if d.metadata["Name"] == "deel-lip"]
    version = dists[0].version
    assert version == "1.2.0", version
    batches = _batches()
    out = []
    specs_mc = [
        ("MulticlassKR", {}, lambda: L.MulticlassKR()),
        ("MulticlassHinge", {"minMargin": 0.25}, lambda: L.MulticlassHinge(0.25)),
        ("MulticlassHinge", {"minMargin": 1.0}, lambda: L.MulticlassHinge(1.0)),
        ("MulticlassHKR", {"alpha": 100.0, "minMargin": 0.25}, lambda: L.MulticlassHKR(100.0, 0.25)),
        ("MulticlassHKR", {"alpha": 10.0, "minMargin": 1.0}, lambda: L.MulticlassHKR(10.0, 1.0)),
        ("MultiMargin", {"minMargin": 1.0}, lambda: L.MultiMargin(1.0)),
    ]
    specs_bin = [
        ("KR", {}, lambda: L.KR),
        ("HingeMargin", {"minMargin": 1.0}, lambda: L.HingeMargin(1.0)),
        ("HKR", {"alpha": 10.0, "minMargin": 1.0}, lambda: L.HKR(10.0, 1.0)),
    ]
    for b in batches:
        specs = specs_mc if b["kind"] == "multiclass" else specs_bin
        for loss_name, args, make in specs:
            v = make()(tf.constant(b["y01"]), tf.constant(b["y_pred"])).numpy()
            out.append({"loss": loss_name, "args": args, "batch": b["name"], "labels": "01",
                        "yTrue": b["y01"].tolist(), "yPred": b["y_pred"].astype(np.float64).tolist(),
                        "value": float(v)})
    # deel-lip's own hand-written 8x3 example (tests/test_losses.py), under 1.2.0.
    y = np.eye(3, dtype=np.float32)[[0, 0, 0, 1, 1, 1, 2, 2]]
    p = np.array([[1.5, 0.2, -0.5], [1, -1.2, 0.3], [0.8, 2, -2], [0, 1, -0.5], [-0.8, 2, 0],
                  [2.4, -0.4, -1.1], [-0.1, -1.7, 0.6], [1.2, 1.3, 2.5]], dtype=np.float32)
    v = L.MulticlassHKR(100.0, 0.25)(tf.constant(y), tf.constant(p)).numpy()
    out.append({"loss": "MulticlassHKR", "args": {"alpha": 100.0, "minMargin": 0.25}, "batch": "deel_lip_test_8x3",
                "labels": "01", "yTrue": y.tolist(), "yPred": p.astype(np.float64).tolist(), "value": float(v)})
    return {"deelLip": version, "tensorflow": tf.__version__, "cases": out}


def soft_hkr(source):
    """MulticlassSoftHKR is not in the deel-lip 1.5.0 wheel (PyPI's newest); it is in the
    deel-lip master source (VERSION 1.5.1, commit 0d1cdae). That file is loaded as a module
    from ``source`` (a checkout's ``deel/lip/losses.py``), in its own process."""
    import hashlib
    import importlib.util
    import tensorflow as tf

    spec = importlib.util.spec_from_file_location("deel_lip_master_losses", source)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    batches = [b for b in _batches() if b["kind"] == "multiclass"]
    configs = [
        {"alpha": 10.0, "minMargin": 1.0, "alphaMean": 0.99, "temperature": 1.0},
        {"alpha": 50.0, "minMargin": 0.2, "alphaMean": 0.9, "temperature": 10.0},
        {"alpha": INF, "minMargin": 1.0, "alphaMean": 0.99, "temperature": 1.0},
    ]
    sequences = []
    for cfg in configs:
        for red in ["none", "auto"]:
            loss = mod.MulticlassSoftHKR(cfg["alpha"], cfg["minMargin"], cfg["alphaMean"], cfg["temperature"],
                                         reduction=red)
            steps = []
            # The loss is stateful: replay the batches in order, both label conventions.
            for b in batches:
                for conv in ["01", "pm1"]:
                    y_true = b["y01"] if conv == "01" else b["ypm"]
                    v = loss(tf.constant(y_true), tf.constant(b["y_pred"])).numpy()
                    steps.append({"batch": b["name"], "labels": conv, "yTrue": y_true.tolist(),
                                  "yPred": b["y_pred"].astype(np.float64).tolist(),
                                  "value": np.asarray(v, dtype=np.float64).tolist(),
                                  "currentMean": float(loss.current_mean.numpy()[0])})
            sequences.append({"args": {k: _jsonable(v) for k, v in cfg.items()},
                              "reduction": "mean" if red == "auto" else red, "steps": steps})
    digest = hashlib.sha256(open(source, "rb").read()).hexdigest()
    return {"source": "deel-lip master deel/lip/losses.py (VERSION 1.5.1)", "sha256": digest,
            "tensorflow": tf.__version__, "sequences": sequences}


def ensure_legacy_package():
    if os.path.isdir(os.path.join(LEGACY_DIR, "deel", "lip")):
        return
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                           "--target", LEGACY_DIR, "deel-lip==1.2.0"])


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--softhkr-child":
        json.dump(soft_hkr(sys.argv[2]), sys.stdout)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--legacy-child":
        sys.path.insert(0, LEGACY_DIR)
        json.dump(legacy(), sys.stdout)
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    ensure_legacy_package()
    res = subprocess.run([sys.executable, os.path.abspath(__file__), "--legacy-child"],
                         check=True, capture_output=True, text=True)
    legacy_data = json.loads(res.stdout)
    data = modern()
    data["legacy"] = legacy_data
    master = os.environ.get("DEEL_LIP_MASTER_LOSSES")
    if master:
        res = subprocess.run([sys.executable, os.path.abspath(__file__), "--softhkr-child", master],
                             check=True, capture_output=True, text=True)
        data["softHKR"] = json.loads(res.stdout)
    elif os.path.exists(OUT):
        prev = json.load(open(OUT))
        if "softHKR" in prev:
            data["softHKR"] = prev["softHKR"]  # keep the committed sequences
    data["generator"] = "tools/reference/fixtures_losses.py"
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(data['cases'])} deel-lip {data['deelLip']} cases, "
          f"{len(legacy_data['cases'])} deel-lip {legacy_data['deelLip']} legacy cases")


if __name__ == "__main__":
    main()
