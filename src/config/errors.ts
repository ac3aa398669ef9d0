// ConfigError: the one error a bad config produces. It carries every problem found, one line each,
// in the form `<key path>: <JSON of the bad value> <what was expected>`, so a technician can fix
// them all in one pass instead of one restart per typo.

import type { ErrorCode } from '../errors/catalogue.js';


export class ConfigError extends Error {
  readonly code: ErrorCode = 'CONFIG_INVALID';
  /** sysexits EX_CONFIG: what the daemon exits with when its config is bad. */
  readonly exitCode = 78;

  constructor(
    readonly problems: string[],
    /** The config file the problems are in; omitted when each problem names the file itself. */
    readonly file?: string,
  ) {
    super(
      file === undefined
        ? problems.join('\n')
        : [`config file ${file} has ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:`]
            .concat(problems.map((problem) => `  ${problem}`))
            .join('\n'),
    );
    this.name = 'ConfigError';
  }
}
