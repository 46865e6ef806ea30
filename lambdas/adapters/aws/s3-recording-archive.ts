// RecordingArchive on S3. On AWS the bucket has Object Lock (COMPLIANCE, default retention), so
// a segment, once written, cannot be altered or deleted until its retention ends.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RecordingArchive, RecordingSegment } from '../../core/ports.js';

const pad = (seq: number) => String(seq).padStart(12, '0');

/** `sessions/<session>/<firstSeq>-<lastSeq>.ndjson`: segments list in order. */
export const segmentKey = (segment: Pick<RecordingSegment, 'sessionId' | 'firstSeq' | 'lastSeq'>) =>
  `sessions/${segment.sessionId}/${pad(segment.firstSeq)}-${pad(segment.lastSeq)}.ndjson`;

export interface S3RecordingArchiveOptions {
  readonly client: S3Client;
  readonly bucket: string;
}

export class S3RecordingArchive implements RecordingArchive {
  constructor(private readonly options: S3RecordingArchiveOptions) {}

  async putSegment(segment: RecordingSegment): Promise<void> {
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: segmentKey(segment),
        Body: segment.body,
        ContentType: 'application/x-ndjson',
        Metadata: {
          'tollgate-first-prev-hash': segment.firstPrevHash,
          'tollgate-last-hash': segment.lastHash,
        },
      }),
    );
  }
}
