import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUNetConfig } from '../../../src/models/unet/config.ts';
import { loadFixture } from '../support.ts';

const sd1 = loadFixture('unet-sd1').config as Record<string, unknown>;
const sd2 = loadFixture('unet-sd2').config as Record<string, unknown>;

describe('UNet config', () => {
  it('reads SD-1.x attention_head_dim as the number of heads, per block', () => {
    assert.deepEqual(parseUNetConfig(sd1).heads, [4, 4, 4]);
    assert.deepEqual(parseUNetConfig(sd2).heads, sd2.attention_head_dim);
    assert.equal(parseUNetConfig(sd2).upcastAttention, true);
    assert.equal(parseUNetConfig(sd2).useLinearProjection, true);
  });

  it('names the file and the key of what it does not support', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...sd1, addition_embed_type: 'text_time' }, /my\/unet\/config\.json: addition_embed_type "text_time" is not supported/],
      [{ ...sd1, down_block_types: ['CrossAttnDownBlock2D', 'SimpleCrossAttnDownBlock2D', 'DownBlock2D'] }, /down_block_types\[1\] "SimpleCrossAttnDownBlock2D" is not supported \(supported: CrossAttnDownBlock2D, DownBlock2D\)/],
      [{ ...sd1, block_out_channels: [16, 32] }, /2 block_out_channels but 3 down_block_types/],
      [{ ...sd1, attention_head_dim: [4, 4] }, /num_attention_heads has 2 entries for 3 blocks/],
      [{ ...sd1, attention_head_dim: 5 }, /block 0 has 16 channels, not divisible into 5 attention heads/],
      [{ ...sd1, layers_per_block: 'two' }, /layers_per_block/],
      [{ ...sd1, block_out_channels: undefined }, /block_out_channels/],
    ];
    for (const [config, message] of cases) assert.throws(() => parseUNetConfig(config, 'my/unet/config.json'), message);
  });
});
