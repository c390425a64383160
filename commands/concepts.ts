// /concepts: the concept dictionary of your model (a sparse autoencoder per UNet site, its features
// labelled with the words of what they fire on): whether it has one, site by site; `build:true`
// builds the model's shared one as a queued job; `/concepts <word>` finds the features with that
// word in the shared dictionary and your and your workspace's own.
import { defineCommand, type CommandContext } from '../src/chat/command.ts';
import { buildHeading, buildText, siteText } from '../src/chat/concepts-reply.ts';
import { cancelFromButton, followInReply, NO_QUEUE } from '../src/chat/job-reply.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import { defaultsFor } from '../src/chat/settings.ts';
import { CONCEPT_BUILD } from '../src/config/limits.ts';
import { commonLabels, ConceptDictionaryStore, type DictionarySummary } from '../src/store/concept-dictionaries.ts';
import type { TrainPayload, TrainResult } from '../src/studio/handlers.ts';
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
  examples: [
    { usage: '/concepts', description: "whether your model has a concept dictionary, and what is in it site by site" },
    { usage: '/concepts star', description: 'the features that fire on stars: where in the UNet, how strongly, in which pictures' },
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
    const matches = await store.searchConcepts({ modelHash, word, userId: context.user.id, workspaceId: context.workspace.id, limit: MAX_MATCHES });
    if (matches.length === 0) {
      const ready = await store.listDictionaries({ modelHash, status: 'ready' });
      const own = ready.filter((d) => d.scope === 'model' || d.userId === context.user.id || d.workspaceId === context.workspace.id);
      const labels = commonLabels(own, LABELS_SUGGESTED);
      await context.reply(
        labels.length > 0
          ? `No feature of \`${model}\` has the word **${escapeMarkdown(word)}**. Words there: ${labels.map((l) => `\`${l}\``).join(', ')}.`
          : `No feature of \`${model}\` has the word **${escapeMarkdown(word)}**, and its dictionaries have no words at all${own.length === 0 ? ' (none is ready)' : ''}.`,
      );
      return;
    }
    const lines = matches.map((m) => {
      const words = m.words.map((w) => `${escapeMarkdown(w.word)} ×${w.count}`).join(', ');
      const owner = m.dictionary.scope === 'model' ? 'shared' : m.dictionary.scope === 'user' ? 'yours' : "your workspace's";
      const images = m.topImages.slice(0, TOP_IMAGES).map((p) => `“${escapeMarkdown(p)}”`).join('; ');
      return `- **${words}**: ${siteText(m.site)}, feature ${m.feature}; intensity ${m.intensity.toFixed(3)} (${owner} dictionary)\n  strongest in: ${images}`;
    });
    await context.reply([`**Features of \`${model}\` with “${escapeMarkdown(word)}”** (${matches.length === MAX_MATCHES ? `the best ${MAX_MATCHES}` : matches.length}):`, ...lines].join('\n'));
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
  const payload: TrainPayload = {
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
    (result) => ({ text: buildText(heading, result) }),
  );
}
