"""Import fixture for @lipnet/interop's loadTorchlipModel: a small deel-torchlip 1.0.5 CNN, trained briefly, exported
with export_torchlip.py, and its logits on fixed inputs (channels first; the test transposes them).

Writes packages/interop/test/fixtures/torchlip/cnn.safetensors, cnn.json (architecture) and cnn.logits.json.
Usage (from the repo root): tools/reference/.venv-torch/bin/python tools/reference/fixtures_interop_torchlip.py
"""
import json
import os
import sys

import numpy as np
import torch
import deel.torchlip as tl

sys.path.insert(0, os.path.dirname(__file__))
from export_torchlip import export_torchlip  # noqa: E402

OUT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "packages", "interop", "test", "fixtures", "torchlip"))
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(20261211)
rng = np.random.default_rng(20261211)


def arr(x):
    x = np.asarray(x, dtype=np.float32)
    return {"shape": list(x.shape), "values": [float(f"{v:.9g}") for v in x.reshape(-1)]}


model = tl.Sequential(
    tl.SpectralConv2d(2, 4, 3, padding=1),
    tl.GroupSort2(),
    tl.ScaledL2NormPool2d(2),
    tl.FrobeniusConv2d(4, 6, 3, padding=1),
    tl.MaxMin(),
    tl.ScaledAvgPool2d(2),
    torch.nn.Flatten(),
    tl.SpectralLinear(12 * 2 * 2, 8),
    tl.GroupSort(4),
    tl.SpectralLinear(8, 6, eps_bjorck=None),
    tl.FullSort(),
    tl.FrobeniusLinear(6, 3),
)
x = torch.tensor(rng.normal(size=(64, 2, 8, 8)), dtype=torch.float32)
y = torch.tensor(rng.integers(0, 3, size=64))
loss = tl.HKRMulticlassLoss(alpha=0.9, min_margin=0.5)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
model.train()
for i in range(0, 64, 16):
    opt.zero_grad()
    loss(model(x[i : i + 16]), torch.nn.functional.one_hot(y[i : i + 16], 3).float()).backward()
    opt.step()
arch = export_torchlip(model, (2, 8, 8), os.path.join(OUT, "cnn"))
probe = torch.tensor(rng.normal(size=(5, 2, 8, 8)), dtype=torch.float32)
with torch.no_grad():
    logits = model(probe)
with open(os.path.join(OUT, "cnn.logits.json"), "w") as fh:
    json.dump({"generator": "tools/reference/fixtures_interop_torchlip.py", "probeNCHW": arr(probe), "logits": arr(logits)}, fh)
print({f: os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT)})

# The safetensors reader's dtypes: the same values stored as F32, F64, F16 and BF16 by the safetensors library,
# with what torch reads back as float32 (`.float()`), including ±0, subnormal halves, ±inf and a NaN.
from safetensors.torch import save_file  # noqa: E402

base = torch.tensor([[0.0, -0.0, 1.0, -2.5, 3.14159265, 65504.0], [6.1e-5, 5.96e-8, 1e-3, float("inf"), float("-inf"), float("nan")]])
stored = {"f32": base.float(), "f64": base.double(), "f16": base.half(), "bf16": base.bfloat16()}
save_file(stored, os.path.join(OUT, "dtypes.safetensors"), metadata={"purpose": "dtype test"})
with open(os.path.join(OUT, "dtypes.json"), "w") as fh:
    json.dump({k: [v if np.isfinite(v) else str(v) for v in t.float().reshape(-1).tolist()] for k, t in stored.items()}, fh)
