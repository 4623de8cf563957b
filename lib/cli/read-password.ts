// Reading a password for hash-password: all of stdin when it is piped, a prompt without echo when it is a terminal.
import type { ReadStream } from 'node:tty';
import { CommandFailure } from './command';

/** Ctrl-C at the prompt: the process exits 130, as a shell reports a SIGINT. */
export class PromptInterrupted extends Error {
  override readonly name = 'PromptInterrupted';
}

/**
 * The password on stdin: the whole input as UTF-8, less one trailing newline (`\n` or `\r\n`), so both
 * `echo "$PASSWORD" |` and `printf %s "$PASSWORD" |` give the same password. A second line is refused: it is far
 * more likely a wrong file than a password.
 */
export async function readPasswordFromPipe(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new CommandFailure('stdin is not valid UTF-8.');
  }
  const password = text.replace(/\r?\n$/, '');
  if (/[\r\n]/.test(password)) {
    throw new CommandFailure('stdin holds more than one line; give the password alone, on one line.');
  }
  return password;
}

/** Asks for the password twice on the terminal without echoing it; the prompts go to stderr. */
export async function promptPassword(input: ReadStream): Promise<string> {
  const reader = new HiddenLineReader(input);
  try {
    const password = await reader.readLine('Password: ');
    const repeated = await reader.readLine('Repeat the password: ');
    if (password !== repeated) throw new CommandFailure('the two passwords differ.');
    return password;
  } finally {
    reader.close();
  }
}

/**
 * Lines typed at a terminal in raw mode, so nothing is echoed. Keys arriving before a prompt (typed ahead, or pasted
 * with both lines at once) are kept for it.
 */
class HiddenLineReader {
  private readonly keys: string[] = [];
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer | string) => {
    const text = chunk.toString();
    // An escape sequence (arrow keys, function keys) is not part of a password.
    if (text.startsWith('\u001b')) return;
    this.keys.push(...text);
    this.wake?.();
  };

  constructor(private readonly input: ReadStream) {
    input.setRawMode(true);
    input.on('data', this.onData);
    input.resume();
  }

  async readLine(prompt: string): Promise<string> {
    process.stderr.write(prompt);
    let typed = '';
    for (;;) {
      const key = this.keys.shift();
      if (key === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      if (key === '\r' || key === '\n') break;
      if (key === '\u0003') {
        process.stderr.write('\n');
        throw new PromptInterrupted('interrupted');
      }
      if (key === '\u0004') {
        if (typed === '') {
          process.stderr.write('\n');
          throw new CommandFailure('no password was typed.');
        }
        break;
      }
      if (key === '\u007f' || key === '\b') typed = [...typed].slice(0, -1).join('');
      else if (key === '\u0015')
        typed = ''; // Ctrl-U clears the line, as in a shell
      else if (key >= ' ') typed += key;
    }
    process.stderr.write('\n');
    return typed;
  }

  close(): void {
    this.input.off('data', this.onData);
    this.input.setRawMode(false);
    this.input.pause();
  }
}
