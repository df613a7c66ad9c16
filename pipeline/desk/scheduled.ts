// The desk's part of the scheduler (desk.md rules 4, 5, 9): what a monthly or briefing job does with its bulletin,
// and the release of approved editions whose time has come. The scheduler calls these; it holds no rule itself.
import type { Job } from '../config.ts';
import { chinaTime } from '../dates.ts';
import { bulletinIdOf, draftForReview, releaseUnreviewed, type DeskContext } from './editions.ts';
import { dueEditions, releaseEdition } from './release.ts';
import { currentHold, openEdition, releasedEdition, withDesk } from './store.ts';
import { operationWindow } from '../window.ts';
import type { RecipientResult } from '../deliver/deliver.ts';

/** What a bulletin job's run comes to, as the scheduler logs it (a JobRunResult of schedule/jobs.ts; the desk imports nothing of the scheduler). */
export interface ScheduledResult {
  outcome: 'ok' | 'failed' | 'held';
  detail: string;
  error?: string;
}

/** One run of a monthly or briefing job for the bulletin as of `asOf`. */
export async function scheduledBulletin(ctx: DeskContext, job: Job, asOf: string, signal?: AbortSignal): Promise<ScheduledResult> {
  const window = operationWindow(ctx.config.file, ctx.config.operations, asOf, undefined);
  const bulletin = bulletinIdOf(window.key, job.template, asOf);
  const state = await withDesk(ctx.dbPath, async (desk) => {
    const hold = await currentHold(desk);
    return { hold, released: (await releasedEdition(desk, bulletin))?.edition_id ?? null, open: await openEdition(desk, bulletin) };
  });
  // Rule 9: a hold stops every mail; the run is held, with the reason.
  if (state.hold) return { outcome: 'held', detail: `${bulletin}: hold in force (${state.hold.by}: ${state.hold.reason})` };
  if (job.approval === 'none') {
    const editionId = state.released ?? (await releaseUnreviewed(ctx, { asOf, template: job.template })).edition_id;
    const { recipients } = await releaseEdition(ctx, editionId, 'system', { signal });
    return deliveryOutcome(editionId, 'released without review', recipients);
  }
  if (state.released) return { outcome: 'ok', detail: `${bulletin}: released already as ${state.released}` };
  if (state.open?.state === 'approved') {
    return { outcome: 'held', detail: `${state.open.edition_id} approved; released at ${chinaTime(new Date(state.open.release_at!))} China time` };
  }
  const { edition, notice } = await draftForReview(ctx, { asOf, template: job.template }, signal);
  const mailed = notice.filter((r) => r.outcome === 'sent').length;
  return { outcome: 'held', detail: `${edition.edition_id} ${edition.state}: awaiting sign-off; draft mailed for review to ${mailed} of ${notice.length}` };
}

function deliveryOutcome(editionId: string, what: string, recipients: RecipientResult[]): ScheduledResult {
  const count = (outcome: string) => recipients.filter((r) => r.outcome === outcome).length;
  const detail = `${editionId} ${what}: ${count('sent')} sent, ${count('already sent')} already sent`;
  const bad = recipients.filter((r) => !['sent', 'already sent'].includes(r.outcome));
  if (bad.length > 0) return { outcome: 'failed', detail, error: bad.map((r) => `${r.recipient}: ${r.outcome}: ${r.response}`).join('; ') };
  return { outcome: 'ok', detail };
}

/**
 * Rule 5: releases every approved edition whose time has come, and finishes the mailing of a release cut short
 * (a crash or a stop while mailing). A refusal (a hold, a changed PDF) is logged once per edition and reason.
 */
export async function releaseDue(ctx: DeskContext, told: Set<string>, signal?: AbortSignal): Promise<void> {
  for (const edition of await dueEditions(ctx)) {
    if (signal?.aborted) return;
    try {
      const { recipients } = await releaseEdition(ctx, edition.edition_id, 'system', { signal });
      const result = deliveryOutcome(edition.edition_id, 'released', recipients);
      ctx.log(`desk: ${result.detail}${result.error ? `; not delivered: ${result.error}` : ''}`);
    } catch (error) {
      const line = `desk: ${error instanceof Error ? error.message : String(error)}`;
      if (!told.has(line)) ctx.log(line);
      told.add(line);
    }
  }
}
