// Lambda entry: POST /v1/connections/{name}/sql. Built once per cold start.
import { awsSqlHandler } from '../wiring/aws-sql.js';

export const handler = await awsSqlHandler(process.env);
