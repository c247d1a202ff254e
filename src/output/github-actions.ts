import { appendFile } from 'node:fs/promises';
import type { IO } from './io.js';

/**
 * GitHub Actions integration, on when GITHUB_ACTIONS=true: step outputs, a step summary, and
 * error annotations. Other CI systems get the plain lines and exit codes.
 * https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
 */
export interface VideoOutcome {
  taskId: string;
  file?: string;
  sha256?: string;
  bytes?: number;
  error?: { code: string; message: string };
}

export function onGitHubActions(io: IO): boolean {
  return io.env.GITHUB_ACTIONS === 'true';
}

/** Step outputs (`task_id`, `file`, `sha256`; with several tasks the last one wins) and a summary row. */
export async function reportToGitHub(io: IO, outcome: VideoOutcome): Promise<void> {
  if (!onGitHubActions(io)) return;
  if (outcome.error) {
    // Workflow commands end at a newline; `%`, CR and LF are escaped as the runner expects.
    // On stderr, which the runner reads for workflow commands too: stdout stays results only.
    io.stderr.write(
      `::error title=wan: task ${outcome.taskId}::${escapeData(`${outcome.error.code}: ${outcome.error.message}`)}\n`,
    );
  }
  const outputFile = io.env.GITHUB_OUTPUT;
  if (outputFile && !outcome.error) {
    await appendFile(
      outputFile,
      [`task_id=${outcome.taskId}`, `file=${outcome.file ?? ''}`, `sha256=${outcome.sha256 ?? ''}`, ''].join('\n'),
    );
  }
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    const row = outcome.error
      ? `| \`${outcome.taskId}\` | ❌ ${escapeCell(outcome.error.code)} | ${escapeCell(outcome.error.message)} |`
      : `| \`${outcome.taskId}\` | ✅ saved | \`${escapeCell(outcome.file ?? '')}\` (${outcome.bytes ?? 0} bytes, sha256 \`${(outcome.sha256 ?? '').slice(0, 16)}…\`) |`;
    await appendFile(summaryFile, `${row}\n`);
  }
}

/** Written once before the rows of one command. */
export async function gitHubSummaryHeader(io: IO): Promise<void> {
  if (!onGitHubActions(io) || !io.env.GITHUB_STEP_SUMMARY) return;
  await appendFile(io.env.GITHUB_STEP_SUMMARY, '\n### wan\n\n| task | result | details |\n|---|---|---|\n');
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
