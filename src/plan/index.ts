// The plan layer's public face: instructions and slash-command options in, EditPlans out.
export { EditPlan, PLAN_VERSION, parsePlan, REGIONS, type Region, type PlanStep, type StepParams } from './schema.ts';
export { METHOD_IDS, familyOf, isAvailable, isMethodId, type MethodFamily, type MethodId } from '../methods/index.ts';
export { planFromInstruction, type Choice, type PlanOptions, type PlanResult } from './plan.ts';
export { planFromSlashOptions, type SlashCommand, type SlashOptions } from './slash.ts';
export type { DrawnWith } from './redraw.ts';
export { describePlan, planIsRunnable } from './describe.ts';
export { languageModelFromConfig, planWithConfiguredModel, planWithLanguageModel, type LanguageModelConfig } from './llm.ts';
