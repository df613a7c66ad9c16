// The one cleaner of DuckDB's messages, on errors of a real DuckDB: one line, no `LINE 1:` excerpt or caret; the
// first line alone, and without the error's kind, where a caller asks.
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbMessage } from '../../pipeline/warehouse/messages.ts';

describe('duckdbMessage', () => {
  let instance: DuckDBInstance;
  const failure = async (sql: string): Promise<unknown> => {
    const connection = await instance.connect();
    try {
      await connection.run(sql);
    } catch (error) {
      return error;
    } finally {
      connection.closeSync();
    }
    throw new Error(`no error from ${sql}`);
  };
  beforeAll(async () => (instance = await DuckDBInstance.create(':memory:')));
  afterAll(() => instance.closeSync());

  it('puts a parser error on one line without its excerpt and caret', async () => {
    const error = await failure('SELECT 1 +\nFROM nowhere WHERE');
    expect((error as Error).message).toMatch(/\nLINE \d+:/);
    const message = duckdbMessage(error);
    expect(message).toMatch(/^Parser Error: syntax error at or near/);
    expect(message).not.toMatch(/\n|LINE \d+:|\^/);
  });

  it('keeps every line of a binder error but the excerpt; firstLine keeps its first; withoutKind drops "Binder Error: "', async () => {
    const error = await failure('SELECT nosuchcolumn FROM range(3)');
    const whole = duckdbMessage(error);
    expect(whole).toMatch(/^Binder Error: Referenced column "nosuchcolumn" not found in FROM clause!/);
    expect(whole).not.toContain('\n');
    expect(whole).toMatch(/ Candidate bindings: "range"$/);
    const first = duckdbMessage(error, { firstLine: true });
    expect(first).toBe('Binder Error: Referenced column "nosuchcolumn" not found in FROM clause!');
    expect(duckdbMessage(error, { firstLine: true, withoutKind: true })).toBe(first.replace('Binder Error: ', ''));
  });

  it('takes any thrown value', () => {
    expect(duckdbMessage('IO Error: Cannot open file\nmore', { firstLine: true, withoutKind: true })).toBe('Cannot open file');
  });
});
