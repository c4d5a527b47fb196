#!/usr/bin/env bash
# The fast path of lib/ml: @tensorflow/tfjs-node with a native libtensorflow taken from registries,
# because its installer downloads from storage.googleapis.com, which this network does not reach.
#   - libtensorflow_cc.so.2 (exports the C API) and libtensorflow_framework.so.2: TensorFlow 2.10.1 from
#     the TensorFlow Java native jar on Maven Central (org.tensorflow:tensorflow-core-api:0.5.0:linux-x86_64);
#   - the C API headers of the same release out of the tensorflow-cpu 2.10.1 wheel on PyPI (range requests:
#     only the headers are transferred);
#   - the addon built locally with node-gyp against them.
# tfjs-node expects libtensorflow 2.9.1; the C API it calls is unchanged in 2.10. lib/ml/backend.test.ts
# checks the native backend computes what wasm computes. Idempotent; downloads are cached in .cache/.
set -euo pipefail
cd "$(dirname "$0")/.."

TFJS_VERSION=4.22.0
TF_JAVA_VERSION=0.5.0
TF_VERSION=2.10.1
cache=.cache/tfjs-native
# Its own install prefix, so the npm installs of the main tree never prune it; lib/ml/backend.ts looks here.
prefix=.cache/tfjs-node
pkg=$prefix/node_modules/@tensorflow/tfjs-node
log() { echo "[tfjs-native] $*"; }

if [[ "$(uname -sm)" != "Linux x86_64" ]]; then log "only linux x86_64 is supported here; tfjs falls back to wasm"; exit 0; fi

loads() { (cd "$prefix" 2>/dev/null && node -e 'require("@tensorflow/tfjs-node")' >/dev/null 2>&1); }
if loads; then log "@tensorflow/tfjs-node already loads from $prefix"; exit 0; fi

mkdir -p "$cache"
jar="$cache/tensorflow-core-api-$TF_JAVA_VERSION-linux-x86_64.jar"
if [[ ! -f "$jar" ]]; then
  base="https://repo1.maven.org/maven2/org/tensorflow/tensorflow-core-api/$TF_JAVA_VERSION/tensorflow-core-api-$TF_JAVA_VERSION-linux-x86_64.jar"
  log "downloading $(basename "$jar") from Maven Central (117 MB)"
  curl -sSfL --retry 3 -o "$jar.part" "$base"
  expected=$(curl -sSfL --retry 3 "$base.sha1" | cut -c1-40)
  actual=$(sha1sum "$jar.part" | cut -c1-40)
  [[ "$expected" == "$actual" ]] || { log "sha1 mismatch for $jar: $actual != $expected"; rm -f "$jar.part"; exit 1; }
  mv "$jar.part" "$jar"
fi

headers="$cache/include-$TF_VERSION"
if [[ ! -f "$headers/tensorflow/c/eager/c_api.h" ]]; then
  wheel=$(curl -sSfL --retry 3 https://pypi.org/simple/tensorflow-cpu/ | grep -o "https://[^\"#]*tensorflow_cpu-$TF_VERSION-cp310-cp310-manylinux[^\"#]*\.whl" | head -1)
  [[ -n "$wheel" ]] || { log "tensorflow-cpu $TF_VERSION wheel not found on PyPI"; exit 1; }
  rm -rf "$headers.part"
  python3 scripts/tfjs-native/fetch-members.py "$wheel" "tensorflow/include/tensorflow/c/" "tensorflow/include/" "$headers.part"
  python3 scripts/tfjs-native/fetch-members.py "$wheel" "tensorflow/include/tensorflow/core/platform/ctstring" "tensorflow/include/" "$headers.part"
  rm -rf "$headers" && mv "$headers.part" "$headers"
fi

if [[ ! -f "$pkg/binding.gyp" ]]; then
  log "installing @tensorflow/tfjs-node@$TFJS_VERSION into $prefix without its download script"
  mkdir -p "$prefix"
  [[ -f "$prefix/package.json" ]] || echo '{ "name": "tickmesh-tfjs-node", "private": true }' > "$prefix/package.json"
  (cd "$prefix" && npm install --save-exact --ignore-scripts --no-audit --no-fund --loglevel=error "@tensorflow/tfjs-node@$TFJS_VERSION")
fi

rm -rf "$pkg/deps" && mkdir -p "$pkg/deps/lib"
cp -r "$headers" "$pkg/deps/include"
unzip -o -j -q "$jar" 'org/tensorflow/internal/c_api/linux-x86_64/libtensorflow_cc.so.2' 'org/tensorflow/internal/c_api/linux-x86_64/libtensorflow_framework.so.2' -d "$pkg/deps/lib"
ln -sf libtensorflow_cc.so.2 "$pkg/deps/lib/libtensorflow.so"
ln -sf libtensorflow_framework.so.2 "$pkg/deps/lib/libtensorflow_framework.so"

napi=8
gyp="$(npm prefix -g 2>/dev/null)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
log "building the addon with node-gyp (napi v$napi)"
(cd "$pkg" && node "$gyp" rebuild --nodedir="$(dirname "$(dirname "$(command -v node)")")" --napi_build_version=$napi --module_name=tfjs_binding --module_path="$PWD/lib/napi-v$napi" -j 2 >/dev/null)

if (cd "$prefix" && node -e 'const tf = require("@tensorflow/tfjs-node"); console.log("[tfjs-native] backend", tf.getBackend(), "tfjs", tf.version.tfjs)'); then
  log "ready: lib/ml uses the native backend"
else
  log "the addon does not load; lib/ml keeps using wasm"; exit 1
fi
