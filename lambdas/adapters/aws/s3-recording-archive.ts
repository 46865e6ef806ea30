// RecordingArchive on S3. On AWS the bucket has Object Lock (COMPLIANCE, default retention), so
// an archive object, once written, cannot be altered or deleted until its retention ends.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RecordingArchive, RecordingBatch } from '../../core/ports.js';

/** `recordings/<yyyy-mm-dd>/<batchId>.ndjson`: objects list by day, then by batch. */
export const batchKey = (batch: Pick<RecordingBatch, 'batchId' | 'at'>) =>
  `recordings/${batch.at.slice(0, 10)}/${batch.batchId}.ndjson`;

export interface S3RecordingArchiveOptions {
  readonly client: S3Client;
  readonly bucket: string;
}

export class S3RecordingArchive implements RecordingArchive {
  constructor(private readonly options: S3RecordingArchiveOptions) {}

  async putBatch(batch: RecordingBatch): Promise<string> {
    const key = batchKey(batch);
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
    return key;
  }
}
