// The Modeler's own validator (@bpmn-io/element-templates-validator) on exported templates.
// stdin: a JSON array of {"platform": "camunda8" | "camunda7", "template": {...}}.
// stdout: one JSON line per item: {"valid": bool, "errors": [message, ...]}.
// Camunda 8 templates go through validateZeebe, Camunda 7 ones through validate.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../js/package.json', import.meta.url));
const { validate, validateZeebe } = require('@bpmn-io/element-templates-validator');

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const items = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const out = items.map(({ platform, template }) => {
  const result = platform === 'camunda7' ? validate(template) : validateZeebe(template);
  const errors = (result.errors || []).map((e) => `${e.instancePath ?? ''} ${e.message}`);
  return JSON.stringify({ valid: result.valid, errors });
});
process.stdout.write(out.join('\n') + '\n');
