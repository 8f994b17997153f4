// Writes muxd.schema.json from the flag specs of serve, collect and up: run `npm run schema` after changing a flag.
import { writeFile } from 'node:fs/promises';
import { configSchema } from '../dist/config.js';
import { spec as serve } from '../dist/cli/commands/serve.js';
import { spec as collect } from '../dist/cli/commands/collect.js';
import { spec as up } from '../dist/cli/commands/up.js';

const schema = configSchema({ serve: serve.options, collect: collect.options, up: up.options });
await writeFile(new URL('../muxd.schema.json', import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
