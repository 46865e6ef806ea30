// A PolicyProvider for one fixed policy set (files read at start, or a set under test).
import type { PolicyEngine, PolicyProvider } from '../ports.js';

export const staticPolicyProvider = (engine: PolicyEngine): PolicyProvider => ({
  current: async () => engine,
});
