export { LayerCentering, layerCentering } from './layer-centering';
export type { LayerCenteringArgs } from './layer-centering';
export { ScaleBiasLayer, scaleBiasLayer } from './scale-bias-layer';
export type { ScaleBiasLayerArgs } from './scale-bias-layer';
export { BatchLipNorm, batchLipNorm } from './batch-lip-norm';
export type { BatchLipNormArgs } from './batch-lip-norm';
export { BatchCentering, batchCentering } from './batch-centering';
export type { BatchCenteringArgs } from './batch-centering';
