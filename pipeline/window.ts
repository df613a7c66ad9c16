// The window S..D of a bulletin: D from --as-of, S from --operation-start or the configured operation containing D.
// Configuration and dates knowledge that figures, render, deliver and the desk all use, so it sits beside them.
import type { Operation } from './config.ts';
import { operationContaining } from './config.ts';
import { isIsoDate } from './dates.ts';
import { UsageError } from './errors.ts';

export interface OperationWindow {
  /** The configured operation containing D; absent when --operation-start gave the window. */
  operation?: Operation;
  operationStart: string;
  /** The operation's key in releases and report folders: its id, or start:<S>. */
  key: string;
}

export function operationWindow(configFile: string, operations: Operation[], asOf: string, startOption: string | undefined): OperationWindow {
  if (startOption !== undefined) {
    const operationStart = checkedDate('--operation-start', startOption);
    if (operationStart > asOf) throw new UsageError(`--operation-start ${operationStart} is after --as-of ${asOf}`);
    return { operationStart, key: `start:${operationStart}` };
  }
  const operation = operationContaining(operations, asOf);
  if (!operation) {
    throw new UsageError(`${configFile}: no configured operation contains ${asOf}; add one under operations or give --operation-start`);
  }
  return { operation, operationStart: operation.start, key: operation.id };
}

export function checkedDate(option: string, value: string): string {
  if (!isIsoDate(value)) throw new UsageError(`${option} '${value}' is not a date YYYY-MM-DD`);
  return value;
}
