/**
 * The sandbox: a local server that speaks Alibaba Cloud Model Studio's (DashScope) Wan
 * video-synthesis protocol, with a second listener standing in for the OSS host that serves the
 * videos. Used by `wan sandbox`, the global `--sandbox` flag, and our tests.
 */
export { startSandbox } from './server.js';
export type {
  Sandbox,
  SandboxClock,
  SandboxFaults,
  SandboxOptions,
  SandboxRequest,
  SandboxTaskInfo,
  TaskScript,
} from './types.js';
