import * as E from '../../engine/index.ts';
import type { Weights } from '../weights.ts';
import type { UNetConfig } from './config.ts';
import { UNetControls } from './controls.ts';
import type { ControlInput, UNetLayout } from './hooks.ts';
import { buildUNet, type UNetBuildOptions } from './unet.ts';

export interface UNetStepInput {
  sample: E.HostTensor;
  /** One timestep per batch element (float32). */
  timestep: E.HostTensor;
  encoderHiddenStates: E.HostTensor;
}

export interface UNetStepOptions {
  controls?: UNetControls;
  /** Capture outputs to return (names from `captureNames`). */
  capture?: readonly string[];
  /** LoRA feeds (`lora.<module>.down/up`), when built with LoRA sites. */
  lora?: Record<string, E.HostTensor>;
}

export interface UNetStepResult {
  sample: E.HostTensor;
  captures: Record<string, E.HostTensor>;
}

/** A UNet compiled for one resolution, batch and dtype; hooks driven through `controls()`. */
export class CompiledUNet {
  private constructor(
    readonly program: E.Program,
    readonly layout: UNetLayout,
    readonly captureNames: readonly string[],
    private readonly controlInputs: readonly ControlInput[],
    readonly options: UNetBuildOptions,
  ) {}

  static async compile(config: UNetConfig, weights: Weights, options: UNetBuildOptions, compile: E.CompileOptions = {}): Promise<CompiledUNet> {
    const graph = buildUNet(config, weights, options);
    const program = await E.Program.compile({ out_sample: graph.output, ...graph.captures }, compile);
    return new CompiledUNet(program, graph.layout, Object.keys(graph.captures), graph.controls, options);
  }

  /** A fresh set of neutral controls for this graph. */
  controls(): UNetControls {
    return new UNetControls(this.layout, this.controlInputs, this.options.dtype ?? 'float32');
  }

  async step(input: UNetStepInput, options: UNetStepOptions = {}): Promise<UNetStepResult> {
    const controls = this.controlInputs.length ? (options.controls ?? this.controls()).feeds() : {};
    const feeds = {
      sample: input.sample,
      timestep: input.timestep,
      encoder_hidden_states: input.encoderHiddenStates,
      ...controls,
      ...options.lora,
    };
    const outputs = await this.program.run(feeds, ['out_sample', ...(options.capture ?? [])]);
    const { out_sample: sample, ...captures } = outputs;
    return { sample: sample as E.HostTensor, captures };
  }

  async release(): Promise<void> {
    await this.program.release();
  }
}
