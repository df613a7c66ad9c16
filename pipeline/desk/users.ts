// Desk users (desk.md "Words"): name, role, an scrypt password hash (node:crypto) and, optionally, the user's own
// e-mail address (where a test send goes), kept in
// `<db>.desk-users.json` beside the warehouse: outside git, file mode 600, written atomically.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { shownText } from '../characters.ts';
import { addressProblem } from '../deliver/address.ts';
import { InputRefused, UsageError } from '../errors.ts';
import { writeFileAtomically } from '../files.ts';
import { ROLES, type Actor, type Role } from './workflow.ts';

export function usersPath(dbPath: string): string {
  return `${dbPath}.desk-users.json`;
}

interface StoredUser {
  name: string;
  role: Role;
  /** scrypt parameters and output, hex. */
  scrypt: { N: number; r: number; p: number; salt: string; hash: string };
  created_at: string;
  /** The user's own address: a test send goes there and nowhere else. */
  email?: string;
}

// 2^15 rounds, r 8: about 0.1 s a check here, 32 MiB of memory (OWASP's minimum for scrypt is 2^17 with r 8 p 1
// at 128 MiB; 2^15 keeps a login under a second on a busy two-core machine; stored per user, so it can be raised).
const PARAMETERS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, parameters: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...parameters, maxmem: 256 * parameters.N * parameters.r };
  return new Promise((resolve, reject) => scryptCallback(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))));
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

function readUsers(dbPath: string): StoredUser[] {
  const path = usersPath(dbPath);
  if (!existsSync(path)) return [];
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { users?: StoredUser[] };
    return Array.isArray(parsed.users) ? parsed.users : [];
  } catch (error) {
    throw new UsageError(`${path}: the desk users file cannot be read: ${(error as Error).message}`);
  }
}

/** scrypt's cost parameters; PARAMETERS unless a caller (the tests) asks for cheaper ones. */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * A cost for test suites only, as Django's test settings swap in a fast hasher: hundreds of desk users and sign-ins
 * in a test run would take a CPU-minute at the desk's own cost. Stored with the hash, so checks use it too.
 */
export const TEST_ONLY_SCRYPT_COST: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };

export async function addUser(dbPath: string, name: string, role: string, password: string, now = new Date(), email?: string, cost: ScryptCost = PARAMETERS): Promise<void> {
  if (!NAME.test(name)) throw new UsageError(`desk user name '${name}' must be 1-64 letters, digits, dots, dashes or underscores`);
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role '${role}' is not one of ${ROLES.join(', ')}`);
  if (password.length < 8) throw new UsageError('the password must have at least 8 characters');
  const address = email === undefined ? undefined : checkedUserEmail(name, email);
  const users = readUsers(dbPath);
  if (users.some((u) => u.name === name)) throw new UsageError(`desk user ${name} exists already`);
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, cost);
  users.push({ name, role: role as Role, scrypt: { N: cost.N, r: cost.r, p: cost.p, salt: salt.toString('hex'), hash: hash.toString('hex') }, created_at: now.toISOString(), ...(address ? { email: address } : {}) });
  writeUsers(dbPath, users);
}

/** Sets or changes a user's own e-mail address. */
export function setUserEmail(dbPath: string, name: string, email: string): void {
  const address = checkedUserEmail(name, email);
  const users = readUsers(dbPath);
  const user = users.find((u) => u.name === name);
  if (!user) throw new UsageError(`desk user ${name}: no such user (bulletin desk user list shows them)`);
  user.email = address;
  writeUsers(dbPath, users);
}

/** The user's own address; null when they have none (or there is no such user). */
export function userEmail(dbPath: string, name: string): string | null {
  return readUsers(dbPath).find((u) => u.name === name)?.email ?? null;
}

export function listUsers(dbPath: string): { name: string; role: Role; created_at: string; email: string | null }[] {
  return readUsers(dbPath).map(({ name, role, created_at, email }) => ({ name, role, created_at, email: email ?? null }));
}

/** One bare address, checked as any recipient's is (deliver/address.ts), trimmed; UsageError naming it otherwise. */
export function checkedUserEmail(name: string, email: string): string {
  const problem = addressProblem(email);
  if (problem) throw new UsageError(`desk user ${name}: '${shownText(email)}' is ${problem}`);
  return email.trim();
}

function writeUsers(dbPath: string, users: StoredUser[]): void {
  writeFileAtomically(usersPath(dbPath), JSON.stringify({ users }, null, 2) + '\n', 0o600);
}

/** The user, if the password is theirs; the same refusal for an unknown name and a wrong password. */
export async function authenticate(dbPath: string, name: string, password: string): Promise<Actor> {
  const user = readUsers(dbPath).find((u) => u.name === name);
  // An unknown name costs the same scrypt as a known one, so timing does not tell names apart.
  const parameters = user?.scrypt ?? { ...PARAMETERS, salt: '00', hash: '00'.repeat(KEY_LENGTH) };
  const key = await scrypt(password, Buffer.from(parameters.salt, 'hex'), parameters);
  const expected = Buffer.from(parameters.hash, 'hex');
  if (!user || expected.length !== key.length || !timingSafeEqual(expected, key)) {
    throw new InputRefused(`desk user ${name}: unknown user or wrong password`);
  }
  return { name: user.name, role: user.role };
}
