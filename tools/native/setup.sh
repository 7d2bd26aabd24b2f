#!/usr/bin/env bash
# Opt-in: builds @tensorflow/tfjs-node's native binding against the TensorFlow
# shared libraries shipped in a PyPI wheel, instead of the libtensorflow 2.9.1
# tarball its install script downloads (which fails offline / is never run
# under pnpm's allowBuilds=false). See tools/native/README.md.
#
# Usage: bash tools/native/setup.sh [cpu|gpu] [--force] [--check] [--remove]
#   cpu (default)  @tensorflow/tfjs-node     + tensorflow-cpu==$LIPNET_TF_VERSION
#   gpu            @tensorflow/tfjs-node-gpu + tensorflow==$LIPNET_TF_VERSION + its
#                  `and-cuda` nvidia-* wheels (CUDA, cuDNN, ...) staged beside it
#   --force        rebuild even when an earlier setup still passes the smoke test
#   --check        only run the smoke test against what is staged; change nothing
#   --remove       delete what this script staged (deps/, build/, lib/); nothing else
#   --download-only  fetch the wheel(s) into tools/native/.cache/wheels and stop
#                  (then copy that folder to an offline machine, e.g. a GPU box)
# Environment:
#   LIPNET_TF_VERSION  TensorFlow wheel version (default 2.15.1, the one deel-lip
#                      1.5 runs on in tools/reference; tfjs-node 4.22 was built
#                      against 2.9.1, whose C API is a subset of 2.15's)
#   LIPNET_TF_WHEEL    path to an already downloaded wheel (skips pip download)
#   LIPNET_PYTHON      python used only for `pip download` (default python3)
#
# What it writes: only NEW paths inside the package folder (deps/, build/,
# lib/), never a file that pnpm hard-linked from its content store, plus
# tools/native/.cache/ (wheels, logs). On any failure it removes what it
# staged, restores what an earlier successful run had staged, and says which
# step failed and why.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="$here/.cache"
variant=cpu
force=0
download_only=0
mode=setup
for arg in "$@"; do
  case "$arg" in
    cpu|gpu) variant="$arg" ;;
    --force) force=1 ;;
    --check) mode=check ;;
    --remove) mode=remove ;;
    --download-only) download_only=1 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "native:setup: unknown argument '$arg' (expected cpu, gpu, --force, --check, --remove, --download-only)" >&2; exit 2 ;;
  esac
done
tf_version="${LIPNET_TF_VERSION:-2.15.1}"
python="${LIPNET_PYTHON:-python3}"
if [ "$variant" = gpu ]; then
  pkg_name="@tensorflow/tfjs-node-gpu"; wheel_dist="tensorflow"
else
  pkg_name="@tensorflow/tfjs-node"; wheel_dist="tensorflow-cpu"
fi
wheel_prefix="${wheel_dist//-/_}-${tf_version}-"
staged=(deps build lib)
marker_rel="deps/.lipnet-native.json"

say() { printf 'native:setup: %s\n' "$*"; }
step_name=""
step() { step_name="$1"; say "[$1] ${2:-}"; }
fail_reason=""
fail() { fail_reason="$*"; exit 1; }

# One run at a time (several people share this checkout).
mkdir -p "$cache/wheels" "$cache/logs"
exec 9>"$cache/.lock"
flock 9

# ---------------------------------------------------------------- locate
step locate "finding $pkg_name"
# Resolve it the way lipnet does: as packages/backend's optional dependency.
pkg="$(cd "$root" && node -e '
  const { createRequire } = require("module");
  const req = createRequire(require("path").join(process.argv[1], "packages/backend/package.json"));
  try { console.log(require("fs").realpathSync(require("path").dirname(req.resolve(process.argv[2] + "/package.json")))); }
  catch (e) { process.exit(1); }' "$root" "$pkg_name" 2>/dev/null)"
