// The procedural world: scenes, captions, rendering, edits with their true results, the edit
// benchmark, and the analysis that reads any image of this world back into a scene. Its images and
// seeded randomness are the general ones of src/support.
export {
  BACKGROUNDS, COLOURS, COLOUR_RGB, PATTERN_SHADE, POSITIONS, SHAPES, SIZES, SIZE_RADIUS, STYLES,
  isBackground, isColour, isPosition, isShape, isSize, isStyle, positionAt, positionCentre, positionIndex,
  type Background, type Colour, type Position, type Rgb, type Shape, type Size, type Style,
} from './vocabulary.ts';
export { backgroundBaseColour } from './backgrounds.ts';
export { shapeArea, shapeBounds, shapeSignedDistance } from './shapes.ts';
export {
  sampleObject, sampleScene, sceneObjectSchema, sceneProblem, sceneSchema, sortObjects,
  type Scene, type SceneObject, type SceneSamplingOptions,
} from './scene.ts';
export { captionOf, describeObject, objectPhrase, parseCaption, parseObjectPhrase, readPrompt, type ParsedCaption, type PromptScene } from './caption.ts';
export {
  DEFAULT_IMAGE_SIZE, objectCoverage, objectPlacement, renderScene,
  type RenderOptions, type RenderedScene,
} from './render.ts';
export {
  EDIT_TYPES, applyEdit, instructionOf, parseInstruction, sampleEdit,
  type Edit, type EditResult, type EditType,
} from './edits.ts';
export { BENCHMARK_SEED, generateEditBenchmark, writeEditBenchmark, type BenchmarkOptions, type EditCase } from './benchmark.ts';
export { addGaussianNoise, colourJitter, degrade, downUpScale, gaussianBlur, warp, type DegradeOptions } from './degrade.ts';
export { analyseImage, nameColour, styleEvidence, type AnalysisOptions, type DetectedObject, type ImageAnalysis, type StyleEvidence } from './analysis.ts';
export {
  OBJECT_ATTRIBUTES, editRegion, scoreCaption, scoreEdit, scoreScene,
  type EditScore, type EditScoreOptions, type ObjectAttribute, type ObjectScore, type SceneScore,
} from './scoring.ts';
