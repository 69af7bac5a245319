/**
 * A guard in front of the stdio message reader. vscode-jsonrpc's StreamMessageReader gives up
 * for good on a header it cannot read (no or a non-numeric Content-Length): the process lives
 * on, deaf. This transform passes well-formed frames through untouched and skips anything else
 * up to the next `Content-Length:` header, reporting what it dropped, so one corrupt message
 * costs that message, not the session. (A body that is not JSON is already survivable: the
 * reader reports it and goes on.)
 */
import { Transform, type TransformCallback } from 'node:stream';

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^content-length:[ \t]*(\d+)[ \t]*$/im;
/** A header block longer than this is garbage, not a header. */
const MAX_HEADER_BYTES = 8192;

export class FrameGuard extends Transform {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly report: (message: string) => void) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffer = Buffer.concat([this.buffer, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    this.drain();
    callback();
  }

  private drain(): void {
    for (;;) {
      // Resynchronise: a frame starts with a header line.
      const start = this.findHeaderStart();
      if (start < 0) {
        // Keep a tail that could be the beginning of "Content-Length:".
        if (this.buffer.length > 32) this.skip(this.buffer.length - 32, 'bytes outside any message');
        return;
      }
      if (start > 0) this.skip(start, 'bytes before a Content-Length header');
      const end = this.buffer.indexOf(HEADER_END);
      if (end < 0) {
        if (this.buffer.length > MAX_HEADER_BYTES) this.skip(1, 'an unterminated header');
        else return;
        continue;
      }
      const header = this.buffer.subarray(0, end).toString('ascii');
      const m = CONTENT_LENGTH.exec(header);
      if (!m || end > MAX_HEADER_BYTES) {
        this.skip(end + HEADER_END.length, 'a header without a valid Content-Length');
        continue;
      }
      const total = end + HEADER_END.length + Number(m[1]);
      if (this.buffer.length < total) return;
      this.push(this.buffer.subarray(0, total));
      this.buffer = this.buffer.subarray(total);
    }
  }

  /** Offset of the next header (`Content-Length:` / `Content-Type:` at a line start; -1: none yet). */
  private findHeaderStart(): number {
    if (/^content-/i.test(this.buffer.subarray(0, 8).toString('latin1'))) return 0;
    // Anywhere, not only at a line start: after a header whose length was unreadable, the lost
    // body runs straight into the next header.
    const m = /content-(length|type):/i.exec(this.buffer.toString('latin1'));
    return m ? m.index : -1;
  }

  private skip(count: number, what: string): void {
    const dropped = this.buffer.subarray(0, count).toString('utf8');
    this.buffer = this.buffer.subarray(count);
    if (dropped.trim()) this.report(`poolscope: skipped ${count} bytes of malformed input (${what}): ${JSON.stringify(dropped.slice(0, 80))}`);
  }
}
