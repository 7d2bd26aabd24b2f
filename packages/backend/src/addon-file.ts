import * as fs from 'fs';
import * as path from 'path';

/**
 * `lib/<napi-v*>/<fileName>` inside a native package folder, where
 * node-pre-gyp puts (and `tools/native/setup.sh` builds) a Node addon, if it
 * exists: `tfjs_binding.node` (tfjs-node's binding) or `lipnet_ops.node`
 * (lipnet's fused TensorFlow ops).
 */
export function addonFile(packageDir: string, fileName: string): string | undefined {
  const lib = path.join(packageDir, 'lib');
  if (!fs.existsSync(lib)) return undefined;
  for (const sub of fs.readdirSync(lib)) {
    const f = path.join(lib, sub, fileName);
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}
