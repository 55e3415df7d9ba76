/** meshctl's version, from package.json (one source of truth). */
import { readAsset } from './assets.js';

export const VERSION: string = JSON.parse(readAsset('package.json')).version;
