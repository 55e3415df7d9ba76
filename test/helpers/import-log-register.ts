import { register } from 'node:module';

register(new URL('./import-log-hooks.js', import.meta.url));
