// A mail client's reading of a message: Python's `email` package (policy.default, as a mail program uses it), not
// our own MIME reader, so what is checked is what another implementation makes of the bytes nodemailer wrote.
//
//   const read = readWithPython(server.messages[0].raw);
//   read.from.displayName, read.text, read.htmlParagraphs, read.attachments[0].filename
import { execFileSync } from 'node:child_process';

export interface ClientReading {
  from: { displayName: string; address: string };
  subject: string;
  /** Content types of every part, depth first: ['multipart/mixed', 'multipart/alternative', 'text/plain', ...]. */
  structure: string[];
  /** The text/plain body part (get_body), decoded. */
  text: string;
  /** The text/html body part (get_body), decoded. */
  html: string;
  /** What the HTML shows, one entry per block (h1, p): whitespace collapsed as a browser does, <br> as "\n". */
  htmlParagraphs: string[];
  /** Every start tag of the HTML, and every attribute name, as found. */
  htmlTags: string[];
  htmlAttributes: string[];
  attachments: { filename: string; contentType: string; sha256: string }[];
  /** Problems Python's parser noted anywhere in the message (none expected). */
  defects: string[];
}

const READER = String.raw`
import sys, json, hashlib, email, email.header, email.utils
from email import policy
from html.parser import HTMLParser

class Blocks(HTMLParser):
    BLOCKS = {'p', 'h1', 'h2', 'h3', 'div', 'hr', 'body', 'html', 'head', 'title'}
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks, self.current, self.tags, self.attributes, self.in_title = [], '', [], [], False
    def flush(self):
        text = '\n'.join(' '.join(line.split()) for line in self.current.split('\n')).strip()
        if text and not self.in_title:
            self.blocks.append(text)
        self.current = ''
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(name for name, _ in attrs)
        if tag == 'br':
            self.current += '\n'
        elif tag in self.BLOCKS:
            self.flush()
            self.in_title = tag == 'title'
    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.flush()
            self.in_title = False
    def handle_data(self, data):
        if not self.in_title:
            self.current += data.replace('\n', ' ')
    def close(self):
        super().close()
        self.flush()

raw = sys.stdin.buffer.read()
message = email.message_from_bytes(raw, policy=policy.default)
# The display name as RFC 2047 section 6.2 reads it (white space between adjacent encoded words ignored), with the
# legacy decoder: policy.default's address parser of Python 3.11 keeps it (cpython gh-128110, fixed since).
legacy = email.message_from_bytes(raw, policy=policy.compat32)
encoded_name, address = email.utils.parseaddr(legacy['From'])
name = str(email.header.make_header(email.header.decode_header(encoded_name)))
plain = message.get_body(('plain',))
html = message.get_body(('html',))
parser = Blocks()
parser.feed(html.get_content() if html else '')
parser.close()
defects = [str(d) for part in message.walk() for d in part.defects]
json.dump({
    'from': {'displayName': name, 'address': address},
    'subject': str(message['Subject']),
    'structure': [part.get_content_type() for part in message.walk()],
    'text': plain.get_content().replace('\r\n', '\n') if plain else '',
    'html': html.get_content().replace('\r\n', '\n') if html else '',
    'htmlParagraphs': parser.blocks,
    'htmlTags': parser.tags,
    'htmlAttributes': parser.attributes,
    'attachments': [
        {'filename': part.get_filename(), 'contentType': part.get_content_type(), 'sha256': hashlib.sha256(part.get_content()).hexdigest()}
        for part in message.iter_attachments()
    ],
    'defects': defects,
}, sys.stdout, ensure_ascii=False)
`;

/** The message as Python's email package reads it (python3 on the PATH). */
export function readWithPython(raw: Buffer): ClientReading {
  const out = execFileSync('python3', ['-c', READER], { input: raw, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.toString('utf8')) as ClientReading;
}

/** The paragraphs of a text part as a reader sees them: split at blank lines, separator lines left out. */
export function textParagraphs(text: string): string[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.split('\n').map((line) => line.trim().replace(/\s+/g, ' ')).join('\n').trim())
    .filter((paragraph) => paragraph !== '' && !/^—+$/.test(paragraph));
}
