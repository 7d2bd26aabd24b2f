"""Side-by-side benchmark: the Demo 4 network trained by deel-lip 1.5.0 on TensorFlow CPU.

The reference figures that lipnet's own benchmarks are compared with (same machine, same
run). A measurement tool: CI never runs it and it asserts nothing about time.

Usage (from the repo root, after `bash tools/reference/setup.sh`; the CW part also needs
`tools/reference/.venv/bin/pip install foolbox==3.3.4 "numpy<2"`):
    tools/reference/.venv/bin/python tools/reference/bench_deel_lip.py --out /tmp/deel-lip.json
Options: --batch 4096 --steps 5 --warmup 2 --data fashion|random --threads N (intra- and
inter-op threads; 0 keeps TensorFlow's default) --no-epoch --attack-steps 1000
--attack-images 10 --no-attack.

What it measures, with the notebook's settings (shared/reference/demo4-notebook.rst):
* the model: SpectralConv2D(16, 3x3, GroupSort2, orthogonal) -> ScaledL2NormPooling2D ->
  SpectralConv2D(32) -> ScaledL2NormPooling2D -> Flatten -> SpectralDense(64, GroupSort2)
  -> FrobeniusDense(10, no bias), deel.lip Sequential(k_coef_lip=1.0), deel-lip 1.5 default
  normaliser settings (eps 1e-3, beta 0.5, at most 10 power / 15 Bjorck iterations);
* loss MulticlassHKR(alpha=100, min_margin=0.5) (1.5 semantics = the notebook's 1.2 0.25),
  Adam(1e-4), metrics accuracy + MulticlassKR, batch 4096;
* `train_on_batch` time per step on one fixed batch (warm-up steps excluded: they trace
  the graph), and one `fit` epoch over the 60,000 training images (shuffle, no validation)
  plus, separately, the validation pass the notebook adds to each epoch;
* inference images/s of the vanilla-exported model (10,000 images, batch 4096);
* foolbox `L2CarliniWagnerAttack` cost: `--attack-steps` Adam steps on `--attack-images`
  test images, one binary-search step, abort_early off (so every step runs), timed after a
  short warm-up; reported as seconds per 1,000 steps and projected to the notebook's
  6 x 8000 steps (an upper bound: the notebook keeps abort_early on).
Writes one JSON object to --out and prints it.
"""
import argparse
import gzip
import json
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FASHION = "/usr/share/datasets/fashion-mnist"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="path of the JSON result")
    p.add_argument("--batch", type=int, default=4096)
    p.add_argument("--steps", type=int, default=5, help="timed train_on_batch steps")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (graph tracing)")
    p.add_argument("--data", choices=["fashion", "random"], default="fashion")
    p.add_argument("--threads", type=int, default=0, help="intra/inter-op threads, 0 = TF default")
    p.add_argument("--no-epoch", action="store_true")
    p.add_argument("--attack-steps", type=int, default=1000)
    p.add_argument("--attack-images", type=int, default=10)
    p.add_argument("--no-attack", action="store_true")
    return p.parse_args()