if [ -z "$pkg" ]; then
  say "FAILED [locate]: $pkg_name is not installed under packages/backend (it is an optional dependency there; run 'flock /tmp/lipnet-pnpm.lock pnpm install' first)."
  exit 1
fi
pkg_version="$(node -p "require('$pkg/package.json').version")"
say "package: $pkg (version $pkg_version)"
if [ "$pkg_version" != "4.22.0" ]; then
  say "warning: this script was written and tested for $pkg_name 4.22.0, found $pkg_version."
fi
# Where the loader looks for the addon: node-pre-gyp's own `find`, so the
# napi version and folder are exactly the ones dist/index.js will require.
binding_path="$(cd "$pkg" && node -e '
  const { createRequire } = require("module");
  const req = createRequire(process.argv[1] + "/package.json");
  console.log(req("@mapbox/node-pre-gyp").find(process.argv[1] + "/package.json"));' "$pkg")" \
  || { say "FAILED [locate]: @mapbox/node-pre-gyp (a dependency of $pkg_name) could not compute the addon path."; exit 1; }
module_dir="$(dirname "$binding_path")"
napi_version="${module_dir##*napi-v}"
say "addon path: $binding_path (N-API $napi_version)"

ops_path="$module_dir/lipnet_ops.node"
# The binding's smoke test, then (when built) the fused ops' one.
smoke() {
  node "$here/smoke.cjs" --variant "$variant" || return 1
  if [ -f "$ops_path" ]; then node "$here/smoke-ops.cjs" --variant "$variant" || return 1; fi
}

# A run killed by SIGKILL (so no trap ran) leaves these behind; undo it first.
# in-progress marker: every earlier path had been moved to $backup, so what is
# in deps/, build/, lib/ is the killed run's partial staging. Backup alone:
# killed while moving aside, so put back what was moved.
backup="$pkg/.lipnet-native-previous"
inprogress="$pkg/.lipnet-native-in-progress"
if [ -f "$inprogress" ] || [ -d "$backup" ]; then
  say "an interrupted run left $pkg half-staged: undoing it"
  if [ -f "$inprogress" ]; then
    for p in "${staged[@]}"; do rm -rf "${pkg:?}/$p"; done
  fi
  for p in "${staged[@]}"; do
    if [ -e "$backup/$p" ] && [ ! -e "$pkg/$p" ]; then mv "$backup/$p" "$pkg/$p"; fi
  done
  rm -rf "$backup" "$inprogress"
fi

# ---------------------------------------------------------------- remove / check
if [ "$mode" = remove ]; then
  if [ ! -f "$pkg/$marker_rel" ]; then say "nothing staged by lipnet in $pkg"; exit 0; fi
  for p in "${staged[@]}"; do rm -rf "${pkg:?}/$p"; done
  say "removed deps/, build/, lib/ from $pkg"; exit 0
fi
if [ "$mode" = check ]; then
  step smoke "checking the staged binding (no changes)"
  smoke; exit $?
fi

# ---------------------------------------------------------------- idempotence
want_marker="\"variant\": \"$variant\", \"tfVersion\": \"$tf_version\""
if [ "$force" = 0 ] && [ -f "$pkg/$marker_rel" ] && grep -qF "$want_marker" "$pkg/$marker_rel" && [ -f "$binding_path" ]; then
  if ! grep -qF '"opsTried": true' "$pkg/$marker_rel"; then
    say "the staged binding predates lipnet's fused ops: rebuilding with them"
  else
    step smoke "already staged for TensorFlow $tf_version ($variant): re-checking"
    if smoke; then
      [ -f "$ops_path" ] || say "note: lipnet's fused ops are not built (an earlier build failed; --force retries)."
      say "already set up; nothing changed (use --force to rebuild)"; exit 0
    fi
    say "the staged binding fails its smoke test: rebuilding"
  fi
fi

