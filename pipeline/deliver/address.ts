// What counts as a mail address here: one bare address (local@domain.tld), nothing else. A display name, a second
// address, a comment or a line break would be a header (or SMTP command) of its own making: `a@b.c\r\nBcc: x@y.z`
// is refused before anything is rendered or sent, whether it comes from --to, the configuration or the environment.
import { describeCharacter, refusedCharacter } from '../characters.ts';

// No space, no invisible format character (U+200B...), none of the characters that delimit addresses in a header;
// the top-level domain has no dot either (no trailing dot).
const ATOM = String.raw`[^\s\p{Cf}@<>()[\]\\,;:"]`;
const LABEL = String.raw`[^\s\p{Cf}@<>()[\]\\,;:".]`;
const ADDRESS = new RegExp(String.raw`^${ATOM}+@${ATOM}+\.${LABEL}+$`, 'u');
/** RFC 5321's limit of a forward-path. */
const MAX_LENGTH = 254;

/** Why `text` is not a plain mail address, or null when it is one (surrounding spaces aside). */
export function addressProblem(text: string): string | null {
  // Before any trimming: a trailing CR LF is exactly what must not be trimmed away quietly.
  const refused = refusedCharacter(text);
  if (refused) return `not an e-mail address: it holds the character ${describeCharacter(refused.char)}`;
  const address = text.trim();
  if (address.length > MAX_LENGTH) return `not an e-mail address: longer than ${MAX_LENGTH} characters`;
  if (!ADDRESS.test(address)) return 'not an e-mail address';
  return null;
}
