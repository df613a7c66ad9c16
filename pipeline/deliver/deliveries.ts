// The delivery log (<db>.deliveries.duckdb, queries/deliver/deliveries.sql, a log file of warehouse/logs.ts): the
// state of each (bulletin, recipient) and every attempt.
import { existsSync } from 'node:fs';
import { withLogFile } from '../warehouse/logs.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

export type DeliveryState = 'sending' | 'retrying' | 'sent' | 'failed' | 'uncertain';

export type DeliveryRow = {
  bulletin: string;
  recipient: string;
  message_id: string;
  state: DeliveryState;
  snapshot_id: string;
  attachments: string;
  first_at: string;
  updated_at: string;
  smtp_code: number | null;
  smtp_response: string | null;
};

export type AttemptRow = {
  bulletin: string;
  recipient: string;
  message_id: string;
  attempt: number;
  started_at: string;
  finished_at: string | null;
  smtp_code: number | null;
  response: string | null;
  outcome: string | null;
};

export function deliveriesPath(dbPath: string): string {
  return `${dbPath}.deliveries.duckdb`;
}

function withLog<T>(dbPath: string, fn: (log: Warehouse) => Promise<T>, readOnly = false): Promise<T> {
  return withLogFile(deliveriesPath(dbPath), 'deliver/deliveries.sql', fn, { readOnly });
}

export async function deliveryOf(dbPath: string, bulletin: string, recipient: string): Promise<DeliveryRow | undefined> {
  if (!existsSync(deliveriesPath(dbPath))) return undefined;
  const [row] = await withLog(dbPath, (log) =>
    log.all<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE bulletin = $bulletin AND recipient = $recipient`, { bulletin, recipient }),
  );
  return row;
}

/** Sets the state of (bulletin, recipient), creating the row on its first attempt. */
export async function recordState(
  dbPath: string,
  row: { bulletin: string; recipient: string; messageId: string; snapshot: string; attachments: unknown },
  state: DeliveryState,
  answer: { code: number | null; response: string | null } = { code: null, response: null },
): Promise<void> {
  await withLog(dbPath, (log) =>
    log.run(
      `INSERT INTO deliveries VALUES ($bulletin, $recipient, $message_id, $state, $snapshot, $attachments, now(), now(), $code, $response)
       ON CONFLICT (bulletin, recipient) DO UPDATE SET state = excluded.state, snapshot_id = excluded.snapshot_id,
         attachments = excluded.attachments, updated_at = now(), smtp_code = excluded.smtp_code, smtp_response = excluded.smtp_response`,
      {
        bulletin: row.bulletin,
        recipient: row.recipient,
        message_id: row.messageId,
        state,
        snapshot: row.snapshot,
        attachments: JSON.stringify(row.attachments),
        code: answer.code,
        response: answer.response,
      },
    ),
  );
}

/** Opens an attempt (before sending); returns its number. */
export async function startAttempt(dbPath: string, bulletin: string, recipient: string, messageId: string): Promise<number> {
  return withLog(dbPath, async (log) => {
    const [{ next }] = await log.all<{ next: number }>(
      `SELECT coalesce(max(attempt), 0) + 1 AS next FROM delivery_attempts WHERE bulletin = $bulletin AND recipient = $recipient`,
      { bulletin, recipient },
    );
    await log.run(`INSERT INTO delivery_attempts VALUES ($bulletin, $recipient, $message_id, $attempt, now(), NULL, NULL, NULL, NULL)`, {
      bulletin,
      recipient,
      message_id: messageId,
      attempt: next,
    });
    return next;
  });
}

/** Closes an attempt with the server's answer and its outcome (accepted, temporary, permanent, uncertain). */
export async function finishAttempt(
  dbPath: string,
  bulletin: string,
  recipient: string,
  attempt: number,
  answer: { code: number | null; response: string; outcome: string },
): Promise<void> {
  await withLog(dbPath, (log) =>
    log.run(
      `UPDATE delivery_attempts SET finished_at = now(), smtp_code = $code, response = $response, outcome = $outcome
       WHERE bulletin = $bulletin AND recipient = $recipient AND attempt = $attempt`,
      { bulletin, recipient, attempt, code: answer.code, response: answer.response, outcome: answer.outcome },
    ),
  );
}

/** The log for `bulletin deliveries`: states and attempts, newest bulletin first; optionally one bulletin. */
export async function readDeliveryLog(dbPath: string, bulletin?: string): Promise<{ deliveries: DeliveryRow[]; attempts: AttemptRow[] }> {
  if (!existsSync(deliveriesPath(dbPath))) return { deliveries: [], attempts: [] };
  return withLog(dbPath, async (log) => {
    const where = bulletin === undefined ? '' : 'WHERE bulletin = $bulletin';
    const params = bulletin === undefined ? undefined : { bulletin };
    const deliveries = await log.all<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries ${where} ORDER BY first_at DESC, bulletin, recipient`, params);
    const attempts = await log.all<AttemptRow>(
      `SELECT bulletin, recipient, message_id, attempt, strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started_at,
              strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at, smtp_code, response, outcome
       FROM delivery_attempts ${where} ORDER BY started_at, bulletin, recipient, attempt`,
      params,
    );
    return { deliveries, attempts };
  }, true);
}

const DELIVERY_COLUMNS = `bulletin, recipient, message_id, state, snapshot_id, CAST(attachments AS VARCHAR) AS attachments,
  strftime(first_at, '%Y-%m-%d %H:%M:%S') AS first_at, strftime(updated_at, '%Y-%m-%d %H:%M:%S') AS updated_at, smtp_code, smtp_response`;
