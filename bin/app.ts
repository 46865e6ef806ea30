// CDK app: the Tollgate stack, checked by cdk-nag's AWS Solutions rules on every synth.
// Usage: `npx cdk deploy -c issuer=… -c audience=… -c jwksUri=…` (docs/deploy.md lists every key).
import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackPropsFromContext } from '../lib/app-context.js';
import { TollgateStack } from '../lib/tollgate-stack.js';

const app = new App();
const { props, placeholderIdentity } = stackPropsFromContext(app.node);
const stack = new TollgateStack(app, 'Tollgate', { ...props, stackName: 'Tollgate' });
if (placeholderIdentity) {
  Annotations.of(stack).addWarningV2(
    'tollgate:placeholder-identity',
    'No identity context given: using the placeholder issuer https://issuer.example.com, which no one ' +
      'can obtain tokens for, so the deployed API would reject every request. Pass -c issuer=… -c ' +
      'audience=… -c jwksUri=… or -c cognitoUserPoolId=… -c cognitoClientId=… (see docs/deploy.md).',
  );
}
// Findings fail the synth: fix them, or acknowledge them where they arise with a specific reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
