// Lambda entry: GET /healthz.
import { awsHealthHandler } from '../wiring/aws.js';

export const handler = awsHealthHandler();
