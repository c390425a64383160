// Which part of Retouch may import which (issue 27). `npm run deps` checks src/ and commands/
// against these rules; `npm test` runs it first. The layers, top to bottom: a layer may import the
// layers below it, never one above it.
//
//   app, cli            the entry points: wire everything together
//   eval                the evaluation suites: drive the bot as people do, and measure it
//   platforms, web      the Discord and Slack adapters, the local web chat
//   commands            one file per chat command
//   chat                the platform-neutral conversation
//   studio              the worker side: runs a job's plan on its model, stores the result
//   store               Postgres: below whoever owns the data, never used by what computes it
//   plan                instruction → typed EditPlan, method selection
//   concepts            concept dictionaries: collect, train and label SAEs on the UNet
//   reading             how the shipped model reads its own pictures: the one way into the world
//   methods             the editing methods
//   pipeline            schedulers, sampling, inversion
//   models              the networks and their loaders
//   engine              tensors, autodiff, ONNX, onnxruntime
//
// Beside the layers: jobs (the queue) carries JSON and knows nothing of images, plans or models;
// config reads the environment for everyone; world (the procedural world) is reached through
// reading; support and log are helpers that import nothing of ours.

const LAYERS = [
  ['entry', '^src/(app\\.ts$|cli/)'],
  ['eval', '^src/eval/'],
  ['adapters', '^src/(platforms|web)/'],
  ['commands', '^commands/'],
  ['chat', '^src/chat/'],
  ['studio', '^src/studio/'],
  ['store', '^src/store/'],
  ['plan', '^src/plan/'],
  ['concepts', '^src/concepts/'],
  ['reading', '^src/reading/'],
  ['methods', '^src/methods/'],
  ['pipeline', '^src/pipeline/'],
  ['models', '^src/models/'],
  ['engine', '^src/engine/'],
];

const paths = (names) => LAYERS.filter(([name]) => names.includes(name)).map(([, path]) => path);
const ALL_LAYERS = LAYERS.map(([, path]) => path);
const BESIDE_THE_LAYERS = ['^src/(jobs|config|world|support)/', '^src/log\\.ts$'];
const OURS = '^(src|commands)/';

const layerRules = LAYERS.slice(1).map(([name, path], index) => ({
  name: `${name}-imports-only-below`,
  comment: `${name} may import only the layers below it (see the top of .dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path },
  to: { path: ALL_LAYERS.slice(0, index + 1) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a cycle makes two modules one: break it by moving what both need below both',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'no-tensors-in-chat',
      comment: 'a chat adapter never touches tensors',
      severity: 'error',
      from: { path: paths(['adapters', 'commands', 'chat']) },
      to: { path: paths(['engine']) },
    },
    {
      name: 'jobs-knows-no-product',
      comment: 'the queue carries JSON payloads: it knows no chat, plan, method or model',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: OURS, pathNot: ['^src/(jobs|store|support)/', '^src/log\\.ts$'] },
    },
    {
      name: 'config-reads-settings-only',
      comment: 'config composes the settings each part declares (jobs/config.ts, models/catalog.ts), nothing that does work',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: OURS, pathNot: ['^src/(config|support)/', '^src/jobs/config\\.ts$', '^src/models/catalog\\.ts$', '^src/log\\.ts$'] },
    },
    {
      name: 'world-through-reading',
      comment: 'production reaches the procedural world only through src/reading (the shipped model\'s read-back); the evaluation suites and their command build scenes of it directly',
      severity: 'error',
      from: { path: OURS, pathNot: ['^src/(world|reading|eval)/', '^src/cli/eval\\.ts$'] },
      to: { path: '^src/world/' },
    },
    {
      name: 'reading-through-its-index',
      comment: 'src/reading/index.ts is the seam: what production needs of the world and of the read-back, and nothing else',
      severity: 'error',
      from: { path: OURS, pathNot: '^src/reading/' },
      to: { path: '^src/reading/', pathNot: '^src/reading/index\\.ts$' },
    },
    {
      name: 'world-knows-no-product',
      comment: 'the procedural world is a data source: it imports only the general helpers',
      severity: 'error',
      from: { path: '^src/world/' },
      to: { path: OURS, pathNot: '^src/(world|support)/' },
    },
    {
      name: 'helpers-import-nothing-of-ours',
      comment: 'src/support and src/log.ts are below everything',
      severity: 'error',
      from: { path: ['^src/support/', '^src/log\\.ts$'] },
      to: { path: OURS, pathNot: '^src/support/' },
    },
    {
      name: 'no-tests-from-production',
      comment: 'production code never imports the tests or their stand-ins',
      severity: 'error',
      from: { path: OURS },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'every-module-in-a-layer',
      comment: 'a new folder of src/ gets its place in LAYERS or beside them before it imports anything',
      severity: 'error',
      from: { path: OURS, pathNot: [...ALL_LAYERS, ...BESIDE_THE_LAYERS] },
      to: {},
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API, so the sources are parsed with swc.
    parser: 'swc',
    // Type-only imports count: a type a layer borrows from above is still a dependency on it.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/store/generated/' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js'] },
  },
};
