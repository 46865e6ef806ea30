// The immutable recording store: an S3 bucket with Object Lock in COMPLIANCE mode, encrypted with
// a customer-managed KMS key, plus the bucket that receives its server access logs.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { assertNoProblems, found, integerProblem } from '../props-validation.js';

/** S3 keeps Object Lock retention for at most 100 years. */
const MAX_RETENTION_DAYS = 36_500;

export interface RecordingsBucketProps {
  /**
   * Days each recording object version stays locked in COMPLIANCE mode: nobody, the root user
   * included, can delete or overwrite it, or shorten the retention, until the days have passed.
   * Raising it later applies to new objects only.
   *
   * @default 365
   */
  readonly retentionDays?: number;

  /**
   * Key that encrypts recordings (SSE-KMS with an S3 Bucket Key).
   *
   * @default - a new customer-managed key with automatic yearly rotation, retained on stack deletion
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Days the server access logs of the recordings bucket are kept before they expire.
   *
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
}

/**
 * Write-once storage for recording segments. The bucket and its access-log bucket are retained
 * when the stack is deleted: recordings are evidence, and Object Lock would refuse the deletion
 * anyway.
 */
export class RecordingsBucket extends Construct {
  static readonly DEFAULT_RETENTION_DAYS = 365;
  static readonly DEFAULT_ACCESS_LOG_RETENTION_DAYS = 365;

  readonly bucket: s3.Bucket;
  readonly encryptionKey: kms.IKey;
  /** Receives the recordings bucket's server access logs. */
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: RecordingsBucketProps = {}) {
    super(scope, id);
    assertNoProblems(
      'RecordingsBucket',
      found(
        integerProblem('retentionDays', props.retentionDays, 1, MAX_RETENTION_DAYS),
        integerProblem('accessLogRetentionDays', props.accessLogRetentionDays, 1, MAX_RETENTION_DAYS),
      ),
    );
    const retentionDays = props.retentionDays ?? RecordingsBucket.DEFAULT_RETENTION_DAYS;

    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: 'Tollgate: encrypts session recordings in the recordings bucket',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    // S3 server access logging can only deliver to SSE-S3 buckets, and not to buckets with an
    // Object Lock default retention: hence a plain, private, SSL-only bucket. It logs nothing
    // itself (that would log its own log deliveries); cdk-nag accepts a log destination as is.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [
        {
          expiration: Duration.days(
            props.accessLogRetentionDays ?? RecordingsBucket.DEFAULT_ACCESS_LOG_RETENTION_DAYS,
          ),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(retentionDays)),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'recordings/',
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets `grantee` add recording objects whose keys match `keyPattern` (`s3:PutObject` only, plus
   * the KMS calls SSE-KMS needs for a single-part upload). No read ({@link grantReadRecordings}), no
   * delete, no retention or legal-hold changes: a writer cannot alter what is already archived.
   *
   * @param keyPattern object key pattern, e.g. `recordings/*`
   */
  grantPutRecordings(grantee: iam.IGrantable, keyPattern = '*'): iam.Grant {
    const put = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject'],
      resourceArns: [this.bucket.arnForObjects(keyPattern)],
    });
    this.encryptionKey.grant(grantee, 'kms:Encrypt', 'kms:GenerateDataKey');
    return put;
  }

  /**
   * Lets `grantee` read recording objects whose keys match `keyPattern` (`s3:GetObject`, with
   * `kms:Decrypt` on the bucket's key) and list the bucket (`s3:ListBucket`). The listing right
   * also makes S3 answer a missing key with 404 rather than 403, which an exists-check relies on.
   * No delete, retention or legal-hold action.
   *
   * @param keyPattern object key pattern, e.g. `checkpoints/*`
   */
  grantReadRecordings(grantee: iam.IGrantable, keyPattern = '*'): iam.Grant {
    const get = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(keyPattern)],
    });
    const list = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
    });
    this.encryptionKey.grant(grantee, 'kms:Decrypt');
    return get.combine(list);
  }
}
