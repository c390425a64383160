import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';

export type ExecutionProvider = 'cpu' | 'webgpu';
export type ProviderRequest = ExecutionProvider | 'auto';

export interface ProviderChoice {
  readonly provider: ExecutionProvider;
  /** Why this provider was chosen; says so when WebGPU was wanted but unavailable. */
  readonly reason: string;
}

const probes = new Map<ProviderRequest, Promise<ProviderChoice>>();

/** The provider named by RETOUCH_EP ('cpu', 'webgpu' or 'auto'), CPU when unset. */
export function requestedProvider(env: NodeJS.ProcessEnv = process.env): ProviderRequest {
  const value = (env.RETOUCH_EP ?? 'cpu').toLowerCase();
  if (value === 'cpu' || value === 'webgpu' || value === 'auto') return value;
  throw new Error(`RETOUCH_EP must be cpu, webgpu or auto, got '${env.RETOUCH_EP}'`);
}

/** A one-node model used to find out whether a WebGPU adapter exists. */
function probeModel(): Uint8Array {
  const { onnx } = onnxProto;
  const info = { name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } };
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 18 }],
      graph: { name: 'probe', node: [{ opType: 'Neg', input: ['x'], output: ['y'] }], input: [info], output: [{ ...info, name: 'y' }] },
    }),
  ).finish();
}

async function probeWebGpu(): Promise<string | null> {
  try {
    const session = await ort.InferenceSession.create(probeModel(), { executionProviders: ['webgpu'] });
    await session.release();
    return null;
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    // onnxruntime prefixes the source location and failed check; keep Dawn's own words.
    return message.match(/was false\. (.*)$/)?.[1] ?? message;
  }
}

/**
 * Resolves a request to a provider: WebGPU when asked for (or on 'auto') and an adapter answers,
 * otherwise the CPU with a message saying why. Probed once per process.
 */
export function chooseProvider(request: ProviderRequest = requestedProvider(), log: (line: string) => void = console.warn): Promise<ProviderChoice> {
  if (request === 'cpu') return Promise.resolve({ provider: 'cpu', reason: 'CPU requested' });
  let choice = probes.get(request);
  if (!choice) {
    choice = probeWebGpu().then((failure): ProviderChoice => {
      if (failure === null) return { provider: 'webgpu', reason: 'WebGPU adapter found' };
      const reason = `WebGPU execution provider unavailable (${failure}); falling back to the CPU execution provider`;
      log(`[engine] ${reason}`);
      return { provider: 'cpu', reason };
    });
    probes.set(request, choice);
  }
  return choice;
}
