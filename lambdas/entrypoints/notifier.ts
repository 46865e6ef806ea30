// Lambda entry: approval events from EventBridge → the Slack incoming webhook.
import { awsNotifierHandler } from '../wiring/aws-notifier.js';

export const handler = awsNotifierHandler(process.env);
