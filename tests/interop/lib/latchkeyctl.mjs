// Where the latchkeyctl binary is: next to latchkeyd in the same bazel-bin.
import path from 'node:path';

import { latchkeydBinary } from './latchkeyd.mjs';

export function latchkeyctlBinary() {
  return process.env.LATCHKEYCTL_BIN ??
      path.resolve(path.dirname(latchkeydBinary()), '..', 'tools', 'latchkeyctl', 'latchkeyctl');
}
