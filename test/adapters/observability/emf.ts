// Checks a document against the CloudWatch Embedded Metric Format specification (the rules
// CloudWatch Logs applies before it extracts metrics), so tests can assert "valid EMF".
const UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

/** The problems that would make CloudWatch skip the document; empty when it is valid EMF. */
export const emfProblems = (document: Record<string, unknown>): string[] => {
  const problems: string[] = [];
  const aws = document._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (typeof aws !== 'object' || aws === null) return ['no _aws object'];
  if (!Number.isInteger(aws.Timestamp)) problems.push('_aws.Timestamp is not an integer');
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0) {
    return [...problems, '_aws.CloudWatchMetrics is not a non-empty array'];
  }
  for (const directive of aws.CloudWatchMetrics as Array<Record<string, unknown>>) {
    if (typeof directive.Namespace !== 'string' || directive.Namespace === '') problems.push('no Namespace');
    const dimensions = directive.Dimensions;
    if (!Array.isArray(dimensions)) problems.push('Dimensions is not an array');
    else
      for (const set of dimensions as unknown[]) {
        if (!Array.isArray(set) || set.length > 30) problems.push('a dimension set is not an array of ≤ 30');
        else
          for (const key of set as unknown[]) {
            if (typeof key !== 'string' || typeof document[key] !== 'string') {
              problems.push(`dimension ${String(key)} has no string value`);
            }
          }
      }
    const metrics = directive.Metrics;
    if (!Array.isArray(metrics) || metrics.length > 100) problems.push('Metrics is not an array of ≤ 100');
    else
      for (const metric of metrics as Array<Record<string, unknown>>) {
        const name = metric.Name;
        if (typeof name !== 'string' || name.length < 1 || name.length > 1024)
          problems.push('bad metric Name');
        if (metric.Unit !== undefined && !UNITS.has(String(metric.Unit)))
          problems.push(`bad Unit of ${name}`);
        const value = document[String(name)];
        const values = Array.isArray(value) ? value : [value];
        if (values.length === 0 || values.length > 100 || !values.every((v) => Number.isFinite(v))) {
          problems.push(`metric ${String(name)} has no valid value`);
        }
      }
  }
  return problems;
};
