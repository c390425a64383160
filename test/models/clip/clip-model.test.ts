import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as E from '../../../src/engine/index.ts';
import {
  buildClipModel, buildClipVision, CLIP_MEAN, CLIP_STD, clipConfigSchema, clipPixelsFromTensor, DEFAULT_CLIP_PROCESSOR, preprocessImages, readClipConfig,
  resizedSize,
} from '../../../src/models/clip/index.ts';
import { Weights } from '../../../src/models/weights.ts';
import { relativeError } from '../support.ts';
import { FIXTURES, need, readIo, tinyClipWeights } from './helpers.ts';

const TOLERANCE = 1e-4;

test(`clip: embeddings, logits and poolers match the PyTorch reference to ${TOLERANCE} (max error / max |reference|)`, async () => {
  const dir = join(FIXTURES, 'clip');
  const config = readClipConfig(dir);
  const io = readIo('clip');
  const pixels = need(io, 'in.pixel_values');
  const ids = need(io, 'in.input_ids');
  const weights = Weights.fromFile(join(dir, 'model.safetensors'));
  const out = buildClipModel(weights, config, { images: pixels.shape[0] as number, texts: ids.shape[0] as number, text: { length: ids.shape[1] as number } });
  assert.deepEqual(weights.unused(), []);
  const outputs: Record<string, E.Tensor> = {
    image_embeds: out.imageEmbeds as E.Tensor,
    text_embeds: out.textEmbeds as E.Tensor,
    logits_per_image: out.logitsPerImage as E.Tensor,
    logits_per_text: out.logitsPerText as E.Tensor,
    vision_pooler_output: out.vision?.poolerOutput as E.Tensor,
    text_pooler_output: out.text?.poolerOutput as E.Tensor,
  };
  const result = await E.evaluate(outputs, { pixel_values: pixels, input_ids: ids });
  const errors: Record<string, number> = {};
  for (const name of Object.keys(outputs)) {
    const expected = need(io, `out.${name}`);
    assert.deepEqual(result[name]?.shape, expected.shape, name);
    errors[name] = relativeError(result[name] as E.HostTensor, expected);
  }
  console.log(`clip max relative errors: ${JSON.stringify(errors)}`);
  for (const [name, error] of Object.entries(errors)) assert.ok(error <= TOLERANCE, `${name}: ${error}`);
});

test('a text-only or image-only CLIP builds only that tower', async () => {
  const config = readClipConfig(join(FIXTURES, 'clip'));
  const weights = Weights.fromFile(join(FIXTURES, 'clip', 'model.safetensors'));
  const imageOnly = buildClipModel(weights, config, { images: 2, texts: 0 });
  assert.equal(imageOnly.text, undefined);
  assert.equal(imageOnly.logitsPerImage, undefined);
  const program = await E.Program.compile({ e: imageOnly.imageEmbeds as E.Tensor });
  assert.deepEqual(program.inputs.map((i) => i.name), ['pixel_values']);
  await program.release();
});

const tiny = clipConfigSchema.parse({
  projection_dim: 6,
  text_config: { vocab_size: 10, hidden_size: 8, intermediate_size: 12, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 4, eos_token_id: 9 },
  vision_config: { hidden_size: 8, intermediate_size: 12, num_hidden_layers: 2, num_attention_heads: 2, image_size: 8, patch_size: 4, hidden_act: 'gelu' },
});

test('float64 gradients w.r.t. pixel values (through the vision tower and CLIP logits) match finite differences', async () => {
  const weights = tinyClipWeights({ hidden: 8, intermediate: 12, layers: 1, visionLayers: 2, vocab: 10, positions: 4, projection: 6, patch: 4, image: 8 }, 'float64');
  const ids = E.constant([5, 1, 9, 9, 5, 9, 0, 0, 3, 4, 2, 9], [3, 4], 'int64');
  const report = await E.checkGradients(
    (pixels) => {
      const out = buildClipModel(weights, tiny, { images: 2, texts: 3, vision: { pixelValues: pixels }, text: { tensors: { inputIds: ids } } });
      return E.concat([out.logitsPerImage as E.Tensor, out.vision?.poolerOutput as E.Tensor], 1);
    },
    [{ shape: [2, 3, 8, 8] }],
    { dtype: 'float64', seed: 11 },
  );
  console.log(`CLIP logits w.r.t. pixel_values: VJP error ${report.vjpError}, JVP error ${report.jvpError}`);
  assert.ok(report.vjpError <= 1e-6, `VJP relative error ${report.vjpError}`);
  assert.ok(report.jvpError <= 1e-6, `JVP relative error ${report.jvpError}`);
});