def read_idx(path):
    import numpy as np
    with gzip.open(path, "rb") as f:
        buf = f.read()
    ndim = buf[3]
    dims = [int.from_bytes(buf[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_data(kind):
    import numpy as np
    if kind == "fashion" and os.path.exists(os.path.join(FASHION, "train-images-idx3-ubyte.gz")):
        xs = read_idx(os.path.join(FASHION, "train-images-idx3-ubyte.gz"))
        ys = read_idx(os.path.join(FASHION, "train-labels-idx1-ubyte.gz"))
        xt = read_idx(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz"))
        yt = read_idx(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz"))
        source = "fashion-mnist IDX files (%s)" % FASHION
    else:
        rng = np.random.default_rng(7)
        xs = rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8)
        ys = rng.integers(0, 10, 60000).astype(np.uint8)
        xt = rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8)
        yt = rng.integers(0, 10, 10000).astype(np.uint8)
        source = "random uint8 images and labels (seed 7)"
    prep = lambda x: (x.astype("float32") / 255.0)[..., None]
    eye = np.eye(10, dtype="float32")
    return prep(xs), eye[ys], ys.astype("int64"), prep(xt), eye[yt], yt.astype("int64"), source


def main():
    args = parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf

    if args.threads > 0:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import deel.lip
    from deel.lip.layers import (SpectralConv2D, SpectralDense, FrobeniusDense,
                                 ScaledL2NormPooling2D, GroupSort2)
    from deel.lip.model import Sequential
    from deel.lip.losses import MulticlassHKR, MulticlassKR
    from tensorflow.keras.layers import Input, Flatten
    from tensorflow.keras.optimizers import Adam

    load_start = os.getloadavg()
    x_train, y_train, _, x_test, y_test, y_test_ord, source = load_data(args.data)
    tf.keras.utils.set_random_seed(1)

    model = Sequential(
        [
            Input(shape=(28, 28, 1)),
            SpectralConv2D(16, (3, 3), activation=GroupSort2(), use_bias=True,
                           kernel_initializer="orthogonal"),
            ScaledL2NormPooling2D(pool_size=(2, 2), data_format="channels_last"),
            SpectralConv2D(32, (3, 3), activation=GroupSort2(), use_bias=True,
                           kernel_initializer="orthogonal"),
            ScaledL2NormPooling2D(pool_size=(2, 2), data_format="channels_last"),
            Flatten(),
            SpectralDense(64, activation=GroupSort2(), use_bias=True,
                          kernel_initializer="orthogonal"),
            FrobeniusDense(10, activation=None, use_bias=False,
                           kernel_initializer="orthogonal"),
        ],
        k_coef_lip=1.0,
        name="hkr_model",
    )
    model.compile(loss=MulticlassHKR(alpha=100, min_margin=0.5), optimizer=Adam(1e-4),
                  metrics=["accuracy", MulticlassKR()])

    result = {
        "tool": "tools/reference/bench_deel_lip.py",
        "deelLip": deel.lip.__version__, "tensorflow": tf.__version__, "python": platform.python_version(),
        "cpuCount": os.cpu_count(),
        "cpuAffinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpuModel": _cpu_model(),
        "intraOpThreads": tf.config.threading.get_intra_op_parallelism_threads(),
        "interOpThreads": tf.config.threading.get_inter_op_parallelism_threads(),
        "threadsNote": "0 means TensorFlow's default: one intra-op thread per logical CPU it sees",
        "oneDNN": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on for x86 Linux)"),
        "data": source, "batch": args.batch, "paramsTotal": int(model.count_params()),
        "paramsTrainable": int(sum(int(np.prod(w.shape)) for w in model.trainable_weights)),
        "loss": "MulticlassHKR(alpha=100, min_margin=0.5)", "optimizer": "Adam(1e-4)",
        "loadAverageStart": list(load_start),
    }

    # ---- training step: one fixed batch, warm-up excluded -------------------------------
    xb, yb = x_train[: args.batch], y_train[: args.batch]
    times, cpu_times, losses = [], [], []
    for i in range(args.warmup + args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        out = model.train_on_batch(xb, yb, return_dict=True)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        losses.append(float(out["loss"]))
        if i >= args.warmup:
            times.append(dt)
            cpu_times.append(dc)
        print("step %d%s: %.3f s (cpu %.3f s), loss %.4f" % (
            i + 1, " (warm-up)" if i < args.warmup else "", dt, dc, out["loss"]), file=sys.stderr)
    med = statistics.median(times)
    result.update({
        "warmup": args.warmup, "steps": args.steps,
        "stepSeconds": {"median": med, "min": min(times), "max": max(times), "all": times},
        "cpuSecondsPerStep": {"median": statistics.median(cpu_times), "all": cpu_times},
        "cpuNote": "user+system CPU seconds of all threads of this process; robust to other load",
        "imagesPerSecond": args.batch / med,
        "epochSecondsFromStep": len(x_train) / args.batch * med,
        "losses": losses,
    })

    # ---- one epoch, as model.fit runs it (15 steps, the last one partial) -------------
    if not args.no_epoch:
        t0, c0 = time.perf_counter(), time.process_time()
        model.fit(x_train, y_train, batch_size=args.batch, epochs=1, shuffle=True, verbose=0)
        result["epochSeconds"] = time.perf_counter() - t0
        result["epochCpuSeconds"] = time.process_time() - c0
        result["epochSteps"] = -(-len(x_train) // args.batch)
        t0 = time.perf_counter()
        model.evaluate(x_test, y_test, batch_size=args.batch, verbose=0)
        result["validationSeconds"] = time.perf_counter() - t0
        print("epoch: %.2f s (+ validation %.2f s)" % (result["epochSeconds"], result["validationSeconds"]),
              file=sys.stderr)

    # ---- inference of the vanilla export ----------------------------------------------
    vanilla = model.vanilla_export()
    vanilla.predict(x_test[: args.batch], batch_size=args.batch, verbose=0)
    t0 = time.perf_counter()
    vanilla.predict(x_test, batch_size=args.batch, verbose=0)
    result["vanillaInferenceImagesPerSecond"] = len(x_test) / (time.perf_counter() - t0)

    # ---- Carlini-Wagner cost -------------------------------------------------------------
    if args.no_attack:
        result["cw"] = {"skipped": "--no-attack"}
    else:
        result["cw"] = cw_cost(vanilla, x_test, y_test_ord, args)

    result["processThreads"] = _thread_count()
    result["peakRssMiB"] = _peak_rss_mib()
    result["loadAverageEnd"] = list(os.getloadavg())
    text = json.dumps(result, indent=2)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text + "\n")
    print(text)


def cw_cost(vanilla, x_test, y_test_ord, args):
    try:
        import foolbox as fb
    except ImportError as e:
        return {"skipped": "foolbox is not installed (%s): tools/reference/.venv/bin/pip install "
                           "foolbox==3.3.4 'numpy<2'" % e}
    import numpy as np
    import tensorflow as tf

    # one image per class, in test-set order (the notebook takes the first correctly
    # classified one; correctness does not change the cost with abort_early off)
    idx = [int(np.flatnonzero(y_test_ord == c)[0]) for c in range(10)][: args.attack_images]
    while len(idx) < args.attack_images:
        idx.append(len(idx))
    images = tf.convert_to_tensor(x_test[idx])
    labels = tf.convert_to_tensor(y_test_ord[idx])
    fmodel = fb.TensorFlowModel(vanilla, bounds=(0.0, 1.0), device="/CPU:0")
    warm = fb.attacks.L2CarliniWagnerAttack(binary_search_steps=1, steps=20, abort_early=False)
    warm(fmodel, images, labels, epsilons=None)
    attack = fb.attacks.L2CarliniWagnerAttack(binary_search_steps=1, steps=args.attack_steps,
                                              abort_early=False)
    t0, c0 = time.perf_counter(), time.process_time()
    _, advs, success = attack(fmodel, images, labels, epsilons=None)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    per_1000 = dt / args.attack_steps * 1000
    return {
        "foolbox": fb.__version__, "images": len(idx), "steps": args.attack_steps,
        "binarySearchSteps": 1, "abortEarly": False, "seconds": dt,
        "secondsPer1000Steps": per_1000, "cpuSeconds": dc,
        "projectedNotebookSeconds": per_1000 * 48,
        "projectionNote": "6 binary-search steps x 8000 steps = 48,000 steps with every step run; "
                          "the notebook keeps abort_early, which can only shorten it",
        "successes": int(np.sum(np.asarray(success))),
    }


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _thread_count():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def _peak_rss_mib():
    import resource
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
