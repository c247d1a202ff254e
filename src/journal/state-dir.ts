import { chmod } from 'node:fs/promises';
import { makeDirectory } from '../api/make-dir.js';
import { errorCode } from './append.js';
import { JournalError } from './journal-error.js';

/**
 * Creates the state directory (and any missing parents) private to the user, since the journal
 * holds prompts. A directory that already exists keeps its mode: the user chose it.
 */
export async function ensureStateDir(dir: string): Promise<void> {
  try {
    const created = await makeDirectory(dir, 0o700);
    // mkdir's mode is filtered by the umask; set it outright on the directory we created.
    if (created !== undefined) await chmod(dir, 0o700);
  } catch (err) {
    throw new JournalError(
      'state-dir',
      dir,
      `Cannot create the state directory ${dir} (${errorCode(err)}). wan keeps its task journal there so nothing paid for is lost; set WAN_STATE_DIR to a writable local directory.`,
      { cause: err },
    );
  }
}
