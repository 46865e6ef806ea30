// ExportFiles on S3: finished evidence bundles under `exports/` in the recordings bucket (Object
// Lock keeps them as written), fetched with a presigned GET.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ExportFiles } from '../../core/ports.js';

export interface S3ExportFilesOptions {
  readonly client: S3Client;
  readonly bucket: string;
}

export class S3ExportFiles implements ExportFiles {
  constructor(private readonly options: S3ExportFilesOptions) {}

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/zip',
        ContentDisposition: `attachment; filename="${key.split('/').at(-1)}"`,
      }),
    );
  }

  downloadUrl(key: string, ttlSeconds: number): Promise<string> {
    return getSignedUrl(
      this.options.client,
      new GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
      {
        expiresIn: ttlSeconds,
      },
    );
  }
}
