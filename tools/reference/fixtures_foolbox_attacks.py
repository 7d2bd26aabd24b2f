"""Runs foolbox 3.3.4's attacks on small committed models and inputs and writes
packages/attacks/test/fixtures/foolbox-attacks.json for lipnet's parity tests.

Models (weights written into the JSON, so lipnet runs the very same ones):
  * "linear": z = x W + b, 12 inputs in [0, 1], 4 classes, 6 correctly classified samples;
  * "image": 6x6x1 images (zero border, a bright 2x2 square), z = flatten(x) V + c, 3 classes.
Each attack runs with the settings recorded next to its result. Deterministic attacks record per-sample
success and distance; random ones record success rates and median distances (compared statistically).
Also records scipy.ndimage.gaussian_filter on a fixed image (the GaussianBlurAttack kernel).

Usage: tools/reference/.venv/bin/python tools/reference/fixtures_foolbox_attacks.py
(needs foolbox==3.3.4, tensorflow-cpu 2.15, numba, scipy; see README.md).
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.ndimage
import tensorflow as tf
import foolbox as fb

OUT = os.path.join(os.path.dirname(__file__), "../../packages/attacks/test/fixtures/foolbox-attacks.json")
rng = np.random.default_rng(19)


def linear_model():
    D, C = 12, 4
    W = rng.normal(size=(D, C)).astype(np.float32)
    b = (0.3 * rng.normal(size=C)).astype(np.float32)
    xs = rng.uniform(0.3, 0.7, size=(200, D)).astype(np.float32)
    return W, b, xs


def image_model():
    H = 6
    V = rng.normal(size=(H * H, 3)).astype(np.float32)
    c = (0.1 * rng.normal(size=3)).astype(np.float32)
    imgs = np.zeros((40, H, H, 1), np.float32)
    for i in range(40):
        r, q = rng.integers(1, H - 2, size=2)
        imgs[i, r : r + 2, q : q + 2, 0] = rng.uniform(0.6, 1.0)
        imgs[i, 1 : H - 1, 1 : H - 1, 0] += rng.uniform(0, 0.2, size=(H - 2, H - 2)).astype(np.float32)
    return V, c, np.clip(imgs, 0, 1)


def keras_dense(W, b, input_shape):
    m = tf.keras.Sequential([tf.keras.layers.Input(input_shape), tf.keras.layers.Flatten(), tf.keras.layers.Dense(W.shape[1])])
    m.layers[-1].set_weights([W, b])
    return m


def pick(model, xs, n):
    z = model(xs).numpy()
    y = z.argmax(1)
    return xs[:n], y[:n]


def starting_points(model, x, y, pool):
    zp = model(pool).numpy().argmax(1)
    out = []
    for i in range(len(x)):
        j = int(np.flatnonzero(zp != y[i])[0])
        out.append(pool[j])
    return np.stack(out)


def dist(x, xp, p):
    d = (xp - x).reshape(len(x), -1)
    if p == "l0":
        return (np.abs(d) > 0).sum(1).astype(float)
    if p == "l1":
        return np.abs(d).sum(1)
    if p == "l2":
        return np.sqrt((d**2).sum(1))
    return np.abs(d).max(1)


def run(fmodel, attack, x, y, eps=None, norm="l2", targets=None, **kw):
    crit = fb.criteria.TargetedMisclassification(tf.constant(targets)) if targets is not None else tf.constant(y)
    raw, clipped, success = attack(fmodel, tf.constant(x), crit, epsilons=eps, **kw)
    if isinstance(clipped, list):
        return [
            {"epsilon": e, "success": s.numpy().astype(int).tolist(), "distance": dist(x, c.numpy(), norm).tolist()}
            for e, c, s in zip(eps, clipped, success)
        ]
    s = success.numpy().astype(bool)
    d = dist(x, clipped.numpy(), norm)
    return {"success": s.astype(int).tolist(), "distance": d.tolist()}


def main():
    tf.random.set_seed(0)
    W, b, pool = linear_model()
    lin = keras_dense(W, b, (12,))
    x, y = pick(lin, pool, 6)
    fl = fb.TensorFlowModel(lin, bounds=(0, 1))
    starts = starting_points(lin, x, y, pool[6:])
    V, c, imgs = image_model()
    img = keras_dense(V, c, (6, 6, 1))
    xi, yi = pick(img, imgs, 8)
    fi = fb.TensorFlowModel(img, bounds=(0, 1))
    A = fb.attacks
    out = {
        "foolbox": fb.__version__,
        "tensorflow": tf.__version__,
        "scipy": scipy.__version__,
        "linear": {"W": W.tolist(), "b": b.tolist(), "x": x.tolist(), "labels": y.tolist(), "startingPoints": starts.tolist()},
        "image": {"V": V.tolist(), "c": c.tolist(), "x": xi.tolist(), "labels": yi.tolist()},
        "deterministic": {},
        "random": {},
    }
    det = out["deterministic"]
    # Minimum-norm attacks (epsilons=None).
    mins = {
        "L0FMNAttack": (A.L0FMNAttack(steps=100), "l0", {}),
        "L1FMNAttack": (A.L1FMNAttack(steps=100, max_stepsize=0.3), "l1", {}),
        "L2FMNAttack": (A.L2FMNAttack(steps=100), "l2", {}),
        "LInfFMNAttack": (A.LInfFMNAttack(steps=100), "linf", {}),
        "EADAttack": (A.EADAttack(binary_search_steps=8, steps=300, decision_rule="L1", initial_stepsize=0.05), "l1", {}),
        "NewtonFoolAttack": (A.NewtonFoolAttack(), "l2", {}),
        "L2DeepFoolAttack": (A.L2DeepFoolAttack(), "l2", {}),
        "LinfDeepFoolAttack": (A.LinfDeepFoolAttack(), "linf", {}),
        "L2CarliniWagnerAttack": (A.L2CarliniWagnerAttack(binary_search_steps=6, steps=200), "l2", {}),
        # foolbox's trust region is lr·N·D·(max−min): lr/N here equals lipnet's lr·D·(max−min) with lr = 0.02.
        "L2BrendelBethgeAttack": (A.L2BrendelBethgeAttack(steps=150, lr=0.02 / 6), "l2", {"starting_points": tf.constant(starts)}),
        "L1BrendelBethgeAttack": (A.L1BrendelBethgeAttack(steps=150, lr=0.02 / 6), "l1", {"starting_points": tf.constant(starts)}),
        "LinfinityBrendelBethgeAttack": (A.LinfinityBrendelBethgeAttack(steps=150, lr=0.02 / 6), "linf", {"starting_points": tf.constant(starts)}),
        "L0BrendelBethgeAttack": (A.L0BrendelBethgeAttack(steps=150, lr=0.02 / 6), "l0", {"starting_points": tf.constant(starts)}),
        "BinarySearchContrastReductionAttack": (A.BinarySearchContrastReductionAttack(), "l2", {}),
        "LinearSearchContrastReductionAttack": (A.LinearSearchContrastReductionAttack(), "l2", {}),
        "InversionAttack": (A.InversionAttack(), "l2", {}),
    }
    for name, (att, norm, kw) in mins.items():
        print(name, file=sys.stderr)
        det[name] = {"model": "linear", "norm": norm, **run(fl, att, x, y, None, norm, **kw)}
    for name, att in {
        "GaussianBlurAttack": A.GaussianBlurAttack(steps=100, channel_axis=3),
        "SpatialAttack": A.SpatialAttack(),
    }.items():
        print(name, file=sys.stderr)
        if name == "SpatialAttack":
            raw, clipped, success = att(fi, tf.constant(xi), tf.constant(yi))
            det[name] = {"model": "image", "norm": "l2", "success": success.numpy().astype(int).tolist(), "distance": dist(xi, clipped.numpy(), "l2").tolist()}
        else:
            det[name] = {"model": "image", "norm": "l2", **run(fi, att, xi, yi, None, "l2")}
    # Fixed-ε attacks without randomness, at three ε per norm.
    eps = {"l1": [0.1, 0.3, 0.6], "l2": [0.03, 0.1, 0.2], "linf": [0.01, 0.03, 0.06]}
    fixed = {
        "L1FastGradientAttack": (A.L1FastGradientAttack(), "l1"),
        "L2FastGradientAttack": (A.L2FastGradientAttack(), "l2"),
        "LinfFastGradientAttack": (A.LinfFastGradientAttack(), "linf"),
        "L1BasicIterativeAttack": (A.L1BasicIterativeAttack(), "l1"),
        "L2BasicIterativeAttack": (A.L2BasicIterativeAttack(), "l2"),
        "LinfBasicIterativeAttack": (A.LinfBasicIterativeAttack(), "linf"),
        "L1AdamBasicIterativeAttack": (A.L1AdamBasicIterativeAttack(), "l1"),
        "L2AdamBasicIterativeAttack": (A.L2AdamBasicIterativeAttack(), "l2"),
        "LinfAdamBasicIterativeAttack": (A.LinfAdamBasicIterativeAttack(), "linf"),
        "L1MomentumIterativeFastGradientMethod": (A.L1MomentumIterativeFastGradientMethod(), "l1"),
        "L2MomentumIterativeFastGradientMethod": (A.L2MomentumIterativeFastGradientMethod(), "l2"),
        "LinfMomentumIterativeFastGradientMethod": (A.LinfMomentumIterativeFastGradientMethod(), "linf"),
        "SparseL1DescentAttack": (A.SparseL1DescentAttack(), "l1"),
        "L1ProjectedGradientDescentAttack": (A.L1ProjectedGradientDescentAttack(random_start=False), "l1"),
        "L2ProjectedGradientDescentAttack": (A.L2ProjectedGradientDescentAttack(random_start=False), "l2"),
        "LinfProjectedGradientDescentAttack": (A.LinfProjectedGradientDescentAttack(random_start=False), "linf"),
        "L1AdamProjectedGradientDescentAttack": (A.L1AdamProjectedGradientDescentAttack(random_start=False), "l1"),
        "L2AdamProjectedGradientDescentAttack": (A.L2AdamProjectedGradientDescentAttack(random_start=False), "l2"),
        "LinfAdamProjectedGradientDescentAttack": (A.LinfAdamProjectedGradientDescentAttack(random_start=False), "linf"),
        "L2ContrastReductionAttack": (A.L2ContrastReductionAttack(), "l2"),
    }
    for name, (att, norm) in fixed.items():
        print(name, file=sys.stderr)
        det[name] = {"model": "linear", "norm": norm, "settings": "randomStart false" if "Projected" in name else "defaults", "runs": run(fl, att, x, y, eps[norm], norm)}
    # Random attacks: success rate and median distance over the 6 samples.
    rnd = out["random"]
    randoms = {
        "L2AdditiveGaussianNoiseAttack": (A.L2AdditiveGaussianNoiseAttack(), "l2", [0.5, 2.0]),
        "L2RepeatedAdditiveGaussianNoiseAttack": (A.L2RepeatedAdditiveGaussianNoiseAttack(), "l2", [0.5, 2.0]),
        "LinfRepeatedAdditiveUniformNoiseAttack": (A.LinfRepeatedAdditiveUniformNoiseAttack(), "linf", [0.1, 0.3]),
        "L2ClippingAwareRepeatedAdditiveUniformNoiseAttack": (A.L2ClippingAwareRepeatedAdditiveUniformNoiseAttack(), "l2", [0.5, 2.0]),
        "SaltAndPepperNoiseAttack": (A.SaltAndPepperNoiseAttack(), "l2", None),
        "LinearSearchBlendedUniformNoiseAttack": (A.LinearSearchBlendedUniformNoiseAttack(distance=fb.distances.l2), "l2", None),
        "BoundaryAttack": (A.BoundaryAttack(steps=2000), "l2", None),
        "HopSkipJumpAttack": (A.HopSkipJumpAttack(steps=10), "l2", None),
        "VirtualAdversarialAttack": (A.VirtualAdversarialAttack(steps=1, xi=1e-3), "l2", [0.1, 0.3]),
        "L2ProjectedGradientDescentAttack": (A.L2ProjectedGradientDescentAttack(), "l2", [0.03, 0.1, 0.2]),
        "LinfProjectedGradientDescentAttack": (A.LinfProjectedGradientDescentAttack(), "linf", [0.01, 0.03, 0.06]),
    }
    for name, (att, norm, e) in randoms.items():
        print(name, file=sys.stderr)
        rs = [run(fl, att, x, y, e, norm) for _ in range(5)]
        if e is None:
            succ = [float(np.mean(r["success"])) for r in rs]
            med = [float(np.median([d for d, s in zip(r["distance"], r["success"]) if s] or [np.nan])) for r in rs]
            rnd[name] = {"model": "linear", "norm": norm, "successRate": float(np.mean(succ)), "medianDistance": float(np.nanmean(med))}
        else:
            rnd[name] = {"model": "linear", "norm": norm, "epsilons": e, "successRate": [float(np.mean([np.mean(r[k]["success"]) for r in rs])) for k in range(len(e))]}
    # foolbox 3.3.4's PointwiseAttack raises on TensorFlow models (eagerpy's index_update with list
    # indices: "'list' object has no attribute 'dtype'"), so it has no fixture.
    rnd["PointwiseAttack"] = {"error": "foolbox 3.3.4 PointwiseAttack fails on TensorFlow models (eagerpy index_update)"}
    # GenAttack is targeted only.
    t = (y + 1) % 4
    print("GenAttack", file=sys.stderr)
    gs = [run(fl, A.GenAttack(steps=200), x, y, [0.05, 0.15], "linf", targets=t) for _ in range(3)]
    rnd["GenAttack"] = {"model": "linear", "norm": "linf", "epsilons": [0.05, 0.15], "targets": t.tolist(), "successRate": [float(np.mean([np.mean(r[k]["success"]) for r in gs])) for k in range(2)]}
    img0 = np.linspace(0, 1, 30, dtype=np.float64).reshape(5, 6) ** 2
    out["gaussianFilter"] = {
        "image": img0.tolist(),
        "sigmas": [0.5, 1.7, 7.0],
        "filtered": [scipy.ndimage.gaussian_filter(img0, s).tolist() for s in [0.5, 1.7, 7.0]],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", os.path.abspath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
