// ExportRunner on AWS: an asynchronous invocation of the archiver function, which holds the
// archive read and signing grants an export needs. Lambda retries a failed asynchronous run;
// the job itself runs once (runExportJob leaves a job that is no longer queued alone).
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ExportRunner } from '../../core/ports.js';

export interface LambdaExportRunnerOptions {
  readonly client: LambdaClient;
  readonly functionName: string;
}

export class LambdaExportRunner implements ExportRunner {
  constructor(private readonly options: LambdaExportRunnerOptions) {}

  async start(exportId: string): Promise<void> {
    await this.options.client.send(
      new InvokeCommand({
        FunctionName: this.options.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify({ action: 'export', exportId })),
      }),
    );
  }
}
