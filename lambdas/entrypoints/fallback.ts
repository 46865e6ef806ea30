// Lambda entry: the HTTP API's $default route (JSON 404/405 for anything unrouted).
import { awsFallbackHandler } from '../wiring/aws-light.js';

export const handler = awsFallbackHandler();
