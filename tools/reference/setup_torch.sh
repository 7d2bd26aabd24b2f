#!/usr/bin/env bash
# Installs deel-torchlip 1.0.5 (the newest on PyPI) and PyTorch (CPU) into tools/reference/.venv-torch,
# for torchlip parity fixtures, the safetensors export route and side-by-side benchmarks.
# Opt-in: CI and the tests never need it (fixtures are committed).
# Usage: bash tools/reference/setup_torch.sh   (then tools/reference/.venv-torch/bin/python …)
#
# PyPI's Linux torch wheel is the CUDA build: it pulls the CUDA runtime wheels (nvidia-*,
# cuda-toolkit, several GB) and cannot be imported without them, even on a CPU-only
# machine (it preloads libcudart/libcublasLt). Only PyPI is reachable here (no CPU-only
# index), so they are installed too; the code runs on the CPU (`cuda False` below).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-torch"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q "torch==2.15.0" "numpy<2" "safetensors==0.8.0" "h5py==3.16.0"
"$venv/bin/pip" install -q --no-deps "deel-torchlip==1.0.5"
"$venv/bin/python" -c "import torch, deel.torchlip as tl; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'deel-torchlip', getattr(tl, '__version__', '?'))"
