/**
 * The LIPNET_* switches `selectBackend` reads (env-flags.ts: unset or 1 on, 0 off,
 * anything else refused before any backend loads), and the ones that act at once.
 */
import { envFlag } from './env-flags';
import { installFrugalBackprop, uninstallFrugalBackprop } from './frugal-backprop';
import { setNativeWinograd } from './tf-graph/native-training-forward';
import { setConvWinograd } from './wasm-kernels/conv-winograd';
import { setKernelPass } from './kernel-pass/kernel-training-forward';

/** The switches the backend attempts read later. */
export interface BackendFlags {
  /** LIPNET_RELAXED_SIMD: relaxed SIMD where the runtime has it. */
  relaxedSetting: 'on' | 'off';
  /** LIPNET_CW_GRAPH: C&W steps as one TensorFlow graph each (tf-graph/native-cw-step.ts). */
  cwGraph: boolean;
  /** LIPNET_TRAIN_GRAPH: `compileTrainingForward` on (tf-graph/native-training-forward.ts). */
  trainGraph: boolean;
}

/**
 * Reads every switch from `env`; applies LIPNET_FRUGAL_BACKPROP (frugal-backprop.ts: the same
 * gradients with the memory released as it goes), LIPNET_KERNEL_PASS (kernel-pass/: `compileKernelPass` on) and LIPNET_WINOGRAD (conv-winograd.ts for wasm; the
 * native training graph's Winograd ops, tf-graph/native-training-forward.ts) now.
 */
export function applyBackendFlags(env: Record<string, string | undefined>): BackendFlags {
  const relaxedSetting = envFlag(env, 'LIPNET_RELAXED_SIMD', 'relaxed SIMD where the runtime has it') ? 'on' : 'off';
  const frugal = envFlag(
    env,
    'LIPNET_FRUGAL_BACKPROP',
    'free gradients and saved activations during the backward pass',
  );
  const winograd = envFlag(
    env,
    'LIPNET_WINOGRAD',
    "Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions (wasm kernels; the native training graph's ops)",
  );
  const cwGraph = envFlag(env, 'LIPNET_CW_GRAPH', "L2CarliniWagnerAttack's steps as one TensorFlow graph each");
  const trainGraph = envFlag(
    env,
    'LIPNET_TRAIN_GRAPH',
    "training steps' forward and backward passes as TensorFlow graph runs (compileTrainingForward)",
  );
  const kernelPass = envFlag(
    env,
    'LIPNET_KERNEL_PASS',
    "training steps' forward and backward passes as direct kernel calls on wasm (compileKernelPass)",
  );
  setKernelPass(kernelPass);
  if (frugal) installFrugalBackprop();
  else uninstallFrugalBackprop();
  setConvWinograd(winograd ? 'auto' : 'off');
  setNativeWinograd(winograd);
  return { relaxedSetting, cwGraph, trainGraph };
}
