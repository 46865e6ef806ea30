// RecordingArchive on S3. On AWS the bucket has Object Lock (COMPLIANCE, default retention), so
// an archive object, once written, cannot be altered or deleted until its retention ends.
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { RecordingArchive, RecordingBatch } from '../../core/ports.js';

export interface S3RecordingArchiveOptions {
  readonly client: S3Client;
  readonly bucket: string;
}

const isMissing = (error: unknown) => {
  const name = (error as { name?: string } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
};

/** A conditional put that lost: the object is there (412), or another put of it was under way (409). */
const isTaken = (error: unknown) => {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    name === 'PreconditionFailed' ||
    name === 'ConditionalRequestConflict' ||
    $metadata?.httpStatusCode === 412
  );
};

export class S3RecordingArchive implements RecordingArchive {
  constructor(private readonly options: S3RecordingArchiveOptions) {}

  async putBatch(batch: RecordingBatch): Promise<void> {
    const { key } = batch;
    // A retry writes the same bytes under the same key (segment keys are content digests): once
    // the object is there, writing it again would only add an identical Object Lock version.
    if (await this.exists(key)) return;
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: batch.body,
        ContentType: 'application/x-ndjson',
        Metadata: {
          'tollgate-sessions': String(batch.sessions.length),
          'tollgate-events': String(batch.sessions.reduce((n, s) => n + s.lastSeq - s.firstSeq + 1, 0)),
        },
      }),
    );
  }

  async putCheckpoint(key: string, body: string): Promise<void> {
    // The first writer of a checkpoint number wins: If-None-Match makes that atomic on S3 (the
    // HEAD keeps it so on stand-ins that ignore the header); the caller reads back whose it is.
    if (await this.exists(key)) return;
    try {
      await this.options.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      if (!isTaken(error)) throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const object = await this.options.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
      );
      return (await object.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.options.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }
}
