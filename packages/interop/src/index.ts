export * from './errors';
export type { FileBytes } from './bytes';
export { loadDeelLipModel } from './deel-lip/load-deel-lip-model';
export type { LoadDeelLipModelOptions } from './deel-lip/load-deel-lip-model';
