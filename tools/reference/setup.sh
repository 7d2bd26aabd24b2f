#!/usr/bin/env bash
# Installs deel-lip 1.5.0 (the newest on PyPI), TensorFlow CPU and foolbox 3.3.4 into tools/reference/.venv,
# for generating parity fixtures and side-by-side benchmarks. Opt-in: CI and the
# tests never need it (fixtures are committed as JSON).
# Usage: bash tools/reference/setup.sh   (then tools/reference/.venv/bin/python …)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip
# deel-lip 1.5 needs tensorflow >= 2.4, < 2.16; 2.15 is the last with Keras 2.
"$venv/bin/pip" install -q "tensorflow-cpu==2.15.1" "deel-lip==1.5.0" "foolbox==3.3.4" "numpy<2"
# deel-lip 1.2.0 (the version Demo 4 ran) beside it, for the legacy loss fixtures.
"$venv/bin/pip" install -q --upgrade --no-deps --target "$venv/legacy-deel-lip-1.2.0" "deel-lip==1.2.0"
"$venv/bin/python" -c "import deel.lip, tensorflow as tf; print('deel-lip', deel.lip.__version__, 'tensorflow', tf.__version__)"
