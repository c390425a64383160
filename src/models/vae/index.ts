export { parseVaeConfig, vaeScaleFactor, type VaeConfig } from './config.ts';
export { AutoencoderKL, buildDecoder, buildEncoder, fromLatent, normalizeVaeTensors, toLatent, type LatentDistribution } from './autoencoder.ts';
export { rgbToTensor, tensorToImage, tensorToPng, tensorToRgb } from './image.ts';
