// Lambda entry: the metadata table's stream → recording segments in the Object Lock bucket.
import { awsArchiverHandler } from '../wiring/aws-archiver.js';

export const handler = awsArchiverHandler(process.env);
