// The few pieces of the PostgreSQL wire protocol (v3) the demo database's pump needs: framing both
// directions, and the backend messages it writes itself (errors, ReadyForQuery).

/** Transaction status in ReadyForQuery: idle, in a transaction block, in a failed one. */
export type TxStatus = 'I' | 'T' | 'E';

export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;
/** Startup packets longer than this are refused, as PostgreSQL does (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP_LENGTH = 10_000;

/** A frontend message: `type` is a letter, or `startup` for the packets that have none. */
export interface FrontendMessage {
  readonly type: string;
  /** The whole message as it came, header included. */
  readonly bytes: Buffer;
}

export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
}

/**
 * Cuts a client's byte stream into messages. Until startup is over, packets have no type byte
 * (SSLRequest, CancelRequest, StartupMessage); after it, every message has one. A message's
 * buffer is allocated once its length is known, so large messages are not re-copied per chunk.
 */
export class FrontendReader {
  private startup = true;
  private header = Buffer.alloc(5);
  private headerFill = 0;
  private body: Buffer | undefined;
  private bodyFill = 0;
  private type = '';

  constructor(private readonly maxMessageBytes: number) {}

  /** Feeds a chunk; returns the messages it completed. Throws ProtocolViolation on garbage. */
  push(chunk: Buffer): FrontendMessage[] {
    const out: FrontendMessage[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (!this.body) {
        const headerSize = this.startup ? 4 : 5;
        const take = Math.min(headerSize - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + take);
        this.headerFill += take;
        at += take;
        if (this.headerFill < headerSize) break;
        const length = this.header.readInt32BE(headerSize - 4);
        const limit = this.startup ? MAX_STARTUP_LENGTH : this.maxMessageBytes;
        if (length < 4 || length > limit) throw new ProtocolViolation(`invalid message length ${length}`);
        this.type = this.startup ? 'startup' : String.fromCharCode(this.header[0]!);
        this.body = Buffer.allocUnsafe(headerSize - 4 + length);
        this.header.copy(this.body, 0, 0, headerSize);
        this.bodyFill = headerSize;
      }
      const take = Math.min(this.body.length - this.bodyFill, chunk.length - at);
      chunk.copy(this.body, this.bodyFill, at, at + take);
      this.bodyFill += take;
      at += take;
      if (this.bodyFill === this.body.length) {
        const message = { type: this.type, bytes: this.body };
        this.body = undefined;
        this.headerFill = 0;
        // After a StartupMessage (protocol major version 3) every message is typed; the packet
        // after a refused SSL or GSS request is still a startup packet.
        if (this.type === 'startup' && startupCode(message.bytes) >> 16 === 3) this.startup = false;
        out.push(message);
      }
    }
    return out;
  }
}

/** The code of a startup-phase packet: a protocol version, or one of the request codes. */
export const startupCode = (bytes: Buffer): number => (bytes.length >= 8 ? bytes.readInt32BE(4) : -1);

/** The `user` parameter of a StartupMessage (NUL-terminated name/value pairs after the code). */
export const startupUser = (bytes: Buffer): string | undefined => {
  const parts = bytes.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === 'user') return parts[i + 1];
  return undefined;
};

/**
 * Cuts the backend's output into whole messages, so a message is never split across what the
 * pump writes (it may append its own error after them), and remembers the last ReadyForQuery.
 * Chunks are joined only once the message they complete is whole: no re-copying per chunk.
 */
export class BackendFramer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes needed before the first incomplete message (or its header) is whole. */
  private need = 5;
  /** Status of the last message if it was ReadyForQuery, else null (a sequence is still open). */
  lastReady: TxStatus | null = null;

  /**
   * Takes output (copied: PGlite hands out views on its own memory) and returns the whole
   * messages completed so far, in a buffer of their own (safe to transfer to another thread).
   */
  push(chunk: Uint8Array): Uint8Array {
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
    if (this.size < this.need) return new Uint8Array(0);
    const data = Buffer.concat(this.chunks, this.size);
    let at = 0;
    while (data.length - at >= 5) {
      const length = data.readInt32BE(at + 1);
      if (data.length - at < 1 + length) break;
      this.lastReady = data[at] === 0x5a ? (String.fromCharCode(data[at + 5]!) as TxStatus) : null;
      at += 1 + length;
    }
    const rest = data.subarray(at);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    this.need = rest.length >= 5 ? 1 + rest.readInt32BE(1) : 5;
    return new Uint8Array(data.subarray(0, at));
  }

  /** Bytes of an incomplete message left over. */
  get leftover(): number {
    return this.size;
  }
}

const cString = (text: string) => Buffer.from(`${text}\0`, 'utf8');

/** An ErrorResponse with severity, SQLSTATE and message, as the `pg` driver parses them. */
export const errorResponse = (severity: 'ERROR' | 'FATAL', code: string, message: string): Buffer => {
  const fields = Buffer.concat([
    Buffer.from('S'),
    cString(severity),
    Buffer.from('V'),
    cString(severity),
    Buffer.from('C'),
    cString(code),
    Buffer.from('M'),
    cString(message),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
};

export const readyForQuery = (status: TxStatus): Buffer =>
  Buffer.from([0x5a, 0, 0, 0, 5, status.charCodeAt(0)]);

/** A simple-protocol Query message. */
export const queryMessage = (sql: string): Buffer => {
  const text = cString(sql);
  const header = Buffer.alloc(5);
  header.write('Q', 0, 'latin1');
  header.writeInt32BE(4 + text.length, 1);
  return Buffer.concat([header, text]);
};

export const syncMessage = (): Buffer => Buffer.from([0x53, 0, 0, 0, 4]);

/** CopyFail: ends a COPY FROM STDIN left open; the backend ignores it outside one. */
export const copyFailMessage = (): Buffer => {
  const reason = Buffer.from('client gone\0', 'latin1');
  const header = Buffer.alloc(5);
  header.write('f', 0, 'latin1');
  header.writeInt32BE(4 + reason.length, 1);
  return Buffer.concat([header, reason]);
};

/**
 * Replaces the process id and secret key of any BackendKeyData in `messages` (whole messages),
 * in place: every client then has its own key, which is how a CancelRequest names its target.
 */
export const rewriteBackendKey = (messages: Buffer, processId: number, secretKey: number): void => {
  let at = 0;
  while (messages.length - at >= 5) {
    const length = messages.readInt32BE(at + 1);
    if (messages[at] === 0x4b && length === 12) {
      messages.writeInt32BE(processId, at + 5);
      messages.writeInt32BE(secretKey, at + 9);
    }
    at += 1 + length;
  }
};
