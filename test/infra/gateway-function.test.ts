// GatewayFunction's defaults and prop validation (bundling skipped).
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GatewayFunction, type GatewayFunctionProps } from '../../lib/constructs/gateway-function.js';
import { InvalidPropsError } from '../../lib/props-validation.js';
import { ENTRYPOINTS } from '../../lib/tollgate-stack.js';
import { errorFrom, newApp } from './support/synth.js';

const build = (props: Partial<GatewayFunctionProps> = {}) => {
  const stack = new Stack(newApp(), 'Functions');
  const fn = new GatewayFunction(stack, 'Health', { entry: ENTRYPOINTS.health, ...props });
  return { fn, template: Template.fromStack(stack) };
};

describe('GatewayFunction', () => {
  test('defaults to 1024 MB and 30 seconds', () => {
    // WHEN
    const { template } = build();

    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, Timeout: 30 });
  });

  test('takes another memory size and timeout', () => {
    // WHEN
    const { template } = build({ memorySize: 512, timeout: Duration.minutes(5) });

    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512, Timeout: 300 });
  });

  test('adds the caller environment to NODE_OPTIONS', () => {
    // WHEN
    const { template } = build({ environment: { TOLLGATE_TABLE: 'sessions' } });

    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { TOLLGATE_TABLE: 'sessions', NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  test('rejects invalid props, reporting every problem at once', () => {
    // WHEN
    const error = errorFrom(() =>
      build({ memorySize: 64, timeout: Duration.minutes(20), environment: { NODE_OPTIONS: '--inspect' } }),
    );

    // THEN
    expect(error).toBeInstanceOf(InvalidPropsError);
    expect((error as InvalidPropsError).problems).toEqual([
      expect.stringMatching(/^memorySize must be an integer from 128/),
      expect.stringMatching(/^timeout must be from 1 to 900 seconds/),
      expect.stringMatching(/^environment must not set NODE_OPTIONS/),
    ]);
  });

  test('rejects subnets or security groups without a VPC', () => {
    // THEN
    expect(() => build({ vpcSubnets: { subnetGroupName: 'private' } })).toThrow(/require vpc/);
  });
});
