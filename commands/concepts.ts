// /concepts: the concept dictionary of your model (a sparse autoencoder per UNet site, its features
// labelled with the words of what they fire on): whether it has one, site by site; `build:true`
// builds the model's shared one as a queued job; `/concepts <word>` finds the features with that
// word in the shared dictionary and your and your workspace's own, with a picture of the best ones'
// top images; sent with (or as a reply to) an image, it shows where they fire on it, as a queued job.
import { defineCommand, type CommandContext } from '../src/chat/command.ts';
import { buildHeading, buildText, heatmapHeading, heatmapReply, siteText } from '../src/chat/concepts-reply.ts';
import { promptOf } from '../src/chat/results/store.ts';
import { cancelFromButton, followInReply, NO_QUEUE } from '../src/chat/job-reply.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import { defaultsFor } from '../src/chat/settings.ts';
import { CONCEPT_BUILD } from '../src/config/limits.ts';
import { commonLabels, ConceptDictionaryStore, type DictionarySummary } from '../src/store/concept-dictionaries.ts';
import { storeImage } from '../src/store/images.ts';
import { chooseHeatmapFeatures } from '../src/studio/concept-heatmap.ts';
import { searchPicture } from '../src/studio/concept-search-picture.ts';
import type { ConceptBuildPayload, ConceptHeatmapPayload, TrainResult } from '../src/studio/handlers.ts';
import { originOf } from '../src/studio/results.ts';
import { ago } from './inversions.ts';

const MAX_MATCHES = 8;
const TOP_IMAGES = 3;
const TOP_LABELS = 4;
const LABELS_SUGGESTED = 12;

export const concepts = defineCommand({
  name: 'concepts',
  description: "Shows your model's concept dictionary, finds its features with a word, or builds it.",
  options: {
    word: { type: 'string', description: 'A word to find features of, e.g. star (default: show the dictionary)' },
    build: { type: 'boolean', description: "Build the model's shared dictionary (a long job)" },
  },
  image: { description: "A picture to show where the word's features fire on (or reply to one)" },
  examples: [
    { usage: '/concepts', description: "whether your model has a concept dictionary, and what is in it site by site" },
    { usage: '/concepts star', description: 'the features that fire on stars: where in the UNet, how strongly, in which pictures (shown)' },
    { usage: '/concepts star (replying to an image)', description: 'where those features fire on that image, as a heat map over it' },
    { usage: '/concepts build:true', description: "build the model's shared dictionary (hundreds of pictures; it shows progress)" },
  ],
  async run(context, args) {
    const store = new ConceptDictionaryStore(context.prisma, context.logger);
    const defaults = await defaultsFor(context.prisma, context.user.id, context.workspace.id);
    const model = defaults.model ?? context.models.defaultName;
    const modelHash = await store.modelHashOf(model);
    const shared = modelHash ? await store.listDictionaries({ modelHash, scope: 'model' }) : [];
    if (args.build) {
      await build(context, model, shared);
      return;
    }
    const word = args.word?.trim();
    if (!word) {
      await context.reply(overview(model, shared));
      return;
    }
    if (!modelHash) {
      await context.reply(`There is no concept dictionary of \`${model}\` to search yet; \`/concepts build:true\` builds one.`);
      return;
    }
    const owner = { userId: context.user.id, workspaceId: context.workspace.id };
    const picture = context.images[0];
    if (picture) {
      if (!(await chooseHeatmapFeatures(store, { modelHash, word, ...owner }))) await context.reply(await noFeature(context, store, model, modelHash, word));
      else await heatmap(context, model, picture.id, word);
      return;
    }
    const matches = await store.searchConcepts({ modelHash, word, ...owner, limit: MAX_MATCHES });
    if (matches.length === 0) {
      await context.reply(await noFeature(context, store, model, modelHash, word));
      return;
    }
    const lines = matches.map((m) => {
      const words = m.words.map((w) => `${escapeMarkdown(w.word)} ×${w.count}`).join(', ');
      const owner = m.dictionary.scope === 'model' ? 'shared' : m.dictionary.scope === 'user' ? 'yours' : "your workspace's";
      const images = m.topImages.slice(0, TOP_IMAGES).map((p) => `“${escapeMarkdown(p)}”`).join('; ');
      return `- **${words}**: ${siteText(m.site)}, feature ${m.feature}; intensity ${m.intensity.toFixed(3)} (${owner} dictionary)\n  strongest in: ${images}`;
    });
    const drawn = await searchPicture(store, matches);
    const text = [`**Features of \`${model}\` with “${escapeMarkdown(word)}”** (${matches.length === MAX_MATCHES ? `the best ${MAX_MATCHES}` : matches.length}):`, ...lines];
    if (!drawn) {
      await context.reply(text.join('\n'));
      return;
    }
    const image = await storeImage(context.prisma, { ...drawn.picture, sourceFormat: 'PNG' }, owner);
    text.push('', `The picture: the top images of ${drawn.shown.map((m) => `feature ${m.feature}`).join(', ')}, a row each, strongest first. Reply to an image with \`/concepts ${escapeMarkdown(word)}\` to see where they fire on it.`);
    await context.reply({ text: text.join('\n'), images: [{ imageId: image.id, alt: `top images of the features with “${word}”`, label: `“${word}”` }], browse: true });
  },
  async onButton(context, payload) {
    if (!(await cancelFromButton(context, payload))) await context.reply('That button no longer does anything.');
  },
});

