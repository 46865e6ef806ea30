// Composition root of the approval-tasks function: the SQL function's pipeline (aws-sql.ts), its
// connections seen with their write credentials.
export { awsApprovalTasks } from './aws-sql.js';
