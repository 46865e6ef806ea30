// One Tollgate Lambda function: an ESM bundle for Node.js 22 on arm64, with its own role, log
// group and X-Ray tracing, and the libpg-query WASM file beside the bundle.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { assertNoProblems, found, integerProblem } from '../props-validation.js';

/** The repository root: where package-lock.json and node_modules live. */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * libpg-query (Emscripten) reads this file from `__dirname` at run time, so it must sit beside the
 * bundle. Path relative to the project root.
 */
export const LIBPG_QUERY_WASM = 'node_modules/libpg-query/wasm/libpg-query.wasm';
export const CEDAR_WASM = 'node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm';

/**
 * What the SQL function needs beside its bundle at run time: the two WASM modules, which their
 * loaders read from `__dirname`, and the Cedar policy folder (the default pack).
 */
export const SQL_FUNCTION_FILES: readonly BundledFile[] = [
  { from: LIBPG_QUERY_WASM, to: 'libpg-query.wasm' },
  { from: CEDAR_WASM, to: 'cedar_wasm_bg.wasm' },
  { from: 'policies', to: 'policies' },
];

/** A file or folder, relative to the project root, copied beside the bundle. */
export interface BundledFile {
  readonly from: string;
  readonly to: string;
}

/**
 * ESM bundles have no `require`, `__filename` or `__dirname`, which bundled CommonJS code and
 * Emscripten loaders use. The aliases are unusual names so they cannot clash with bundled code.
 */
export const ESM_BANNER = [
  "import { createRequire as __tollgateCreateRequire } from 'node:module';",
  "import { fileURLToPath as __tollgateFileURLToPath } from 'node:url';",
  "import { dirname as __tollgateDirname } from 'node:path';",
  'const require = __tollgateCreateRequire(import.meta.url);',
  'const __filename = __tollgateFileURLToPath(import.meta.url);',
  'const __dirname = __tollgateDirname(__filename);',
].join(' ');

/** Environment variables this construct sets itself; callers may not pass them. */
const RESERVED_ENVIRONMENT = ['NODE_OPTIONS'];

export interface GatewayFunctionProps {
  /** The TypeScript entry file exporting `handler`, absolute or relative to the project root. */
  readonly entry: string;

  /** @default - no description */
  readonly description?: string;

  /**
   * Files or folders copied beside the bundle (WASM modules, policy files).
   *
   * @default - none
   */
  readonly files?: readonly BundledFile[];

  /**
   * Memory in MB; CPU scales with it.
   *
   * @default 1024
   */
  readonly memorySize?: number;

  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;

  /**
   * Environment variables. `NODE_OPTIONS` is reserved: it is set to `--enable-source-maps`.
   *
   * @default - only NODE_OPTIONS
   */
  readonly environment?: Readonly<Record<string, string>>;

  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;

  /** @default - no reserved concurrency */
  readonly reservedConcurrentExecutions?: number;

  /**
   * VPC to run in, e.g. to reach databases on private subnets.
   *
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets in `vpc`; requires `vpc`.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups in `vpc`; requires `vpc`.
   *
   * @default - a new security group allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Project root holding package-lock.json and node_modules.
   *
   * @default - the root of this repository
   */
  readonly projectRoot?: string;
}

/**
 * A Lambda function built the Tollgate way. Its role starts empty apart from writing to its own
 * log group and sending X-Ray traces; callers grant the rest explicitly.
 */
export class GatewayFunction extends Construct implements iam.IGrantable {
  static readonly DEFAULT_MEMORY_SIZE = 1024;
  static readonly DEFAULT_TIMEOUT = Duration.seconds(30);

  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    super(scope, id);
    validate(props);
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An own role instead of the default one with AWSLambdaBasicExecutionRole, which may write
    // to every log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Tollgate ${id} function`,
    });
    this.logGroup.grantWrite(this.role);
    this.grantPrincipal = this.role;

    if (props.vpc) {
      this.role.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'Lambda needs these EC2 network-interface actions to attach the function to the VPC; ' +
          'ec2:DescribeNetworkInterfaces and the ENI actions Lambda calls cannot be scoped to resources ' +
          'known at synth time, and AWS maintains this policy as the runtime changes.',
      });
    }

    this.function = new NodejsFunction(this, 'Function', {
      entry: resolve(projectRoot, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? GatewayFunction.DEFAULT_MEMORY_SIZE,
      timeout: props.timeout ?? GatewayFunction.DEFAULT_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        forceDockerBundling: false,
        // Bundle the AWS SDK too: the code runs with the versions it was tested with, not with
        // whatever the runtime ships. pg's optional native binding is never loaded.
        externalModules: ['pg-native'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) =>
            (props.files ?? []).map((f) => `cp -R "${join(inputDir, f.from)}" "${join(outputDir, f.to)}"`),
        },
      },
    });

    // Added by `tracing: ACTIVE`. Whoever adds another wildcard-resource statement to this role
    // acknowledges it again with its own reason.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords, added for active X-Ray tracing, do not ' +
        'support resource-level permissions. Everything else this construct grants names its resources.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x on purpose: bundles are built with esbuild target node22 and tested on ' +
        'Node 22; moving to a newer runtime is a deliberate upgrade, not a side effect of a CDK update.',
    });
  }
}

const validate = (props: GatewayFunctionProps): void => {
  const timeout = props.timeout;
  const reserved = RESERVED_ENVIRONMENT.filter((name) => props.environment?.[name] !== undefined);
  assertNoProblems(
    'GatewayFunction',
    found(
      props.entry.trim() === '' ? 'entry must not be empty' : undefined,
      integerProblem('memorySize', props.memorySize, 128, 10_240),
      timeout &&
        !Token.isUnresolved(timeout.toSeconds()) &&
        (timeout.toSeconds() < 1 || timeout.toSeconds() > 900)
        ? `timeout must be from 1 to 900 seconds, got ${timeout.toSeconds()}`
        : undefined,
      integerProblem('reservedConcurrentExecutions', props.reservedConcurrentExecutions, 0, 100_000),
      reserved.length > 0
        ? `environment must not set ${reserved.join(', ')}: GatewayFunction sets it`
        : undefined,
      !props.vpc && (props.vpcSubnets || props.securityGroups)
        ? 'vpcSubnets and securityGroups require vpc'
        : undefined,
    ),
  );
};
