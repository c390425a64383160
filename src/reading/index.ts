// The one way production reaches the procedural world (.dependency-cruiser.cjs enforces it): the
// shipped model's read-back of its own pictures, the checks of an edit or a drawing against what was
// asked, the areas an edit may touch, and the world's words (its shapes, colours, sizes, places,
// patterns and backgrounds, their colours, and its captions), which the planner and the chat's wording use for a
// model that draws only that world. The evaluation suites build scenes of the world directly.
export { hasReader, IN_WORLD_FIT_DB, readPicture, sceneOf, type Reading } from './read.ts';
export { checkDrawing, checkScene, type Change } from './check.ts';
export { sampleWorldCaptions } from './captions.ts';
export { cell, changeArea, objectsArea } from './area.ts';
export {
  BACKGROUNDS, COLOURS, COLOUR_RGB, POSITIONS, SHAPES, SIZES, STYLES, backgroundBaseColour, captionOf, describeObject, objectPhrase, parseCaption, readPrompt, sortObjects,
  type Background, type Colour, type Position, type PromptScene, type Scene, type SceneObject, type Shape,
} from '../world/index.ts';
