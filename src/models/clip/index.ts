export {
  clipConfigSchema, clipTextConfigSchema, clipVisionConfigSchema, parseConfig, readClipConfig, readClipTextConfig, readConfig, weightsFile,
  type ClipConfig, type ClipTextConfig, type ClipVisionConfig,
} from './config.ts';
export { BOS_TOKEN, CLIP_SPLIT_PATTERN, ClipTokenizer, clipTokenizerJson, EOS_TOKEN, parseMerges, type ClipTokenizerOptions, type PaddedBatch } from './tokenizer.ts';
export { clipAttention, clipEncoder, clipEncoderLayer, l2Normalize, maskValue, type EncoderSizes } from './encoder.ts';
export { buildClipText, causalMask, loadClipText, eosOneHot, poolAt, type ClipTextOptions, type ClipTextOutputs } from './text-encoder.ts';
export { buildClipModel, buildClipVision, loadClipModel, type ClipModelOptions, type ClipModelOutputs, type ClipVisionOptions, type ClipVisionOutputs } from './clip-model.ts';
export {
  CLIP_MEAN, CLIP_STD, clipPixelsFromTensor, DEFAULT_CLIP_PROCESSOR, preprocessImages, readClipProcessorConfig, resizeAndCrop, resizedSize,
  type ClipImageInput, type ClipImageProcessorConfig,
} from './preprocess.ts';
export { ClipScorer, cosine } from './scorer.ts';