test('float64 gradients through in-graph preprocessing (resize, crop, normalise) and the vision tower', async () => {
  const weights = tinyClipWeights({ hidden: 8, intermediate: 12, layers: 1, visionLayers: 2, projection: 6, patch: 4, image: 8 }, 'float64');
  const report = await E.checkGradients(
    (image) => {
      const pixels = clipPixelsFromTensor(image, { size: 8 });
      return buildClipVision(weights, tiny.vision_config, { batch: 1, pixelValues: pixels }).imageEmbeds as E.Tensor;
    },
    [{ shape: [1, 3, 12, 10] }],
    { dtype: 'float64', seed: 12 },
  );
  console.log(`vision tower after in-graph preprocessing w.r.t. the image: VJP error ${report.vjpError}, JVP error ${report.jvpError}`);
  assert.ok(report.vjpError <= 1e-6 && report.jvpError <= 1e-6, JSON.stringify(report));
});

test('preprocessImages: shortest-edge resize, center crop, normalisation with CLIP mean/std', async () => {
  assert.deepEqual(resizedSize(640, 480, 224), { width: 298, height: 224 });
  assert.deepEqual(resizedSize(480, 640, 224), { width: 224, height: 298 });
  const config = { ...DEFAULT_CLIP_PROCESSOR, size: 8, crop: { height: 8, width: 8 } };

  // Already the target size: no resampling, so values are exactly (x / 255 - mean) / std.
  const exact = new Uint8Array(8 * 8 * 3).map((_, i) => (i * 29) % 256);
  const a = await preprocessImages([{ data: exact, width: 8, height: 8, channels: 3 }], config);
  assert.deepEqual(a.shape, [1, 3, 8, 8]);
  const got = a.data as Float32Array;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 64; i++) {
      const want = ((exact[i * 3 + c] as number) / 255 - (CLIP_MEAN[c] as number)) / (CLIP_STD[c] as number);
      assert.ok(Math.abs((got[c * 64 + i] as number) - want) < 1e-5);
    }
  }

  // A wide RGBA float image whose red channel is the column index: resized to 16x8, cropped to the middle 8 columns.
  const width = 40;
  const height = 20;
  const wide = new Float32Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) wide.set([x / (width - 1), 0.5, 1, 0.25], (y * width + x) * 4);
  }
  const b = await preprocessImages([{ data: wide, width, height, channels: 4 }], config);
  const red = b.data as Float32Array;
  const redAt = (col: number) => (red[3 * 8 + col] as number) * CLIP_STD[0] + CLIP_MEAN[0]; // row 3 of channel 0, back in [0, 1]
  // Columns 4..11 of the 16 resized columns cover (4 / 16 .. 12 / 16) of the width.
  assert.ok(Math.abs(redAt(0) - (4.5 / 16)) < 0.03, `left of crop ${redAt(0)}`);
  assert.ok(Math.abs(redAt(7) - (11.5 / 16)) < 0.03, `right of crop ${redAt(7)}`);
  const green = ((red[64 + 10] as number) * CLIP_STD[1] + CLIP_MEAN[1]) * 255;
  assert.ok(Math.abs(green - 128) <= 1, `constant green channel ${green}`);

  // In-graph preprocessing (bilinear) agrees with sharp's (cubic) on a smooth image.
  const smooth = new Float32Array(width * height * 3);
  const planar = new Float32Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = [x / (width - 1), y / (height - 1), 0.5 + 0.3 * Math.sin(x / 7)];
      smooth.set(v, (y * width + x) * 3);
      v.forEach((value, c) => (planar[c * width * height + y * width + x] = value));
    }
  }
  const bySharp = await preprocessImages([{ data: smooth, width, height, channels: 3 }], config);
  const image = E.input('image', [1, 3, height, width]);
  const byGraph = await E.evaluate({ p: clipPixelsFromTensor(image, { size: 8, range: [0, 1] }) }, { image: { dtype: 'float32', shape: [1, 3, height, width], data: planar } });
  const difference = relativeError(byGraph.p as E.HostTensor, bySharp);
  assert.ok(difference < 0.05, `in-graph vs sharp preprocessing differ by ${difference}`);
});
