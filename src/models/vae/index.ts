export { parseVaeConfig, vaeScaleFactor, type VaeConfig } from './config.ts';
export { AutoencoderKL, buildDecoder, buildEncoder, fromLatent, normalizeVaeTensors, toLatent, type LatentDistribution } from './autoencoder.ts';
export { imageToTensor, rgbToTensor, tensorToPng, tensorToRgb, type ImageToTensorOptions } from './image.ts';
