/**
 * The sandbox: a local server that speaks Alibaba Cloud Model Studio's (DashScope) Wan
 * video-synthesis protocol, with a second listener standing in for the OSS host that serves the
 * videos and takes temporary-file uploads. Used by `wan sandbox`, the global `--sandbox` flag, and our tests.
 */

export {
  FAULT_ENDPOINTS,
  FaultSpecError,
  formatFaultRule,
  parseFaultSpec,
  parseFaultSpecs,
  validateFaultRule,
} from './fault-spec.js';
export { startSandbox } from './server.js';
export type {
  FaultEndpoint,
  FaultKind,
  FaultRule,
  FaultRuleMatch,
  ModelRateLimit,
  Sandbox,
  SandboxClock,
  SandboxFaults,
  SandboxLimits,
  SandboxOptions,
  SandboxRequest,
  SandboxTaskInfo,
  TaskScript,
} from './types.js';
