// Plans as chat text: what will happen, with which method, and what isn't available yet.
import { isAvailable, methodName, schedulerName } from '../methods/index.ts';
import type { EditPlan, PlanStep } from './schema.ts';
import { regionName } from './select.ts';

function stepSummary(step: PlanStep): string {
  const p = step.params;
  switch (step.edit) {
    case 'swap':
      return `swap ${p.source ?? 'the subject'} → ${p.target ?? '?'}`;
    case 'attribute':
      if (p.attribute === 'size') return `resize ${p.object ?? 'the subject'} to ${p.target ?? '?'}`;
      return p.source ? `change ${p.source} → ${p.target ?? '?'}${p.object ? ` (${p.object})` : ''}` : `make ${p.object ?? 'it'} ${p.target ?? '?'}`;
    case 'add':
      return `add ${p.target ?? p.object ?? '?'}${p.region ? ` in the ${regionName(p.region)}` : p.object && p.object !== p.target ? ` to the ${p.object}` : ''}`;
    case 'remove':
      return p.object ? `remove the ${p.object}` : `clear the ${regionName(p.region ?? 'center')}`;
    case 'move':
      return `move ${p.object ?? 'the subject'} to the ${regionName(p.region ?? 'center')}`;
    case 'style':
      return `restyle as ${p.style ?? '?'}`;
    case 'reweight':
      return `${(p.weight ?? 1) >= 1 ? 'more' : 'less'} ${p.token ?? '?'} (×${p.weight ?? 1})`;
    case 'pose':
      return `${p.object ?? 'subject'}: ${p.action ?? '?'}`;
    case 'canvas':
      return `extend the canvas to ${p.ratio ? `${p.ratio.width}:${p.ratio.height}` : '?'}`;
    case 'regions':
      return `regions: ${(p.regions ?? []).map((r) => `${r.prompt} (${regionName(r.region)})`).join(', ')}`;
    case 'variations':
      return `${p.count ?? 4} variations`;
    case 'generate':
      return `generate “${p.prompt ?? ''}”`;
    case 'custom':
      return `run ${step.method}`;
  }
}

/** Markdown for a chat reply: the reason, then one line per step. */
export function describePlan(plan: EditPlan): string {
  const lines = [plan.reason, ''];
  plan.steps.forEach((step, index) => {
    const available = isAvailable(step.method);
    lines.push(
      `${index + 1}. ${stepSummary(step)} — ${methodName(step.method)} (\`${step.method}\`)${available ? '' : ' — not available yet'}`,
    );
  });
  const missing = plan.steps.filter((s) => !isAvailable(s.method));
  if (missing.length > 0) {
    lines.push('', `⚠️ ${missing.map((s) => `\`${s.method}\``).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not available yet, so this plan can't run today.`);
  }
  if (plan.inversion.method !== 'none') {
    lines.push('', `Inversion: ${methodName(plan.inversion.method)}${plan.inversion.reuseStored ? ' (stored, reused)' : ''}.`);
  }
  if (plan.output.scheduler) lines.push('', `Sampler: ${schedulerName(plan.output.scheduler)}.`);
  return lines.join('\n');
}

/** Whether every step of the plan can run with the methods shipped today. */
export function planIsRunnable(plan: EditPlan): boolean {
  return plan.steps.every((s) => isAvailable(s.method));
}
