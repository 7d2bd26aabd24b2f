export { saveModel, loadModel } from './save-load';
export type { SavedModelFiles, LoadModelOptions } from './save-load';
export { fileSystem } from './file-system';