/** The model's shared dictionary: ready (site by site), being built, failed, or none. */
function overview(model: string, dictionaries: readonly DictionarySummary[]): string {
  const ready = dictionaries.find((d) => d.status === 'ready');
  const building = dictionaries.find((d) => d.status === 'building');
  const failed = dictionaries.find((d) => d.status === 'failed');
  const lines = [`**Concepts of \`${model}\`**`];
  if (ready) {
    const labelled = ready.sites.reduce((sum, s) => sum + s.labelled, 0);
    const prompts = typeof ready.build.prompts === 'number' ? ` from ${ready.build.prompts} pictures` : '';
    lines.push(`The shared dictionary, built ${ago(ready.updatedAt)}${prompts}: ${ready.sites.length} sites, **${labelled} features with words**.`);
    if (ready.build.readBack === false) lines.push("This model's pictures can't be read back, so its features have only intensities and top images, no words.");
    for (const s of ready.sites) {
      const labels = s.labels.slice(0, TOP_LABELS).map((l) => `${escapeMarkdown(l.label)} (${l.features})`).join(', ') || 'no words';
      lines.push(`- ${siteText(s)}: explained variance ${s.quality.explainedVariance.toFixed(2)}, scaled MSE ${s.quality.scaledMse.toFixed(2)}, ${(s.quality.deadFraction * 100).toFixed(1)}% dead; ${s.labelled} of ${s.features} with words: ${labels}`);
    }
    lines.push('', 'Find features with `/concepts <word>`.');
  } else {
    lines.push('There is no concept dictionary of this model yet. `/concepts build:true` builds its shared one: a sparse autoencoder per UNet site whose features are labelled with the words of what they fire on.');
  }
  if (building) lines.push('', `A build of its shared dictionary is under way (started ${ago(building.createdAt)}).`);
  else if (failed && (!ready || failed.createdAt > ready.createdAt)) lines.push('', `The last build stopped: ${escapeMarkdown(failed.failure ?? 'no reason recorded')}. \`/concepts build:true\` goes on from where it stopped.`);
  return lines.join('\n');
}

/** No feature has the word: the words there are, in the dictionaries this person may search. */
async function noFeature(context: CommandContext, store: ConceptDictionaryStore, model: string, modelHash: string, word: string): Promise<string> {
  const ready = await store.listDictionaries({ modelHash, status: 'ready' });
  const own = ready.filter((d) => d.scope === 'model' || d.userId === context.user.id || d.workspaceId === context.workspace.id);
  const labels = commonLabels(own, LABELS_SUGGESTED);
  return labels.length > 0
    ? `No feature of \`${model}\` has the word **${escapeMarkdown(word)}**. Words there: ${labels.map((l) => `\`${l}\``).join(', ')}.`
    : `No feature of \`${model}\` has the word **${escapeMarkdown(word)}**, and its dictionaries have no words at all${own.length === 0 ? ' (none is ready)' : ''}.`;
}

/** Queues the heat map of `word` on an image: under the prompt that drew it, if it was drawn here, else the empty prompt. */
async function heatmap(context: CommandContext, model: string, imageId: string, word: string): Promise<void> {
  const origin = await originOf(context.prisma, imageId);
  const payload: ConceptHeatmapPayload = {
    task: 'concepts.heatmap',
    model,
    owner: { userId: context.user.id, workspaceId: context.workspace.id },
    imageId,
    word,
    caption: (origin && promptOf(origin.plan)) ?? '',
  };
  const heading = heatmapHeading({ model, word });
  await followInReply<TrainResult>(
    context,
    { kind: 'train', payload },
    { command: 'concepts', heading, idempotencyKey: `${context.message.platform}:${context.message.id}`, images: [{ imageId, alt: 'the picture' }] },
    (result) => (result.kind === 'heatmap' ? heatmapReply(heading, result) : { text: `${heading}\n\nThe worker answered with something else (${result.kind}); please try again.` }),
  );
}

/** Submits the build of the model's shared dictionary, unless one is under way (or ready, for all but admins). */
async function build(context: CommandContext, model: string, dictionaries: readonly DictionarySummary[]): Promise<void> {
  if (!context.jobs) {
    await context.reply(NO_QUEUE);
    return;
  }
  const building = dictionaries.find((d) => d.status === 'building');
  if (building) {
    await context.reply(`The shared dictionary of \`${model}\` is already being built (started ${ago(building.createdAt)}); \`/concepts\` shows it once it is ready.`);
    return;
  }
  const ready = dictionaries.find((d) => d.status === 'ready');
  if (ready && context.message.user.isAdmin !== true) {
    await context.reply(`\`${model}\` already has a shared dictionary (built ${ago(ready.updatedAt)}); only an admin can rebuild it.`);
    return;
  }
  const payload: ConceptBuildPayload = {
    task: 'concepts.build',
    model,
    prompts: CONCEPT_BUILD.prompts.default,
    seed: CONCEPT_BUILD.seed.default,
    steps: CONCEPT_BUILD.steps.default,
    scope: 'model',
    name: CONCEPT_BUILD.name,
  };
  const heading = buildHeading(payload);
  await followInReply<TrainResult>(
    context,
    { kind: 'train', payload },
    { command: 'concepts', heading, idempotencyKey: `${context.message.platform}:${context.message.id}` },
    (result) => (result.kind === 'dictionary' ? { text: buildText(heading, result) } : { text: `${heading}\n\nThe worker answered with something else (${result.kind}); please try again.` }),
  );
}
