// An in-memory RecordingArchive with the semantics of the S3 one (S3RecordingArchive), for core
// tests: an object is written once under its key (a second put of the key, segment or
// checkpoint, writes nothing), keys list in ascending order. Every write is logged.
import type { RecordingArchive, RecordingBatch } from '../../lambdas/core/ports.js';

export interface ArchiveWrite {
  readonly kind: 'segment' | 'checkpoint';
  readonly key: string;
  /** False for a put that found its key taken (S3: the HEAD found the object, or If-None-Match failed). */
  readonly written: boolean;
}

export class InMemoryRecordingArchive implements RecordingArchive {
  readonly objects = new Map<string, string>();
  readonly writes: ArchiveWrite[] = [];
  /** Set to make every operation fail, as an S3 outage would. */
  failWith: Error | undefined;

  async putBatch(batch: RecordingBatch): Promise<void> {
    this.check();
    const written = !this.objects.has(batch.key);
    if (written) this.objects.set(batch.key, batch.body);
    this.writes.push({ kind: 'segment', key: batch.key, written });
  }

  async putCheckpoint(key: string, body: string): Promise<void> {
    this.check();
    const written = !this.objects.has(key);
    if (written) this.objects.set(key, body);
    this.writes.push({ kind: 'checkpoint', key, written });
  }

  async list(prefix: string): Promise<string[]> {
    this.check();
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async get(key: string): Promise<string | undefined> {
    this.check();
    return this.objects.get(key);
  }

  /** The objects under `prefix`, by key. */
  under(prefix: string): Map<string, string> {
    return new Map([...this.objects].filter(([key]) => key.startsWith(prefix)));
  }

  private check() {
    if (this.failWith) throw this.failWith;
  }
}
