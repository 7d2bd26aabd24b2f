export * from './errors';
export type { FileBytes } from './bytes';
export { loadDeelLipModel } from './deel-lip/load-deel-lip-model';
export type { LoadDeelLipModelOptions } from './deel-lip/load-deel-lip-model';
export { loadTorchlipModel } from './torchlip/load-torchlip-model';
export type { TorchlipArchitecture, TorchlipLayerSpec } from './torchlip/load-torchlip-model';
export { readSafetensors } from './safetensors/read-safetensors';
export type { SafeTensor } from './safetensors/read-safetensors';