# ---------------------------------------------------------------- safety net
ours=0; [ -f "$pkg/$marker_rel" ] && ours=1
for p in "${staged[@]}"; do
  if [ -e "$pkg/$p" ] && [ "$ours" = 0 ] && [ "$force" = 0 ]; then
    say "FAILED [prepare]: $pkg/$p exists and was not staged by this script (did the package's own install script run?). Re-run with --force to replace it (it is restored if the build fails)."
    exit 1
  fi
done
moved=()
armed=0   # 1 once deps/, build/, lib/ are ours to delete on failure
finish() {
  local rc=$?
  trap - EXIT INT TERM
  rm -rf "${scratch:-}"
  if [ $rc -ne 0 ]; then
    if [ "$armed" = 1 ]; then
      for p in "${staged[@]}"; do rm -rf "${pkg:?}/$p"; done
    fi
    for p in "${moved[@]}"; do mv "$backup/$p" "$pkg/$p"; done
    rm -rf "$backup" "$inprogress"
    say "FAILED [${step_name}]: ${fail_reason:-interrupted or see the messages above}"
    if [ "$armed" = 0 ] && [ ${#moved[@]} -eq 0 ]; then
      say "nothing in $pkg was touched."
    elif [ ${#moved[@]} -gt 0 ]; then
      say "restored the previous staging (${moved[*]}); $pkg is as it was."
    else
      say "removed everything staged; $pkg is as it was."
    fi
  else
    rm -rf "$backup" "$inprogress"
  fi
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM
set_aside() {
  for p in "${staged[@]}"; do
    if [ -e "$pkg/$p" ]; then
      mkdir -p "$backup" && mv "$pkg/$p" "$backup/$p" || fail "cannot move $pkg/$p aside."
      moved+=("$p")
    fi
  done
  armed=1
  : >"$inprogress"
}

# ---------------------------------------------------------------- tools
step tools "checking compiler, node-gyp, Node headers, unzip"
command -v g++ >/dev/null || fail "g++ not found (node-gyp needs a C++ compiler: apt-get install g++ make)."
command -v make >/dev/null || fail "make not found (apt-get install make)."
command -v unzip >/dev/null || fail "unzip not found (apt-get install unzip)."
node_gyp=""
if command -v node-gyp >/dev/null; then node_gyp="$(command -v node-gyp)"; fi
if [ -z "$node_gyp" ]; then
  global_root="$(npm root -g 2>/dev/null || true)"
  for cand in "$global_root/npm/node_modules/node-gyp/bin/node-gyp.js" \
              "$global_root/pnpm/dist/node_modules/node-gyp/bin/node-gyp.js"; do
    if [ -f "$cand" ]; then node_gyp="node $cand"; break; fi
  done
fi
[ -n "$node_gyp" ] || fail "node-gyp not found (neither on PATH nor bundled with npm/pnpm): npm i -g node-gyp."
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
nodedir="${npm_config_nodedir:-$node_prefix}"
[ -f "$nodedir/include/node/node_api.h" ] \
  || fail "Node headers not found at $nodedir/include/node (node-gyp would try to download them). Install them (e.g. the nodejs dev package) or set npm_config_nodedir."
say "node-gyp: $node_gyp; Node headers: $nodedir/include/node ($(node --version))"

# ---------------------------------------------------------------- wheel
step wheel "TensorFlow $tf_version wheel ($wheel_dist)"
wheel="${LIPNET_TF_WHEEL:-}"
if [ -z "$wheel" ]; then
  wheel="$(ls "$cache/wheels/${wheel_prefix}"*manylinux*x86_64*.whl 2>/dev/null | head -n1)"
fi
if [ -z "$wheel" ]; then
  command -v "$python" >/dev/null || fail "$python not found: pip is needed to download $wheel_dist==$tf_version (or pass LIPNET_TF_WHEEL=/path/to.whl)."
  # The shared libraries inside do not depend on the Python ABI: any
  # CPython tag with a wheel will do. Nothing is installed.
  for py in 3.11 3.10 3.12 3.9; do
    if "$python" -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
         --python-version "$py" --implementation cp "$wheel_dist==$tf_version" -d "$cache/wheels" \
         >>"$cache/logs/pip.log" 2>&1; then break; fi
  done
  wheel="$(ls "$cache/wheels/${wheel_prefix}"*manylinux*x86_64*.whl 2>/dev/null | head -n1)"
  [ -n "$wheel" ] || fail "pip download $wheel_dist==$tf_version found no manylinux x86_64 wheel (log: $cache/logs/pip.log)."
fi
say "wheel: $wheel"
cuda_wheels=()
if [ "$variant" = gpu ]; then
  reqs="$(unzip -p "$wheel" "${wheel_prefix%-}.dist-info/METADATA" \
    | sed -n "s/^Requires-Dist: \(nvidia-[A-Za-z0-9_.-]*\) *(\{0,1\}==\([0-9.]*\))\{0,1\} *;.*and-cuda.*/\1==\2/p")"
  [ -n "$reqs" ] || fail "the wheel's METADATA lists no nvidia-* requirement under extra 'and-cuda' (TensorFlow < 2.14 expects a system CUDA instead: install CUDA/cuDNN and set LD_LIBRARY_PATH)."
  for r in $reqs; do
    name="${r%%==*}"; ver="${r##*==}"
    w="$(ls "$cache/wheels/${name//-/_}-${ver}-"*.whl 2>/dev/null | head -n1)"
    if [ -z "$w" ]; then
      "$python" -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
        --python-version 3.11 --implementation cp "$r" -d "$cache/wheels" >>"$cache/logs/pip.log" 2>&1 \
        || fail "pip download $r failed (log: $cache/logs/pip.log)."
      w="$(ls "$cache/wheels/${name//-/_}-${ver}-"*.whl | head -n1)"
    fi
    cuda_wheels+=("$w")
    say "  + $(basename "$w")"
  done
fi
if [ "$download_only" = 1 ]; then
  say "downloaded to $cache/wheels; nothing staged (--download-only). Copy that folder to an offline machine and run without the flag."
  exit 0
fi

# ---------------------------------------------------------------- extract
step extract "libraries and C headers"
scratch="$cache/extract-$variant-$tf_version"
rm -rf "$scratch"; mkdir -p "$scratch"
# The C headers and what they include; their home moves between versions
# (tensorflow/tsl/c in 2.12, tsl/c in 2.15, xla/tsl/c in 2.20). unzip's `*`
# also matches `/`, so these catch every `.../c/...` header and ctstring.
unzip -q -o "$wheel" \
  'tensorflow/libtensorflow_cc.so.2' 'tensorflow/libtensorflow_framework.so.2' \
  'tensorflow/include/*/c/*.h' 'tensorflow/include/*ctstring*.h' \
  -d "$scratch" 2>>"$cache/logs/unzip.log"
tfd="$scratch/tensorflow"
for f in libtensorflow_cc.so.2 libtensorflow_framework.so.2 include/tensorflow/c/c_api.h include/tensorflow/c/eager/c_api.h; do
  [ -f "$tfd/$f" ] || fail "$(basename "$wheel") has no tensorflow/$f (wheels up to 2.10 keep the C API inside python/_pywrap_tensorflow_internal.so, which needs libpython; 2.12.1 and 2.15.1 ship libtensorflow_cc.so.2: pick LIPNET_TF_VERSION >= 2.12)."
done
exports="$cache/logs/exports-$tf_version.txt"
nm -D --defined-only "$tfd/libtensorflow_cc.so.2" "$tfd/libtensorflow_framework.so.2" 2>/dev/null \
  | awk 'NF>=3 {sub(/@.*/, "", $3); print $3}' | grep -E '^TFE?_' | sort -u >"$exports"
say "libtensorflow_cc.so.2 + libtensorflow_framework.so.2 export $(wc -l <"$exports") TF_/TFE_ symbols"

# ---------------------------------------------------------------- stage
step stage "deps/lib and deps/include in $pkg"
set_aside   # from here on, a failure puts $pkg back as it was
mkdir -p "$pkg/deps/lib" "$pkg/deps/include" || fail "cannot create $pkg/deps (permissions?)."
mv "$tfd/libtensorflow_cc.so.2" "$tfd/libtensorflow_framework.so.2" "$pkg/deps/lib/" || fail "cannot move the libraries into $pkg/deps/lib (disk space?)."
cp -r "$tfd/include/." "$pkg/deps/include/" || fail "cannot copy the headers into $pkg/deps/include."
# binding.gyp links -ltensorflow -ltensorflow_framework from deps/lib; the
# addon then records the SONAMEs (libtensorflow_cc.so.2, ...framework.so.2)
# and finds them at run time through its rpath $ORIGIN/../../deps/lib.
ln -sfn libtensorflow_cc.so.2 "$pkg/deps/lib/libtensorflow.so"
ln -sfn libtensorflow_framework.so.2 "$pkg/deps/lib/libtensorflow_framework.so"
rm -rf "$scratch"

if [ "$variant" = gpu ]; then
  step cuda "staging the nvidia-* libraries in deps/nvidia"
  for w in "${cuda_wheels[@]}"; do
    # libtensorflow_cc.so.2's RUNPATH includes $ORIGIN/../nvidia/<lib>/lib,
    # i.e. deps/nvidia/<lib>/lib: no LD_LIBRARY_PATH needed.
    unzip -q -o "$w" 'nvidia/*' -d "$pkg/deps" || fail "could not extract nvidia/ from $w."
  done
  say "$(ls "$pkg/deps/nvidia" | tr '\n' ' ')"
fi

# ---------------------------------------------------------------- build
step build "node-gyp rebuild (N-API $napi_version)"
log="$cache/logs/build-$variant.log"
if ! (cd "$pkg" && $node_gyp rebuild --nodedir="$nodedir" --napi_build_version="$napi_version" \
        --module_name=tfjs_binding --module_path="$module_dir" -j 2) >"$log" 2>&1; then
  grep -E "error|undefined reference|cannot find" "$log" | head -n 15 | sed 's/^/    /'
  fail "node-gyp rebuild failed (compiler/linker messages above; full log: $log)."
fi
[ -f "$binding_path" ] || fail "node-gyp succeeded but $binding_path is missing (full log: $log)."

# ---------------------------------------------------------------- link check
step link "every TF_/TFE_ symbol the addon needs is exported, every library resolves"
missing="$(nm -D --undefined-only "$binding_path" | awk '{print $2}' | sed 's/@.*//' | grep -E '^TFE?_' | sort -u | comm -23 - "$exports")"
if [ -n "$missing" ]; then
  fail "tfjs_binding.node needs symbols that TensorFlow $tf_version does not export: $(echo $missing). The C API of this version is not compatible; try another LIPNET_TF_VERSION."
fi
notfound="$(ldd "$binding_path" | grep 'not found' || true)"
if [ -n "$notfound" ] && [ "$variant" = cpu ]; then
  fail "the dynamic loader cannot resolve: $(echo $notfound)."
fi
say "$(nm -D --undefined-only "$binding_path" | grep -cE ' (TF|TFE)_') TF_/TFE_ symbols needed, all exported"

# ---------------------------------------------------------------- ops
# lipnet's fused ops (GroupSort(2), bias + GroupSort(2), L2-norm pooling,
# Björck, and their gradients) as C++ TensorFlow ops in a Node addon beside the binding,
# compiled against the C++ headers of the same wheel (TensorFlow's custom-op
# flags: C++17, the new libstdc++ ABI, Eigen's 64-byte alignment) and linked
# to its libtensorflow_framework.so.2. Optional: if this step fails, the
# binding still works and lipnet composes stock ops (same numbers, slower).
step ops "lipnet's fused TensorFlow ops (tools/native/ops/*.cc)"
ops_log="$cache/logs/ops-$variant.log"
ops_inc="$cache/ops-include-$variant-$tf_version"
ops_ok=0
# AVX2 + FMA (x86-64-v3) when this CPU has them: the ops are built where they
# run (TensorFlow's own wheel already needs AVX). Pair sorts and pooling run
# 10–25 % faster with it. LIPNET_OPS_MARCH overrides (e.g. x86-64 for a
# node_modules that will be copied to older CPUs).
ops_march="${LIPNET_OPS_MARCH:-}"
if [ -z "$ops_march" ]; then
  ops_march=x86-64
  if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && grep -qw bmi2 /proc/cpuinfo; then ops_march=x86-64-v3; fi
fi
rm -rf "$ops_inc" "$ops_path"; mkdir -p "$ops_inc"
if ! unzip -q -o "$wheel" 'tensorflow/include/*' -d "$ops_inc" >"$ops_log" 2>&1; then
  say "WARNING [ops]: could not extract the C++ headers from $(basename "$wheel") (log: $ops_log)."
elif ! g++ -std=c++17 -O3 -march="$ops_march" -fno-math-errno -fPIC -shared -D_GLIBCXX_USE_CXX11_ABI=1 -DEIGEN_MAX_ALIGN_BYTES=64 \
      -DNAPI_VERSION="$napi_version" -DLIPNET_TF_VERSION="\"$tf_version\"" \
      -I "$ops_inc/tensorflow/include" -I "$nodedir/include/node" "$here"/ops/*.cc -o "$ops_path" \
      -L "$pkg/deps/lib" -l:libtensorflow_framework.so.2 -Wl,-rpath,'$ORIGIN/../../deps/lib' >>"$ops_log" 2>&1; then
  grep -E "error" "$ops_log" | head -n 10 | sed 's/^/    /'
  say "WARNING [ops]: compiling tools/native/ops failed (messages above; log: $ops_log). The binding works without them."
  rm -f "$ops_path"
else
  ops_ok=1
  say "built $ops_path (-march=$ops_march)"
fi
rm -rf "$ops_inc"

# ---------------------------------------------------------------- smoke
step smoke "load, backend name, two training steps vs the cpu backend"
node "$here/smoke.cjs" --variant "$variant" || fail "smoke test failed (messages above)."
if [ "$ops_ok" = 1 ] && ! node "$here/smoke-ops.cjs" --variant "$variant"; then
  rm -f "$ops_path"
  say "WARNING [ops]: lipnet's fused ops failed their smoke test (above) and were removed; lipnet composes stock ops instead."
fi

# The marker records what is staged, so it is written after the smoke tests
# (a failed ops smoke test removes the ops, and `"ops"` says so).
ops_flag=false; [ -f "$ops_path" ] && ops_flag=true
cat >"$pkg/$marker_rel" <<EOF
{ "variant": "$variant", "tfVersion": "$tf_version", "wheel": "$(basename "$wheel")", "napi": $napi_version, "node": "$(node --version)", "opsTried": true, "ops": $ops_flag, "opsMarch": "$ops_march", "stagedBy": "tools/native/setup.sh", "stagedAt": "$(date -u +%FT%TZ)" }
EOF

if [ -f "$ops_path" ]; then
  say "OK: $pkg_name now runs on TensorFlow $tf_version's kernels ($variant), with lipnet's fused ops."
else
  say "OK: $pkg_name now runs on TensorFlow $tf_version's kernels ($variant), without lipnet's fused ops (see the WARNING above)."
fi
say "note: 'pnpm install' keeps it unless it relinks $pkg_name (version change, --force, store prune); then re-run this script."
