import { appendFile } from 'node:fs/promises';
import type { IO } from './io.js';

/**
 * GitHub Actions integration, on when GITHUB_ACTIONS=true: step outputs, a step summary, and
 * error annotations. Other CI systems get the plain lines and exit codes.
 * https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
 */
export interface VideoOutcome {
  taskId: string;
  /** A batch line, for its annotation. */
  line?: number;
  file?: string;
  sha256?: string;
  bytes?: number;
  error?: { code: string; message: string };
}

export function onGitHubActions(io: IO): boolean {
  return io.env.GITHUB_ACTIONS === 'true';
}

/**
 * Once per command: an `::error::` annotation per failed task, a summary table, and the step
 * outputs — `tasks` (a JSON array of every outcome) and, when there is exactly one task, its
 * `task_id`, `file` and `sha256`, so no output key is ever written twice. `extra` adds outputs.
 */
export async function reportOutcomes(
  io: IO,
  outcomes: readonly VideoOutcome[],
  extra: Record<string, string> = {},
): Promise<void> {
  if (!onGitHubActions(io) || (outcomes.length === 0 && Object.keys(extra).length === 0)) return;
  for (const o of outcomes) {
    if (!o.error) continue;
    // Workflow commands end at a newline; on stderr, which the runner reads too: stdout stays results only.
    const title = o.line !== undefined ? `wan: line ${o.line}` : `wan: task ${o.taskId}`;
    io.stderr.write(`::error title=${title}::${escapeData(`${o.error.code}: ${o.error.message}`)}\n`);
  }
  if (io.env.GITHUB_OUTPUT) {
    const tasks = outcomes.map((o) => ({
      task_id: o.taskId,
      file: o.file ?? null,
      sha256: o.sha256 ?? null,
      error: o.error?.code ?? null,
    }));
    const lines = [`tasks=${JSON.stringify(tasks)}`];
    const [only] = outcomes;
    if (outcomes.length === 1 && only && !only.error) {
      lines.push(`task_id=${only.taskId}`, `file=${only.file ?? ''}`, `sha256=${only.sha256 ?? ''}`);
    }
    for (const [key, value] of Object.entries(extra)) lines.push(`${key}=${value}`);
    await appendFile(io.env.GITHUB_OUTPUT, `${lines.join('\n')}\n`);
  }
  if (io.env.GITHUB_STEP_SUMMARY && outcomes.length > 0) {
    const rows = outcomes.map((o) => {
      const task = o.line !== undefined ? `line ${o.line}` : `\`${o.taskId}\``;
      return o.error
        ? `| ${task} | ❌ ${escapeCell(o.error.code)} | ${escapeCell(o.error.message)} |`
        : `| ${task} | ✅ saved | \`${escapeCell(o.file ?? '')}\` (${o.bytes ?? 0} bytes, sha256 \`${(o.sha256 ?? '').slice(0, 16)}…\`) |`;
    });
    const table = ['', '### wan', '', '| task | result | details |', '|---|---|---|', ...rows, ''];
    await appendFile(io.env.GITHUB_STEP_SUMMARY, table.join('\n'));
  }
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
