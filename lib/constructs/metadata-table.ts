// The session store: one DynamoDB table (pk/sk) holding sessions and their hash-chained events,
// with a NEW_IMAGE stream that feeds the archiver.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { assertNoProblems, found } from '../props-validation.js';

export interface MetadataTableProps {
  /**
   * Key that encrypts the table, its stream and its backups.
   *
   * A customer-managed key rather than the AWS-managed `aws/dynamodb` key: the table holds the
   * SQL text and identities of every session, so its key policy is a second gate besides IAM,
   * every use of it shows in CloudTrail, and disabling it cuts off all reads at once.
   *
   * @default - a new customer-managed key with automatic yearly rotation, retained on stack deletion
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Partitions of the table, by partition key: those starting with one of `prefixes` (e.g.
 * `SESSION#`) and those equal to one of `keys` (e.g. `ARCHIVE`). At least one of either.
 */
export interface Partitions {
  /** @default - none */
  readonly prefixes?: readonly string[];
  /** @default - none */
  readonly keys?: readonly string[];
}

/** A `dynamodb:LeadingKeys` pattern per partition: prefixes end in `*`, exact keys have no wildcard. */
const leadingKeys = (partitions: Partitions): string[] => {
  const prefixes = partitions.prefixes ?? [];
  const keys = partitions.keys ?? [];
  const wildcard = (value: string) => value === '' || /[*?]/.test(value);
  assertNoProblems(
    'MetadataTable grant',
    found(
      prefixes.length + keys.length === 0 ? 'partitions must name at least one prefix or key' : undefined,
      ...[...prefixes, ...keys]
        .filter(wildcard)
        .map((value) => `partition ${JSON.stringify(value)} must be non-empty and hold no * or ?`),
    ),
  );
  return [...prefixes.map((prefix) => `${prefix}*`), ...keys];
};

/**
 * On-demand table with point-in-time recovery and deletion protection, retained when the stack is
 * deleted. Grants are per item operation: DeleteItem only in named partitions, and nothing here
 * grants BatchWriteItem (which can delete anywhere), Scan or any table administration.
 */
export class MetadataTable extends Construct {
  readonly table: dynamodb.Table;
  readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: MetadataTableProps = {}) {
    super(scope, id);
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: 'Tollgate: encrypts the session metadata table and its stream',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      // Held requests' items (lambdas/adapters/aws/dynamodb-approval-store.ts) expire with their
      // approval: a sealed request is gone even if its approval never ended.
      timeToLiveAttribute: 'expiresAtEpoch',
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Lets `grantee` read items: `GetItem` and `Query` (no `Scan`). */
  grantReadItems(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey');
    return this.grantItemActions(grantee, 'dynamodb:GetItem', 'dynamodb:Query');
  }

  /**
   * Lets `grantee` create or replace single items with `PutItem` (conditional puts included).
   *
   * @param partitions - the partitions the grantee may write (a `dynamodb:LeadingKeys` condition);
   *   every partition when absent
   */
  grantPutItems(grantee: iam.IGrantable, partitions?: Partitions): iam.Grant {
    this.grantKeyForWrites(grantee);
    return this.grantItemActionsIn(grantee, partitions, 'dynamodb:PutItem');
  }

  /**
   * Lets `grantee` change single items with `UpdateItem` (conditional updates included).
   *
   * @param partitions - the partitions the grantee may change (a `dynamodb:LeadingKeys`
   *   condition); every partition when absent
   */
  grantUpdateItems(grantee: iam.IGrantable, partitions?: Partitions): iam.Grant {
    this.grantKeyForWrites(grantee);
    return this.grantItemActionsIn(grantee, partitions, 'dynamodb:UpdateItem');
  }

  /**
   * Lets `grantee` delete single items with `DeleteItem`, in the given partitions only: there is
   * no table-wide delete grant, since sessions and their events are evidence.
   *
   * @param partitions - the partitions the grantee may delete from (a `dynamodb:LeadingKeys` condition)
   */
  grantDeleteItems(grantee: iam.IGrantable, partitions: Partitions): iam.Grant {
    this.encryptionKey.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey');
    return this.grantItemActionsIn(grantee, partitions, 'dynamodb:DeleteItem');
  }

  private grantItemActionsIn(
    grantee: iam.IGrantable,
    partitions: Partitions | undefined,
    ...actions: string[]
  ): iam.Grant {
    if (!partitions) return this.grantItemActions(grantee, ...actions);
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys(partitions) } },
    });
  }

  private grantItemActions(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    // The table ARN only: there are no indexes, so no `index/*` wildcard either.
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.tableArn] });
  }

  // The CDK's own table grants add `kms:ReEncrypt*` and `kms:GenerateDataKey*`; item writes
  // need neither the re-encryption nor the data-key variants, so the grant names the plain actions.
  private grantKeyForWrites(grantee: iam.IGrantable): void {
    this.encryptionKey.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey');
  }
}
