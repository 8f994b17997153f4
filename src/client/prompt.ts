// Interactive mode of muxd send: a `Msg>> ` prompt with line editing and history, each reply printed as it arrives.
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { WindowedSender } from './client.js';
import type { SendSummary } from './client.js';
import { formatReply } from './reply-parser.js';
import type { Reply } from './reply-parser.js';

/** The prompt shown before each message, as in the lecture notes. */
export const PROMPT = 'Msg>> ';

/** Options for {@link runPrompt}. */
export interface PromptOptions {
  socket: Socket;
  input: Readable;
  output: Writable;
  /** True for a real terminal: line editing, history, replies printed above the prompt. */
  terminal: boolean;
  /** Reply timeout in ms (0 waits forever). */
  replyTimeoutMs?: number;
  /** Lines kept in history. Default 1000. */
  historySize?: number;
  /** Decorates reply text (colour); identity by default. */
  decorate?: (reply: Reply, text: string) => string;
}

/** Messages typed ahead of their replies before the batch is flushed at once. */
const PROMPT_WINDOW = 1024;

/**
 * Runs the prompt until the user ends input (Ctrl-D, Ctrl-C) or the server goes away.
 * On end of input it waits for the outstanding replies, then resolves with the counts.
 */
export async function runPrompt(options: PromptOptions): Promise<SendSummary> {
  const { output, terminal } = options;
  const decorate = options.decorate ?? ((_r: Reply, t: string) => t);
  const rl = readline.createInterface({
    input: options.input,
    output,
    prompt: PROMPT,
    terminal,
    historySize: options.historySize ?? 1000,
  });
  let closed = false;

  const print = (text: string): void => {
    if (closed || !terminal) {
      output.write(`${text}\n`);
      return;
    }
    // Print above the prompt without losing what the user is typing.
    readline.clearLine(output, 0);
    readline.cursorTo(output, 0);
    output.write(`${text}\n`);
    rl.prompt(true);
  };

  const sender = new WindowedSender(options.socket, {
    window: PROMPT_WINDOW,
    replyTimeoutMs: options.replyTimeoutMs ?? 30_000,
    onReply: (reply) => print(decorate(reply, formatReply(reply))),
  });

  const finished = new Promise<SendSummary>((resolve) => {
    rl.on('line', (line: string) => {
      // Typing ahead of the replies is fine: the window only decides when the batch is flushed.
      if (line.length > 0 && !sender.stopped) sender.send(Buffer.from(line, 'utf8'));
      if (!closed && !sender.stopped) rl.prompt();
    });
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      closed = true;
      if (terminal) output.write('\n');
      void sender.finish().then(resolve);
    });
    options.socket.once('close', () => {
      if (closed) return;
      const s = sender.summary();
      const why = s.stoppedBy?.message ?? 'connection closed by server';
      print(`${why}${s.unanswered > 0 ? ` (${s.unanswered} message${s.unanswered === 1 ? '' : 's'} unanswered)` : ''}`);
      rl.close();
    });
  });
  rl.prompt();
  return finished;
}
