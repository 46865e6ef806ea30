// An asymmetric KMS key that signs evidence (checkpoints, evidence manifests): ECDSA on NIST
// P-256, whose public key verifiers read once and then check signatures with offline.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * What the account keeps on a key with exclusive signers: everything needed to administer it,
 * and nothing that signs. Not `kms:Sign`, and not `kms:CreateGrant` either, since a grant could
 * hand the signing operation to anyone.
 */
export const SIGNING_KEY_ADMINISTRATION = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:GetKeyPolicy',
  'kms:GetPublicKey',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;

/** What a signer needs: the signature, and the public key it publishes beside what it signs. */
const SIGNER_ACTIONS = ['kms:Sign', 'kms:GetPublicKey'];

export interface SigningKeyProps {
  /** What the key signs, shown in the KMS console. */
  readonly description: string;

  /**
   * Only the principals given {@link SigningKey.grantSign} may sign, whatever IAM policies say:
   * the key policy leaves the account root the key's administration
   * ({@link SIGNING_KEY_ADMINISTRATION}) without `kms:Sign`, and names each signer itself.
   *
   * @default false - the default key policy: the account's IAM policies decide who may sign
   */
  readonly exclusiveSigners?: boolean;
}

/**
 * An ECC_NIST_P256 SIGN_VERIFY key, retained when the stack is deleted: every signature it made
 * stays verifiable against its public key, and the key still names who made them. Asymmetric
 * keys do not rotate; a new key is a new fingerprint verifiers are told about.
 */
export class SigningKey extends Construct {
  readonly key: kms.Key;
  readonly exclusiveSigners: boolean;

  constructor(scope: Construct, id: string, props: SigningKeyProps) {
    super(scope, id);
    this.exclusiveSigners = props.exclusiveSigners ?? false;
    this.key = new kms.Key(this, 'Key', {
      description: props.description,
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
      // Given a policy, the CDK adds no `kms:*` statement for the account: this one is all of it.
      policy: this.exclusiveSigners
        ? new iam.PolicyDocument({
            statements: [
              new iam.PolicyStatement({
                sid: 'AccountAdministersButCannotSign',
                principals: [new iam.AccountRootPrincipal()],
                actions: [...SIGNING_KEY_ADMINISTRATION],
                resources: ['*'],
              }),
            ],
          })
        : undefined,
    });
  }

  get keyArn(): string {
    return this.key.keyArn;
  }

  /**
   * Lets `grantee` sign with the key and read its public key. With exclusive signers the key
   * policy names `grantee` (and its identity policy allows the same); otherwise its identity
   * policy alone does.
   */
  grantSign(grantee: iam.IGrantable): iam.Grant {
    const options = { grantee, actions: SIGNER_ACTIONS, resourceArns: [this.key.keyArn], resource: this.key };
    return this.exclusiveSigners
      ? // In a key policy `*` is the key itself; its own ARN there would be a reference to itself.
        iam.Grant.addToPrincipalAndResource({ ...options, resourceSelfArns: ['*'] })
      : iam.Grant.addToPrincipalOrResource(options);
  }
}
