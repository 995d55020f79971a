// The honest answer of a command whose parts are not built yet: a typed error (exit 1) that
// says so, raised after the configuration was checked (so a bad config still exits 78).
import { SyncError } from '../errors.ts';

export function notBuilt(command: string, what = 'not built yet (see issue #6/#7)'): SyncError {
  return new SyncError('NOT_IMPLEMENTED', `${command}: ${what}`);
}
