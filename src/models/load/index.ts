export {
  findWeights, loadDiffusersFolder, readComponentTensors,
  type Component, type DiffusersFolder, type DiffusersIndex, type LoadFolderOptions, type ModelComponent, type OtherComponent,
  type SchedulerComponent, type TokenizerComponent,
} from './diffusers-folder.ts';
export { convertSingleFile, loadSingleFile, type ConvertedComponent, type SingleFileCheckpoint, type SingleFileOptions } from './single-file.ts';
export { canonicalJson, fileHash, isPickleFile, readJson, readJsonObject, readSafetensorsHeader, readTensors } from './files.ts';
