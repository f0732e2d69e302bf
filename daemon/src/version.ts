/** The package version, read once from package.json. */
import { packageVersion } from '../../protocol/src/node/package-info.js';

export const VERSION = packageVersion();
