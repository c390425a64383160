export * from './dtype.ts';
export {
  COMPOSITE_OPS, constant, currentScope, formatShape, GraphError, input, node, numel, param, PRIMITIVE_OPS,
  scalar, scope, Tensor, topologicalOrder, type Attrs, type OpName,
} from './tensor.ts';
export * from './ops/elementwise.ts';
export * from './ops/reduce.ts';
export * from './ops/movement.ts';
export * from './ops/linalg.ts';
export * from './ops/nn.ts';
export { grad, vjp, VJP_RULES } from './autodiff/vjp.ts';
export { jvp, JVP_RULES } from './autodiff/jvp.ts';
export { EMITTED_OPS, emitGraph, encodeModel, OPSET, type EmitOptions, type EmittedGraph, type ValueInfo } from './onnx/emit.ts';
export { saveModel, type SavedModel, type SaveOptions } from './onnx/save.ts';
export { evaluate, fromOrt, Program, toOrt, type CompileOptions, type Float32Tensor, type HostTensor } from './runtime/session.ts';
export { chooseProvider, requestedProvider, type ExecutionProvider, type ProviderChoice, type ProviderRequest } from './runtime/ep.ts';
export { graphHash } from './runtime/cache.ts';
export { Random } from './random.ts';
export { checkGradients, type CheckedInput, type GradientCheckOptions, type GradientReport } from './gradcheck.ts';
export { adam, adamw, sgd, type AdamOptions, type Optimizer, type SgdOptions } from './optim.ts';
export { Trainer, type TrainerOptions } from './runtime/trainer.ts';
export { convertHost, decodeSafetensors, encodeSafetensors, loadParams, readSafetensors, writeSafetensors, type SafetensorsFile } from './safetensors.ts';
